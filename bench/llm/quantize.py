# 4-bit weights for bench/llm/qwen.py's export, as transformers.js's q4f16 files are made:
# onnxruntime's MatMulNBits quantizer (blocks of 32, symmetric) over the fp16 graph's MatMuls.
#   python3 bench/llm/quantize.py IN_fp16.onnx OUT_q4f16.onnx
import sys

import onnx
from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer


def main(src, dst):
    quantizer = MatMulNBitsQuantizer(onnx.load(src), block_size=32, is_symmetric=True)
    quantizer.process()
    quantizer.model.save_model_to_file(dst, use_external_data_format=False)
    ops = [n.op_type for n in onnx.load(dst, load_external_data=False).graph.node]
    print({"matmul_nbits": ops.count("MatMulNBits"), "matmul_left": ops.count("MatMul")})


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python3 bench/llm/quantize.py IN_fp16.onnx OUT_q4f16.onnx")
    main(sys.argv[1], sys.argv[2])
