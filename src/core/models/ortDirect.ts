// onnxruntime's C API called directly through koffi: the few calls a greedy decode needs, with
// IO binding, so a tensor can stay in the CUDA provider's memory between runs. onnxruntime-node's
// binding cannot do that for CUDA (its IO binding knows only WebGPU's 'gpu-buffer'): every output
// comes back to host memory and every input goes back to the device. Loaded on first use only,
// never at activation; the library is the one onnxruntime-node loads (useRuntime's copy where one
// is in use), so both share one onnxruntime in the process.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The OrtApi struct's members in their fixed order (onnxruntime_c_api.h / onnxruntime_c_api.cc's
 * ort_api_1_to_N), up to version 11, the last one whose members this file calls. onnxruntime only
 * ever appends to the struct, so a newer library serves the same offsets.
 */
const API_ORDER = [
  // version 1
  'CreateStatus',
  'GetErrorCode',
  'GetErrorMessage',
  'CreateEnv',
  'CreateEnvWithCustomLogger',
  'EnableTelemetryEvents',
  'DisableTelemetryEvents',
  'CreateSession',
  'CreateSessionFromArray',
  'Run',
  'CreateSessionOptions',
  'SetOptimizedModelFilePath',
  'CloneSessionOptions',
  'SetSessionExecutionMode',
  'EnableProfiling',
  'DisableProfiling',
  'EnableMemPattern',
  'DisableMemPattern',
  'EnableCpuMemArena',
  'DisableCpuMemArena',
  'SetSessionLogId',
  'SetSessionLogVerbosityLevel',
  'SetSessionLogSeverityLevel',
  'SetSessionGraphOptimizationLevel',
  'SetIntraOpNumThreads',
  'SetInterOpNumThreads',
  'CreateCustomOpDomain',
  'CustomOpDomain_Add',
  'AddCustomOpDomain',
  'RegisterCustomOpsLibrary',
  'SessionGetInputCount',
  'SessionGetOutputCount',
  'SessionGetOverridableInitializerCount',
  'SessionGetInputTypeInfo',
  'SessionGetOutputTypeInfo',
  'SessionGetOverridableInitializerTypeInfo',
  'SessionGetInputName',
  'SessionGetOutputName',
  'SessionGetOverridableInitializerName',
  'CreateRunOptions',
  'RunOptionsSetRunLogVerbosityLevel',
  'RunOptionsSetRunLogSeverityLevel',
  'RunOptionsSetRunTag',
  'RunOptionsGetRunLogVerbosityLevel',
  'RunOptionsGetRunLogSeverityLevel',
  'RunOptionsGetRunTag',
  'RunOptionsSetTerminate',
  'RunOptionsUnsetTerminate',
  'CreateTensorAsOrtValue',
  'CreateTensorWithDataAsOrtValue',
  'IsTensor',
  'GetTensorMutableData',
  'FillStringTensor',
  'GetStringTensorDataLength',
  'GetStringTensorContent',
  'CastTypeInfoToTensorInfo',
  'GetOnnxTypeFromTypeInfo',
  'CreateTensorTypeAndShapeInfo',
  'SetTensorElementType',
  'SetDimensions',
  'GetTensorElementType',
  'GetDimensionsCount',
  'GetDimensions',
  'GetSymbolicDimensions',
  'GetTensorShapeElementCount',
  'GetTensorTypeAndShape',
  'GetTypeInfo',
  'GetValueType',
  'CreateMemoryInfo',
  'CreateCpuMemoryInfo',
  'CompareMemoryInfo',
  'MemoryInfoGetName',
  'MemoryInfoGetId',
  'MemoryInfoGetMemType',
  'MemoryInfoGetType',
  'AllocatorAlloc',
  'AllocatorFree',
  'AllocatorGetInfo',
  'GetAllocatorWithDefaultOptions',
  'AddFreeDimensionOverride',
  'GetValue',
  'GetValueCount',
  'CreateValue',
  'CreateOpaqueValue',
  'GetOpaqueValue',
  'KernelInfoGetAttribute_float',
  'KernelInfoGetAttribute_int64',
  'KernelInfoGetAttribute_string',
  'KernelContext_GetInputCount',
  'KernelContext_GetOutputCount',
  'KernelContext_GetInput',
  'KernelContext_GetOutput',
  'ReleaseEnv',
  'ReleaseStatus',
  'ReleaseMemoryInfo',
  'ReleaseSession',
  'ReleaseValue',
  'ReleaseRunOptions',
  'ReleaseTypeInfo',
  'ReleaseTensorTypeAndShapeInfo',
  'ReleaseSessionOptions',
  'ReleaseCustomOpDomain',
  // version 2
  'GetDenotationFromTypeInfo',
  'CastTypeInfoToMapTypeInfo',
  'CastTypeInfoToSequenceTypeInfo',
  'GetMapKeyType',
  'GetMapValueType',
  'GetSequenceElementType',
  'ReleaseMapTypeInfo',
  'ReleaseSequenceTypeInfo',
  'SessionEndProfiling',
  'SessionGetModelMetadata',
  'ModelMetadataGetProducerName',
  'ModelMetadataGetGraphName',
  'ModelMetadataGetDomain',
  'ModelMetadataGetDescription',
  'ModelMetadataLookupCustomMetadataMap',
  'ModelMetadataGetVersion',
  'ReleaseModelMetadata',
  // version 3
  'CreateEnvWithGlobalThreadPools',
  'DisablePerSessionThreads',
  'CreateThreadingOptions',
  'ReleaseThreadingOptions',
  'ModelMetadataGetCustomMetadataMapKeys',
  'AddFreeDimensionOverrideByName',
  // version 4
  'GetAvailableProviders',
  'ReleaseAvailableProviders',
  // version 5
  'GetStringTensorElementLength',
  'GetStringTensorElement',
  'FillStringTensorElement',
  'AddSessionConfigEntry',
  'CreateAllocator',
  'ReleaseAllocator',
  'RunWithBinding',
  'CreateIoBinding',
  'ReleaseIoBinding',
  'BindInput',
  'BindOutput',
  'BindOutputToDevice',
  'GetBoundOutputNames',
  'GetBoundOutputValues',
  'ClearBoundInputs',
  'ClearBoundOutputs',
  'TensorAt',
  'CreateAndRegisterAllocator',
  'SetLanguageProjection',
  'SessionGetProfilingStartTimeNs',
  'SetGlobalIntraOpNumThreads',
  'SetGlobalInterOpNumThreads',
  'SetGlobalSpinControl',
  // version 6
  'AddInitializer',
  'CreateEnvWithCustomLoggerAndGlobalThreadPools',
  'SessionOptionsAppendExecutionProvider_CUDA',
  'SessionOptionsAppendExecutionProvider_ROCM',
  'SessionOptionsAppendExecutionProvider_OpenVINO',
  'SetGlobalDenormalAsZero',
  'CreateArenaCfg',
  'ReleaseArenaCfg',
  // version 7
  'ModelMetadataGetGraphDescription',
  'SessionOptionsAppendExecutionProvider_TensorRT',
  'SetCurrentGpuDeviceId',
  'GetCurrentGpuDeviceId',
  // version 8
  'KernelInfoGetAttributeArray_float',
  'KernelInfoGetAttributeArray_int64',
  'CreateArenaCfgV2',
  'AddRunConfigEntry',
  'CreatePrepackedWeightsContainer',
  'ReleasePrepackedWeightsContainer',
  'CreateSessionWithPrepackedWeightsContainer',
  'CreateSessionFromArrayWithPrepackedWeightsContainer',
  // version 9
  'SessionOptionsAppendExecutionProvider_TensorRT_V2',
  'CreateTensorRTProviderOptions',
  'UpdateTensorRTProviderOptions',
  'GetTensorRTProviderOptionsAsString',
  'ReleaseTensorRTProviderOptions',
  'EnableOrtCustomOps',
  'RegisterAllocator',
  'UnregisterAllocator',
  'IsSparseTensor',
  'CreateSparseTensorAsOrtValue',
  'FillSparseTensorCoo',
  'FillSparseTensorCsr',
  'FillSparseTensorBlockSparse',
  'CreateSparseTensorWithValuesAsOrtValue',
  'UseCooIndices',
  'UseCsrIndices',
  'UseBlockSparseIndices',
  'GetSparseTensorFormat',
  'GetSparseTensorValuesTypeAndShape',
  'GetSparseTensorValues',
  'GetSparseTensorIndicesTypeShape',
  'GetSparseTensorIndices',
  // version 10
  'HasValue',
  'KernelContext_GetGPUComputeStream',
  'GetTensorMemoryInfo',
  'GetExecutionProviderApi',
  'SessionOptionsSetCustomCreateThreadFn',
  'SessionOptionsSetCustomThreadCreationOptions',
  'SessionOptionsSetCustomJoinThreadFn',
  'SetGlobalCustomCreateThreadFn',
  'SetGlobalCustomThreadCreationOptions',
  'SetGlobalCustomJoinThreadFn',
  'SynchronizeBoundInputs',
  'SynchronizeBoundOutputs',
  // version 11
  'SessionOptionsAppendExecutionProvider_CUDA_V2',
  'CreateCUDAProviderOptions',
  'UpdateCUDAProviderOptions',
  'GetCUDAProviderOptionsAsString',
  'ReleaseCUDAProviderOptions',
] as const;
/** The API version asked of OrtGetApiBase()->GetApi: the newest member used is from version 11. */
const API_VERSION = 11;

