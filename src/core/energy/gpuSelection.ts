/**
 * Which GPUs a run is metered on. A list given by the user (`--gpu`, `carbonlens.meter.gpus`)
 * names NVML boards by index or UUID; otherwise the run meters the GPUs CUDA lets it use:
 * `CUDA_VISIBLE_DEVICES`, read as CUDA reads it, mapped to NVML boards by UUID or by position
 * in CUDA's device order, and every board when it is not set (docs/measurement.md, "Which GPUs
 * are metered").
 */

/** One GPU board as NVML (or nvidia-smi) lists it. */
export interface GpuBoard {
  /** NVML's index, the one nvidia-smi shows. */
  index: number;
  name: string;
  /** `GPU-8932f937-d72c-4106-c12f-20bd9faed9f6`. */
  uuid?: string;
  /** `00000000:3B:00.0`. */
  pciBusId?: string;
  /** MIG mode is on: the board's power and energy cover every MIG instance on it. */
  mig?: boolean;
  /** The UUIDs of the board's MIG devices (`MIG-...`), in MIG mode. */
  migDevices?: string[];
}

/** A board as the record names it. */
export type GpuSummary = Pick<GpuBoard, 'index' | 'name' | 'uuid' | 'pciBusId' | 'mig'>;

/** The boards metered and those left out, and why. */
export interface GpuMetering {
  metered: GpuSummary[];
  leftOut: GpuSummary[];
  /** Why these, in words: `--gpu 2`, `CUDA_VISIBLE_DEVICES=2 (...)`, `CUDA_VISIBLE_DEVICES is not set, ...`. */
  basis: string;
  /** What a person should know: MIG boards metered whole, an order CarbonLens cannot reproduce. */
  notes: string[];
}

/** Where the choice comes from: a list the user gave, every board, or the environment's CUDA_VISIBLE_DEVICES. */
export type GpuRequest =
  | { from: 'list'; ids: string[]; setting: string }
  | { from: 'all'; setting?: string }
  | {
      from: 'env';
      visible: string | undefined;
      order: string | undefined;
      /** The process uses CUDA's device 0 alone (a benchmark: onnxruntime's default): only its board. */
      firstOnly?: boolean;
      /** Where a list of GPUs could be given instead (`--gpu`, `carbonlens.meter.gpus`), for the remedy. */
      setting?: string;
    };

/** A list of GPUs that names no board of this machine, or names it badly: the caller's mistake. */
export class GpuSelectionError extends Error {}

const INDEX = /^\d+$/;
const UUID = /^(GPU-|MIG-(GPU-)?)[0-9a-f][0-9a-f-]*(\/\d+\/\d+)?$/i;

/**
 * The request for a user's list (`--gpu 0,2`, a setting): `all` for every board, empty or
 * undefined for the environment's CUDA_VISIBLE_DEVICES. Its syntax is checked here, before
 * anything is opened; whether the boards exist is checked when NVML lists them.
 */
export function gpuRequest(
  list: string | undefined,
  setting: string,
  env: Record<string, string | undefined> = process.env,
): GpuRequest {
  const text = list?.trim() ?? '';
  if (text === '')
    return {
      from: 'env',
      visible: env.CUDA_VISIBLE_DEVICES,
      order: env.CUDA_DEVICE_ORDER,
      ...(setting && { setting }),
    };
  if (text.toLowerCase() === 'all') return { from: 'all', setting };
  const ids = text.split(',').map((s) => s.trim());
  for (const id of ids)
    if (!INDEX.test(id) && !UUID.test(id))
      throw new GpuSelectionError(
        `${setting} takes NVML indices or UUIDs, comma-separated (like 0,2 or GPU-8932f937), or all; '${id || text}' is neither.`,
      );
  return { from: 'list', ids: [...new Set(ids)], setting };
}

export const summariseBoard = ({ index, name, uuid, pciBusId, mig }: GpuBoard): GpuSummary => ({
  index,
  name,
  ...(uuid && { uuid }),
  ...(pciBusId && { pciBusId }),
  ...(mig && { mig }),
});

/** The board a UUID names: a whole UUID or a unique prefix of one (as CUDA takes them), or a MIG device's board. */
function byUuid(boards: readonly GpuBoard[], id: string): GpuBoard | 'ambiguous' | undefined {
  const lower = id.toLowerCase();
  if (lower.startsWith('mig-')) {
    // MIG-GPU-<uuid>/<GPU instance>/<compute instance> (drivers before R470), else MIG-<uuid>.
    const legacy = /^mig-(gpu-[^/]+)\/\d+\/\d+$/.exec(lower);
    if (legacy) return boards.find((b) => b.uuid?.toLowerCase() === legacy[1]);
    const matches = boards.filter((b) => b.migDevices?.some((m) => m.toLowerCase().startsWith(lower)));
    return matches.length > 1 ? 'ambiguous' : matches[0];
  }
  const matches = boards.filter((b) => b.uuid?.toLowerCase().startsWith(lower));
  const exact = matches.find((b) => b.uuid!.toLowerCase() === lower);
  return exact ?? (matches.length > 1 ? 'ambiguous' : matches[0]);
}

