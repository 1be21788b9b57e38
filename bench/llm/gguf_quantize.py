# A GGUF (F16 or F32) -> Q4_K_M or another llama.cpp quantisation, through llama.cpp's own
# quantizer: llama_model_quantize() in the libllama that node-llama-cpp's prebuilt build ships (the
# function llama.cpp's llama-quantize tool calls; no importance matrix, its defaults otherwise).
# gguf-py cannot write K-quants (its quants.py only reads them), and node-llama-cpp ships no
# llama-quantize binary, so the library is called here with ctypes.
#   python3 bench/llm/gguf_quantize.py LIBLLAMA IN.gguf OUT.gguf [Q4_K_M] [THREADS]
# LIBLLAMA: e.g. node_modules/@node-llama-cpp/linux-x64-cuda/bins/linux-x64-cuda/libllama.cuda.v0.4.0.so
# (its libggml-base.so, where the quantisation kernels are, sits beside it). The struct below is
# llama_model_quantize_params of that release's include/llama.h.
import ctypes
import json
import os
import sys
import time

# llama_ftype values (include/llama.h).
FTYPES = {"F16": 1, "Q4_0": 2, "Q8_0": 7, "Q5_0": 8, "Q4_K_S": 14, "Q4_K_M": 15, "Q5_K_M": 17, "Q6_K": 18}


class QuantizeParams(ctypes.Structure):
    _fields_ = [
        ("nthread", ctypes.c_int32),
        ("ftype", ctypes.c_int32),
        ("output_tensor_type", ctypes.c_int32),
        ("token_embedding_type", ctypes.c_int32),
        ("allow_requantize", ctypes.c_bool),
        ("quantize_output_tensor", ctypes.c_bool),
        ("only_copy", ctypes.c_bool),
        ("pure", ctypes.c_bool),
        ("keep_split", ctypes.c_bool),
        ("dry_run", ctypes.c_bool),
        ("imatrix", ctypes.c_void_p),
        ("kv_overrides", ctypes.c_void_p),
        ("tt_overrides", ctypes.c_void_p),
        ("prune_layers", ctypes.c_void_p),
        ("max_buf_size", ctypes.c_size_t),
    ]


def main(argv):
    if len(argv) < 3:
        sys.exit("usage: python3 bench/llm/gguf_quantize.py LIBLLAMA IN.gguf OUT.gguf [Q4_K_M] [THREADS]")
    lib_path, src, out = argv[:3]
    kind = argv[3] if len(argv) > 3 else "Q4_K_M"
    threads = int(argv[4]) if len(argv) > 4 else (os.cpu_count() or 1)
    if kind not in FTYPES:
        sys.exit(f"unknown quantisation {kind}: one of {', '.join(FTYPES)}")
    lib = ctypes.CDLL(os.path.abspath(lib_path))
    lib.llama_backend_init.restype = None
    lib.llama_model_quantize_default_params.restype = QuantizeParams
    lib.llama_model_quantize.restype = ctypes.c_uint32
    lib.llama_model_quantize.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(QuantizeParams)]
    lib.llama_backend_init()
    params = lib.llama_model_quantize_default_params()
    params.nthread = threads
    params.ftype = FTYPES[kind]
    start = time.monotonic()
    rc = lib.llama_model_quantize(src.encode(), out.encode(), ctypes.byref(params))
    seconds = time.monotonic() - start
    result = {"quantised": out, "from": src, "ftype": kind, "rc": rc, "seconds": round(seconds, 2), "threads": threads}
    if rc == 0:
        result["bytes"] = os.path.getsize(out)
    print(json.dumps(result), flush=True)
    sys.exit(0 if rc == 0 else 1)


if __name__ == "__main__":
    main(sys.argv[1:])