/** ONNXTensorElementDataType values this file reads and writes. */
export const ELEMENT = { float32: 1, int64: 7, float16: 10 } as const;
export const ELEMENT_BYTES: Record<number, number> = { 1: 4, 7: 8, 10: 2 };
const ELEMENT_NAMES: Record<number, string> = { 1: 'float32', 7: 'int64', 10: 'float16' };

export type OrtDevice = 'cpu' | 'cuda';

/** An OrtStatus turned into an Error: the call that failed, onnxruntime's error code and message. */
export class OrtCallError extends Error {
  constructor(
    readonly call: string,
    readonly code: number,
    message: string,
  ) {
    super(`onnxruntime ${call} failed: ${message} (OrtErrorCode ${code})`);
  }
}

type Ptr = unknown;
type Fn = (...args: unknown[]) => unknown;

/**
 * The onnxruntime shared library that onnxruntime-node loads: resolved through `require`, so the
 * runtime copy `useRuntime` points at (with the CUDA provider beside it) is the one found.
 */
export function ortLibraryPath(
  resolve: (request: string) => string = require.resolve,
  platform = process.platform,
  arch = process.arch,
): string {
  let dir = dirname(resolve('onnxruntime-node'));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  const bin = join(dir, 'bin');
  const name =
    platform === 'win32'
      ? (n: string) => n === 'onnxruntime.dll'
      : platform === 'darwin'
        ? (n: string) => /^libonnxruntime\.[\d.]*dylib$/.test(n)
        : (n: string) => n === 'libonnxruntime.so.1' || /^libonnxruntime\.so\.1\.\d/.test(n);
  const napi = existsSync(bin) ? readdirSync(bin).filter((d) => d.startsWith('napi-v')) : [];
  for (const v of napi.sort().reverse()) {
    const folder = join(bin, v, platform, arch);
    const file = existsSync(folder) ? readdirSync(folder).find(name) : undefined;
    if (file) return join(folder, file);
  }
  throw new Error(`no onnxruntime library for ${platform}-${arch} under ${bin}`);
}

