# Converts an fp32 ONNX graph to fp16 with fp32 inputs and outputs (a Cast at each edge), as
# transformers.js's model_fp16.onnx files are: weights, constants, casts and value types become
# float16. No onnxconverter-common on the GPU machine, so this is the plain transformation.
#   python3 bench/vit/to_fp16.py onnx/model.onnx onnx/model_fp16.onnx
import sys
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

src, dst = sys.argv[1], sys.argv[2]
model = onnx.load(src)
g = model.graph
F32, F16 = TensorProto.FLOAT, TensorProto.FLOAT16


def half(t):
    return numpy_helper.from_array(numpy_helper.to_array(t).astype(np.float16), t.name)


for init in g.initializer:
    if init.data_type == F32:
        init.CopyFrom(half(init))
for node in g.node:
    for a in node.attribute:
        if a.type == onnx.AttributeProto.TENSOR and a.t.data_type == F32:
            a.t.CopyFrom(half(a.t))
        if node.op_type == "Cast" and a.name == "to" and a.i == F32:
            a.i = F16
for vi in g.value_info:
    if vi.type.tensor_type.elem_type == F32:
        vi.type.tensor_type.elem_type = F16

casts_in, casts_out = [], []
for inp in g.input:
    if inp.type.tensor_type.elem_type != F32:
        continue
    inner = inp.name + "_fp16"
    for node in g.node:
        node.input[:] = [inner if x == inp.name else x for x in node.input]
    casts_in.append(helper.make_node("Cast", [inp.name], [inner], to=F16, name=inner + "_cast"))
for out in g.output:
    if out.type.tensor_type.elem_type != F32:
        continue
    inner = out.name + "_fp16"
    for node in g.node:
        node.output[:] = [inner if x == out.name else x for x in node.output]
        node.input[:] = [inner if x == out.name else x for x in node.input]
    casts_out.append(helper.make_node("Cast", [inner], [out.name], to=F32, name=inner + "_cast"))
nodes = casts_in + list(g.node) + casts_out
del g.node[:]
g.node.extend(nodes)
onnx.checker.check_model(model)
onnx.save(model, dst)
print(f"fp16: {dst}")