const listing = (boards: readonly GpuBoard[]) =>
  boards.map((b) => `${b.index} ${b.name}${b.uuid ? ` (${b.uuid})` : ''}`).join(', ');

/** Normalised for sorting: `0000:3b:00.0` and `00000000:3B:00.0` are the same bus id. */
const busKey = (id: string) => {
  const [domain = '', rest = ''] = id.toLowerCase().split(/:(.*)/);
  return `${domain.padStart(8, '0')}:${rest}`;
};

/** The boards in CUDA's PCI_BUS_ID order: ascending PCI bus id (NVML's own order where a bus id is missing). */
export function pciOrder(boards: readonly GpuBoard[]): GpuBoard[] {
  if (boards.some((b) => !b.pciBusId)) return [...boards];
  return [...boards].sort((a, b) => (busKey(a.pciBusId!) < busKey(b.pciBusId!) ? -1 : 1));
}

/**
 * Whether CUDA's integer indices can be mapped to boards: in PCI_BUS_ID order always; in the
 * default FASTEST_FIRST only where every board is one model (then it is PCI bus order too).
 */
function cudaOrderKnown(boards: readonly GpuBoard[], order: string | undefined): boolean {
  return (order ?? '').trim().toUpperCase() === 'PCI_BUS_ID' || new Set(boards.map((b) => b.name)).size <= 1;
}

export function selectGpus(boards: readonly GpuBoard[], request: GpuRequest): GpuMetering {
  const chosen = (metered: readonly GpuBoard[], basis: string, notes: string[] = []): GpuMetering => {
    const set = new Set(metered);
    const mig = metered.filter((b) => b.mig);
    return {
      metered: boards.filter((b) => set.has(b)).map(summariseBoard),
      leftOut: boards.filter((b) => !set.has(b)).map(summariseBoard),
      basis,
      notes: [
        ...notes,
        ...mig.map(
          (b) =>
            `GPU ${b.index} (${b.name}) is in MIG mode: NVML gives power and energy for the whole board only, so every MIG instance on it is metered, not just the one this run uses.`,
        ),
      ],
    };
  };
  if (request.from === 'all') return chosen(boards, request.setting ? `${request.setting} all` : `every GPU asked for`);
  if (request.from === 'list') {
    const metered = request.ids.map((id) => {
      const board = INDEX.test(id) ? boards.find((b) => b.index === Number(id)) : byUuid(boards, id);
      if (board === 'ambiguous')
        throw new GpuSelectionError(
          `${request.setting} ${id}: more than one GPU's UUID starts so; give more of it. This machine's GPUs: ${listing(boards)}.`,
        );
      if (!board)
        throw new GpuSelectionError(
          `${request.setting} ${id}: no such GPU. ${boards.length ? `This machine's GPUs (NVML index, name, UUID): ${listing(boards)}.` : 'NVML lists no GPU on this machine.'}`,
        );
      return board;
    });
    return chosen(metered, `${request.setting} ${request.ids.join(',')}`);
  }
  const all = fromCudaVisibleDevices(boards, request.visible, request.order, chosen, request.setting);
  if (!request.firstOnly || all.metered.length <= 1) return all;
  // CUDA's device 0: the first board of CUDA_VISIBLE_DEVICES's list, or of CUDA's order when unset.
  let first: GpuBoard | undefined;
  if (request.visible === undefined) {
    if (cudaOrderKnown(boards, request.order)) first = pciOrder(boards)[0];
  } else {
    const v = cudaVisibleBoards(boards, request.visible, request.order);
    if (!v.unknowable) first = v.boards[0];
  }
  if (!first)
    return {
      ...all,
      notes: [
        ...all.notes,
        `The model runs on CUDA's device 0, which is the fastest of this machine's GPU models (CUDA_DEVICE_ORDER is FASTEST_FIRST); which board that is cannot be known here, so every GPU is metered. Give ${request.setting ?? '--gpu'} to choose the board, or set CUDA_DEVICE_ORDER=PCI_BUS_ID.`,
      ],
    };
  return chosen(
    [first],
    `CUDA's device 0, where the model runs (${request.visible === undefined ? 'CUDA_VISIBLE_DEVICES is not set' : `CUDA_VISIBLE_DEVICES=${request.visible}`})`,
  );
}

/**
 * CUDA_VISIBLE_DEVICES as CUDA reads it (set, not empty): the entries in order, each an index
 * in CUDA's device order, a UUID (or a unique prefix of one) or a MIG device, up to the first
 * that names no GPU (CUDA ignores it and everything after it). The boards come in the list's
 * order, which is the order of CUDA's ordinals. Indices follow CUDA_DEVICE_ORDER: PCI_BUS_ID is
 * ascending PCI bus id; the default, FASTEST_FIRST, puts the fastest model first, which for
 * boards of one model is PCI bus order too. For boards of different models that order cannot
 * be reproduced from NVML: `unknowable` says so.
 */