/** A tensor's element type and dimensions (-1 where symbolic). */
export interface TensorInfo {
  type: number;
  dims: number[];
  /** The symbolic names, empty strings where a dimension is fixed (none for a value: see valueInfo). */
  symbols: string[];
}

/** One OrtValue this side owns: release it (or hand it to something that does). */
export class OrtTensor {
  released = false;
  constructor(
    private readonly ort: OrtDirect,
    readonly handle: Ptr,
  ) {}
  info(): TensorInfo {
    return this.ort.valueInfo(this.handle);
  }
  /** Its memory as a typed array view, valid until release: CPU tensors only. */
  cpuView(): Float32Array | Uint16Array | BigInt64Array {
    return this.ort.cpuView(this.handle);
  }
  release(): void {
    if (this.released) return;
    this.released = true;
    this.ort.releaseValue(this.handle);
  }
}

/** An inference session with IO binding. */
export class OrtDirectSession {
  readonly inputs: string[];
  readonly outputs: string[];
  private released = false;
  constructor(
    private readonly ort: OrtDirect,
    readonly handle: Ptr,
    readonly device: OrtDevice,
  ) {
    this.inputs = ort.names(handle, 'input');
    this.outputs = ort.names(handle, 'output');
  }
  inputInfo(name: string): TensorInfo {
    const i = this.inputs.indexOf(name);
    if (i < 0) throw new Error(`the model has no input ${name}`);
    return this.ort.ioInfo(this.handle, 'input', i);
  }
  binding(): OrtBinding {
    return new OrtBinding(this.ort, this);
  }
  release(): void {
    if (this.released) return;
    this.released = true;
    this.ort.fn.ReleaseSession!(this.handle);
  }
}

/** An OrtIoBinding: inputs bound by value, outputs to a device; run; take the outputs. */
export class OrtBinding {
  readonly handle: Ptr;
  private released = false;
  private outputNames: string[] = [];
  constructor(
    private readonly ort: OrtDirect,
    private readonly session: OrtDirectSession,
  ) {
    const out: [Ptr] = [null];
    ort.check('CreateIoBinding', session.handle, out);
    this.handle = out[0];
  }
  /** Binds a value as an input (onnxruntime keeps its own reference: the caller may release its own). */
  input(name: string, value: OrtTensor): void {
    this.ort.check('BindInput', this.handle, name, value.handle);
  }
  /** Binds an output to be allocated on `device` by the run. */
  output(name: string, device: OrtDevice): void {
    this.ort.check('BindOutputToDevice', this.handle, name, this.ort.memoryInfo(device));
    this.outputNames.push(name);
  }
  clear(): void {
    this.ort.fn.ClearBoundInputs!(this.handle);
    this.ort.fn.ClearBoundOutputs!(this.handle);
    this.outputNames = [];
  }
  /** Binds an output to a value of the caller's (its memory, its shape): the run writes there. */
  outputTo(name: string, value: OrtTensor): void {
    this.ort.check('BindOutput', this.handle, name, value.handle);
    this.outputNames.push(name);
  }
  run(runOptions: Ptr = null): void {
    this.ort.check('RunWithBinding', this.session.handle, runOptions, this.handle);
  }
  /** The outputs of the last run by name, in binding order; the caller owns (releases) each. */
  take(): Map<string, OrtTensor> {
    const values = this.ort.boundOutputs(this.handle);
    if (values.length !== this.outputNames.length) {
      for (const v of values) this.ort.releaseValue(v);
      throw new Error(`onnxruntime returned ${values.length} outputs for ${this.outputNames.length} bound`);
    }
    return new Map(values.map((v, i) => [this.outputNames[i]!, new OrtTensor(this.ort, v)]));
  }
  release(): void {
    if (this.released) return;
    this.released = true;
    this.ort.fn.ReleaseIoBinding!(this.handle);
  }
}

/** The library, its env and allocator; one per process (see loadOrt). */
export class OrtDirect {
  readonly fn: Partial<Record<(typeof API_ORDER)[number], Fn>> = {};
  readonly version: string;
  private readonly koffi: typeof import('koffi');
  private readonly env: Ptr;
  private readonly allocator: Ptr;
  private readonly memory = new Map<OrtDevice, Ptr>();
  private closed = false;