export function cudaVisibleBoards(
  boards: readonly GpuBoard[],
  visible: string,
  order: string | undefined,
): { boards: GpuBoard[]; byIndex: boolean; pciFirst: boolean; unknowable: boolean; notes: string[] } {
  const entries = visible.trim() === '' ? [] : visible.split(',').map((s) => s.trim());
  const pciFirst = (order ?? '').trim().toUpperCase() === 'PCI_BUS_ID';
  const cudaOrder = pciOrder(boards);
  const found: GpuBoard[] = [];
  const notes: string[] = [];
  let byIndex = false;
  for (const [i, entry] of entries.entries()) {
    let board: GpuBoard | undefined;
    if (INDEX.test(entry)) {
      board = cudaOrder[Number(entry)];
      byIndex = true;
    } else if (UUID.test(entry)) {
      const match = byUuid(boards, entry);
      board = match === 'ambiguous' ? undefined : match;
    }
    if (!board) {
      const rest = entries.slice(i + 1).filter(Boolean);
      notes.push(
        `CUDA_VISIBLE_DEVICES entry '${entry}' names no GPU of this machine: CUDA ignores it${rest.length ? ` and what follows (${rest.join(',')})` : ''}, and so does the meter.`,
      );
      break;
    }
    if (!found.includes(board)) found.push(board);
  }
  const unknowable = byIndex && !cudaOrderKnown(boards, order);
  return { boards: found, byIndex, pciFirst, unknowable, notes };
}

function fromCudaVisibleDevices(
  boards: readonly GpuBoard[],
  visible: string | undefined,
  order: string | undefined,
  chosen: (metered: readonly GpuBoard[], basis: string, notes?: string[]) => GpuMetering,
  setting = '--gpu',
): GpuMetering {
  if (visible === undefined) return chosen(boards, 'CUDA_VISIBLE_DEVICES is not set, so a run may use any GPU');
  const basis = `CUDA_VISIBLE_DEVICES=${visible}`;
  if (visible.trim() === '') return chosen([], 'CUDA_VISIBLE_DEVICES is empty, so a run may use no GPU');
  const v = cudaVisibleBoards(boards, visible, order);
  if (v.unknowable)
    return chosen(
      boards,
      `${basis} counts in CUDA's FASTEST_FIRST order, which NVML cannot reproduce for GPUs of different models`,
      [
        `${basis} gives indices in CUDA's default FASTEST_FIRST order, and this machine's GPUs are of different models, so which boards they name cannot be known here: every GPU is metered. Set CUDA_DEVICE_ORDER=PCI_BUS_ID, or give UUIDs (nvidia-smi -L), or a list in ${setting}, to meter only the ones the run uses.`,
        ...v.notes,
      ],
    );
  const how = v.byIndex
    ? v.pciFirst
      ? 'indices in PCI bus order (CUDA_DEVICE_ORDER=PCI_BUS_ID)'
      : `indices in CUDA's default FASTEST_FIRST order, taken as PCI bus order for GPUs of one model`
    : 'UUIDs';
  return chosen(
    v.boards,
    v.boards.length ? `${basis} (${how})` : `${basis} names none of this machine's GPUs`,
    v.notes,
  );
}

/**
 * The CUDA ordinal (onnxruntime's `deviceId`) of board `index` in a process with this
 * environment: its place among the boards CUDA_VISIBLE_DEVICES lets CUDA see (numbered in the
 * list's order), or in CUDA's device order when it is not set. Where that order is FASTEST_FIRST
 * over different models, `env` asks for CUDA_DEVICE_ORDER=PCI_BUS_ID, which fixes it (to be set
 * before CUDA starts). Throws a GpuSelectionError when CUDA cannot see the board, or cannot be
 * told apart.
 */
export function cudaOrdinal(
  boards: readonly GpuBoard[],
  index: number,
  env: Record<string, string | undefined>,
): { ordinal: number; env?: Record<string, string> } {
  const board = boards.find((b) => b.index === index);
  if (!board) throw new GpuSelectionError(`GPU ${index}: no such GPU. This machine's GPUs: ${listing(boards)}.`);
  const visible = env.CUDA_VISIBLE_DEVICES;
  if (visible === undefined) {
    const ordinal = pciOrder(boards).indexOf(board);
    return cudaOrderKnown(boards, env.CUDA_DEVICE_ORDER)
      ? { ordinal }
      : { ordinal, env: { CUDA_DEVICE_ORDER: 'PCI_BUS_ID' } };
  }
  const v = cudaVisibleBoards(boards, visible, env.CUDA_DEVICE_ORDER);
  if (v.unknowable)
    throw new GpuSelectionError(
      `CUDA_VISIBLE_DEVICES=${visible} counts in CUDA's FASTEST_FIRST order, which cannot be reproduced for GPUs of different models: set CUDA_DEVICE_ORDER=PCI_BUS_ID, or give UUIDs (nvidia-smi -L).`,
    );
  const ordinal = v.boards.indexOf(board);
  if (ordinal < 0)
    throw new GpuSelectionError(
      `GPU ${index} is not one CUDA may use here (CUDA_VISIBLE_DEVICES=${visible}): choose one of ${v.boards.map((b) => b.index).join(', ') || 'none'}, or change CUDA_VISIBLE_DEVICES.`,
    );
  return { ordinal };
}