  constructor(readonly libraryPath: string) {
    const koffi = require('koffi') as typeof import('koffi');
    this.koffi = koffi;
    const lib = koffi.load(libraryPath);
    const base = lib.func('OrtGetApiBase', 'void *', [])() as Ptr;
    // Function types without names: koffi keeps a named type for the whole process, and the
    // library is loaded again after its last hold is closed.
    const getApi = koffi.decode(koffi.decode(base, 0, 'void *'), koffi.proto('void *', ['uint32_t'])) as Fn;
    const getVersion = koffi.decode(koffi.decode(base, 8, 'void *'), koffi.proto('const char *', [])) as Fn;
    this.version = String(getVersion());
    const api = getApi(API_VERSION);
    if (api === null) throw new Error(`onnxruntime ${this.version} does not serve C API version ${API_VERSION}`);
    const P = 'void *';
    const S = 'const char *';
    const out = koffi.out(koffi.pointer('void *'));
    const outSize = koffi.out(koffi.pointer('size_t'));
    const outInt = koffi.out(koffi.pointer('int'));
    const status = (...args: (string | ReturnType<typeof koffi.out>)[]) => [P, args] as const;
    const signatures: Partial<Record<(typeof API_ORDER)[number], readonly [string, unknown[]]>> = {
      GetErrorCode: ['int', [P]],
      GetErrorMessage: [S, [P]],
      CreateEnv: status('int', S, out),
      CreateSession: status(P, S, P, out),
      CreateSessionOptions: status(out),
      SetSessionGraphOptimizationLevel: status(P, 'int'),
      SessionGetInputCount: status(P, outSize),
      SessionGetOutputCount: status(P, outSize),
      SessionGetInputTypeInfo: status(P, 'size_t', out),
      SessionGetOutputTypeInfo: status(P, 'size_t', out),
      SessionGetInputName: status(P, 'size_t', P, out),
      SessionGetOutputName: status(P, 'size_t', P, out),
      CreateTensorAsOrtValue: status(P, P, 'size_t', 'int', out),
      GetTensorMutableData: status(P, out),
      CastTypeInfoToTensorInfo: status(P, out),
      GetTensorElementType: status(P, outInt),
      GetDimensionsCount: status(P, outSize),
      GetDimensions: status(P, P, 'size_t'),
      GetSymbolicDimensions: status(P, P, 'size_t'),
      GetTensorTypeAndShape: status(P, out),
      CreateMemoryInfo: status(S, 'int', 'int', 'int', out),
      CreateCpuMemoryInfo: status('int', 'int', out),
      AllocatorFree: status(P, P),
      GetAllocatorWithDefaultOptions: status(out),
      ReleaseEnv: ['void', [P]],
      ReleaseStatus: ['void', [P]],
      ReleaseMemoryInfo: ['void', [P]],
      ReleaseSession: ['void', [P]],
      ReleaseValue: ['void', [P]],
      ReleaseTypeInfo: ['void', [P]],
      ReleaseTensorTypeAndShapeInfo: ['void', [P]],
      ReleaseSessionOptions: ['void', [P]],
      RunWithBinding: status(P, P, P),
      CreateIoBinding: status(P, out),
      ReleaseIoBinding: ['void', [P]],
      BindInput: status(P, S, P),
      BindOutputToDevice: status(P, S, P),
      GetBoundOutputValues: status(P, P, out, outSize),
      ClearBoundInputs: ['void', [P]],
      ClearBoundOutputs: ['void', [P]],
      SessionOptionsAppendExecutionProvider_CUDA_V2: status(P, P),
      CreateCUDAProviderOptions: status(out),
      UpdateCUDAProviderOptions: status(P, 'const char **', 'const char **', 'size_t'),
      CreateRunOptions: status(out),
      AddRunConfigEntry: status(P, S, S),
      ReleaseRunOptions: ['void', [P]],
      BindOutput: status(P, S, P),
      // The data's address as an integer (a CUDA address is one): the same register as a pointer.
      CreateTensorWithDataAsOrtValue: status(P, 'uint64_t', 'size_t', P, 'size_t', 'int', out),
      ReleaseCUDAProviderOptions: ['void', [P]],
    };
    for (const [name, [result, args]] of Object.entries(signatures)) {
      const index = API_ORDER.indexOf(name as (typeof API_ORDER)[number]);
      const pointer = koffi.decode(api, index * 8, 'void *');
      this.fn[name as (typeof API_ORDER)[number]] = koffi.decode(pointer, koffi.proto(result, args as never)) as Fn;
    }
    const env: [Ptr] = [null];
    this.check('CreateEnv', 3 /* ORT_LOGGING_LEVEL_ERROR */, 'carbonlens', env);
    this.env = env[0];
    const allocator: [Ptr] = [null];
    this.check('GetAllocatorWithDefaultOptions', allocator);
    this.allocator = allocator[0];
  }

  /** Calls a status-returning member; a non-null OrtStatus becomes an OrtCallError. */
  check(name: (typeof API_ORDER)[number], ...args: unknown[]): void {
    if (this.closed) throw new Error('onnxruntime (direct) has been closed.');
    const status = this.fn[name]!(...args);
    if (status === null) return;
    const code = this.fn.GetErrorCode!(status) as number;
    const message = String(this.fn.GetErrorMessage!(status));
    this.fn.ReleaseStatus!(status);
    throw new OrtCallError(name, code, message);
  }

  /**
   * A session of the model file on the device (CUDA: the CUDA provider, CPU for what it lacks);
   * `cudaGraph`: the provider captures runs as CUDA graphs and replays them (its
   * enable_cuda_graph), which needs every input and output bound at fixed device addresses.
   */
  session(modelPath: string, device: OrtDevice, { cudaGraph = false } = {}): OrtDirectSession {
    const options: [Ptr] = [null];
    this.check('CreateSessionOptions', options);
    try {
      if (device === 'cuda') {
        const cuda: [Ptr] = [null];
        this.check('CreateCUDAProviderOptions', cuda);
        try {
          if (cudaGraph) this.check('UpdateCUDAProviderOptions', cuda[0], ['enable_cuda_graph'], ['1'], 1);
          this.check('SessionOptionsAppendExecutionProvider_CUDA_V2', options[0], cuda[0]);
        } finally {
          this.fn.ReleaseCUDAProviderOptions!(cuda[0]);
        }
      }
      const session: [Ptr] = [null];
      this.check('CreateSession', this.env, modelPath, options[0], session);
      try {
        return new OrtDirectSession(this, session[0], device);
      } catch (e) {
        this.fn.ReleaseSession!(session[0]);
        throw e;
      }
    } finally {
      this.fn.ReleaseSessionOptions!(options[0]);
    }
  }

  /** Run options with these config entries (e.g. gpu_graph_id); release with releaseRunOptions. */
  runOptions(entries: Record<string, string>): Ptr {
    const out: [Ptr] = [null];
    this.check('CreateRunOptions', out);
    try {
      for (const [k, v] of Object.entries(entries)) this.check('AddRunConfigEntry', out[0], k, v);
    } catch (e) {
      this.fn.ReleaseRunOptions!(out[0]);
      throw e;
    }
    return out[0];
  }

  releaseRunOptions(options: Ptr): void {
    this.fn.ReleaseRunOptions!(options);
  }

  /**
   * A tensor over memory the caller owns (CPU, or CUDA device memory as an address): releasing
   * it does not free the memory, which must outlive it.
   */
  tensorOver(device: OrtDevice, address: bigint, type: number, dims: number[]): OrtTensor {
    const bytes = dims.reduce((a, b) => a * b, 1) * ELEMENT_BYTES[type]!;
    const out: [Ptr] = [null];
    const shape = BigInt64Array.from(dims.map(BigInt));
    this.check(
      'CreateTensorWithDataAsOrtValue',
      this.memoryInfo(device),
      address,
      bytes,
      shape,
      dims.length,
      type,
      out,
    );
    return new OrtTensor(this, out[0]);
  }

  /** A tensor's data address (CPU or device memory), as an integer. */
  address(value: Ptr): bigint {
    const data: [Ptr] = [null];
    this.check('GetTensorMutableData', value, data);
    return this.koffi.address(data[0]) as bigint;
  }

  /** The memory info outputs are bound to: CPU, or the CUDA provider's device 0. */
  memoryInfo(device: OrtDevice): Ptr {
    let info = this.memory.get(device);
    if (info === undefined) {
      const out: [Ptr] = [null];
      // OrtArenaAllocator (1), OrtMemTypeDefault (0)
      if (device === 'cuda') this.check('CreateMemoryInfo', 'Cuda', 1, 0, 0, out);
      else this.check('CreateCpuMemoryInfo', 1, 0, out);
      info = out[0];
      this.memory.set(device, info);
    }
    return info;
  }

  /**
   * A CPU tensor holding a copy of `data` (int64 as BigInt64Array, float32, float16 as uint16
   * bits). The memory is onnxruntime's (its default allocator), not the JS heap's, so no garbage
   * collection can move it under a run; the OrtValue frees it on release.
   */
  tensor(type: number, dims: number[], data?: BigInt64Array | Float32Array | Uint16Array): OrtTensor {
    const count = dims.reduce((a, b) => a * b, 1);
    if (data && data.length !== count) throw new Error(`${data.length} values for a tensor of ${count}`);
    const out: [Ptr] = [null];
    this.check('CreateTensorAsOrtValue', this.allocator, BigInt64Array.from(dims.map(BigInt)), dims.length, type, out);
    const value = new OrtTensor(this, out[0]);
    try {
      if (data && count > 0) {
        const view = this.viewOf(out[0], type, count);
        (view as unknown as { set(d: ArrayLike<unknown>): void }).set(data);
      }
    } catch (e) {
      value.release();
      throw e;
    }
    return value;
  }

  /** A value's element type and dimensions (a value has no symbolic ones: `symbols` is empty). */
  valueInfo(value: Ptr): TensorInfo {
    const info: [Ptr] = [null];
    this.check('GetTensorTypeAndShape', value, info);
    try {
      return this.shapeInfo(info[0], false);
    } finally {
      this.fn.ReleaseTensorTypeAndShapeInfo!(info[0]);
    }
  }

  /** A CPU tensor's memory, viewed (no copy) as its element type. */
  cpuView(value: Ptr): Float32Array | Uint16Array | BigInt64Array {
    const { type, dims } = this.valueInfo(value);
    return this.viewOf(
      value,
      type,
      dims.reduce((a, b) => a * b, 1),
    );
  }

  private viewOf(value: Ptr, type: number, count: number): Float32Array | Uint16Array | BigInt64Array {
    const bytes = ELEMENT_BYTES[type];
    if (!bytes) throw new Error(`tensors of element type ${type} are not read here`);
    if (count === 0) return type === 1 ? new Float32Array(0) : type === 10 ? new Uint16Array(0) : new BigInt64Array(0);
    const data: [Ptr] = [null];
    this.check('GetTensorMutableData', value, data);
    const buffer = this.koffi.view(data[0], count * bytes);
    return type === 1 ? new Float32Array(buffer) : type === 10 ? new Uint16Array(buffer) : new BigInt64Array(buffer);
  }

  releaseValue(value: Ptr): void {
    this.fn.ReleaseValue!(value);
  }

  names(session: Ptr, kind: 'input' | 'output'): string[] {
    const count: [number | null] = [null];
    this.check(kind === 'input' ? 'SessionGetInputCount' : 'SessionGetOutputCount', session, count);
    const names: string[] = [];
    for (let i = 0; i < Number(count[0]); i++) {
      const name: [Ptr] = [null];
      this.check(kind === 'input' ? 'SessionGetInputName' : 'SessionGetOutputName', session, i, this.allocator, name);
      try {
        names.push(this.koffi.decode(name[0], 'char', -1) as string);
      } finally {
        this.check('AllocatorFree', this.allocator, name[0]);
      }
    }
    return names;
  }

  ioInfo(session: Ptr, kind: 'input' | 'output', index: number): TensorInfo {
    const typeInfo: [Ptr] = [null];
    this.check(kind === 'input' ? 'SessionGetInputTypeInfo' : 'SessionGetOutputTypeInfo', session, index, typeInfo);
    try {
      const tensorInfo: [Ptr] = [null];
      // Owned by typeInfo: not released on its own.
      this.check('CastTypeInfoToTensorInfo', typeInfo[0], tensorInfo);
      if (tensorInfo[0] === null) throw new Error(`${kind} ${index} is not a tensor`);
      return this.shapeInfo(tensorInfo[0]);
    } finally {
      this.fn.ReleaseTypeInfo!(typeInfo[0]);
    }
  }

  private shapeInfo(info: Ptr, withSymbols = true): TensorInfo {
    const type: [number | null] = [null];
    this.check('GetTensorElementType', info, type);
    const count: [number | null] = [null];
    this.check('GetDimensionsCount', info, count);
    const n = Number(count[0]);
    const dims = new BigInt64Array(Math.max(n, 1));
    this.check('GetDimensions', info, dims, n);
    const symbols: string[] = [];
    if (withSymbols && n > 0) {
      const symbolPtrs = this.koffi.alloc('void *', n);
      try {
        this.check('GetSymbolicDimensions', info, symbolPtrs, n);
        for (const p of this.koffi.decode(symbolPtrs, 'void *', n) as Ptr[])
          symbols.push(p === null ? '' : (this.koffi.decode(p, 'char', -1) as string));
      } finally {
        this.koffi.free(symbolPtrs);
      }
    }
    return { type: Number(type[0]), dims: [...dims.subarray(0, n)].map(Number), symbols };
  }

  boundOutputs(binding: Ptr): Ptr[] {
    const array: [Ptr] = [null];
    const count: [number | null] = [null];
    this.check('GetBoundOutputValues', binding, this.allocator, array, count);
    const n = Number(count[0]);
    if (n === 0 || array[0] === null) return [];
    try {
      return this.koffi.decode(array[0], 'void *', n) as Ptr[];
    } finally {
      this.check('AllocatorFree', this.allocator, array[0]);
    }
  }

  /** Holders of this instance (loadOrt counts them; close releases with the last). */
  users = 0;

  /**
   * Lets go of one loadOrt's hold; the last releases the memory infos and the env (the library
   * stays loaded: onnxruntime-node may share it).
   */
  close(): void {
    if (this.closed) return;
    if (--this.users > 0) return;
    for (const info of this.memory.values()) this.fn.ReleaseMemoryInfo!(info);
    this.memory.clear();
    this.fn.ReleaseEnv!(this.env);
    this.closed = true;
    if (loaded === this) loaded = undefined;
  }
}

let loaded: OrtDirect | undefined;

/**
 * The C API of onnxruntime-node's library (or `libraryPath`), loaded once per process and shared:
 * each call takes a hold that its caller gives back with close().
 */
export function loadOrt(libraryPath = ortLibraryPath()): OrtDirect {
  if (loaded && loaded.libraryPath !== libraryPath)
    throw new Error(`onnxruntime is already loaded from ${loaded.libraryPath}`);
  loaded ??= new OrtDirect(libraryPath);
  loaded.users++;
  return loaded;
}

export const elementName = (type: number): string => ELEMENT_NAMES[type] ?? `element type ${type}`;
