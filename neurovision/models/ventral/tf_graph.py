"""Read the constants out of a frozen TensorFlow ``GraphDef`` without TensorFlow.

A *frozen* graph (``.pb``) is a serialized ``tensorflow.GraphDef`` protocol buffer in which every
trained variable has been replaced by a ``Const`` node whose ``attr['value'].tensor`` is a
``TensorProto`` holding the values. Porting such a network to PyTorch only needs those arrays, so
this module parses the GraphDef with the protobuf classes that ship with the ``tensorboard``
package (``tensorboard.compat.proto``) and decodes each ``TensorProto`` with numpy:

* ``tensor_content`` (raw little-endian bytes) when present — the usual encoding for arrays;
* otherwise the typed repeated fields (``float_val``, ``int_val``, ...), with TensorFlow's rule that
  a shorter list is padded by repeating its last value (a single value fills the whole shape).

The entry point is :func:`graph_constants` (path → ``{const name: numpy array}``); :func:`load_graph_def`
and :func:`tensor_to_numpy` are its two halves.
"""
from __future__ import annotations

import os
from typing import Mapping

import numpy as np
from tensorboard.compat.proto import graph_pb2, types_pb2

# TensorFlow DataType enum → (numpy dtype of the values, name of the TensorProto repeated field
# that holds them when ``tensor_content`` is empty). Half precision is stored as uint16 bit patterns
# inside ``half_val``; int8/int16/uint8/uint16 are widened into ``int_val``.
_DTYPES: dict[int, tuple[np.dtype, str]] = {
    types_pb2.DT_FLOAT: (np.dtype("<f4"), "float_val"),
    types_pb2.DT_DOUBLE: (np.dtype("<f8"), "double_val"),
    types_pb2.DT_HALF: (np.dtype("<f2"), "half_val"),
    types_pb2.DT_INT8: (np.dtype("i1"), "int_val"),
    types_pb2.DT_INT16: (np.dtype("<i2"), "int_val"),
    types_pb2.DT_INT32: (np.dtype("<i4"), "int_val"),
    types_pb2.DT_INT64: (np.dtype("<i8"), "int64_val"),
    types_pb2.DT_UINT8: (np.dtype("u1"), "int_val"),
    types_pb2.DT_UINT16: (np.dtype("<u2"), "int_val"),
    types_pb2.DT_UINT32: (np.dtype("<u4"), "uint32_val"),
    types_pb2.DT_UINT64: (np.dtype("<u8"), "uint64_val"),
    types_pb2.DT_BOOL: (np.dtype("?"), "bool_val"),
}


def load_graph_def(path: str | os.PathLike) -> graph_pb2.GraphDef:
    """Parse the serialized ``GraphDef`` stored at ``path`` (a frozen ``.pb`` file)."""
    graph = graph_pb2.GraphDef()
    with open(path, "rb") as f:
        graph.ParseFromString(f.read())
    return graph


def tensor_to_numpy(tensor) -> np.ndarray:
    """Decode one ``TensorProto`` into a numpy array of its dtype and shape.

    Raises ``ValueError`` for dtypes without a numpy counterpart here (strings, quantized types,
    resources) and for a ``tensor_content`` whose byte length does not match the shape.
    """
    try:
        dtype, field = _DTYPES[tensor.dtype]
    except KeyError:
        name = types_pb2.DataType.Name(tensor.dtype) if tensor.dtype in types_pb2.DataType.values() else tensor.dtype
        raise ValueError(f"cannot decode a TensorProto of dtype {name}") from None
    shape = tuple(int(d.size) for d in tensor.tensor_shape.dim)
    count = int(np.prod(shape, dtype=np.int64))
    if tensor.tensor_content:
        raw = tensor.tensor_content
        if len(raw) != count * dtype.itemsize:
            raise ValueError(
                f"tensor_content has {len(raw)} bytes; shape {shape} of {dtype} needs {count * dtype.itemsize}"
            )
        values = np.frombuffer(raw, dtype=dtype)
    else:
        listed = list(getattr(tensor, field))
        if field == "half_val":  # float16 bit patterns carried as integers
            listed_arr = np.asarray(listed, dtype=np.uint16).view(np.float16)
        else:
            listed_arr = np.asarray(listed, dtype=dtype)
        if len(listed_arr) == count:
            values = listed_arr
        elif len(listed_arr) == 0:
            values = np.zeros(count, dtype=dtype)
        elif len(listed_arr) < count:  # TF: the last listed value repeats to fill the shape
            values = np.concatenate([listed_arr, np.full(count - len(listed_arr), listed_arr[-1], dtype=dtype)])
        else:
            raise ValueError(f"{len(listed_arr)} values listed for shape {shape}")
    # Native byte order and a private, writable copy (frombuffer views are read-only).
    return np.array(values.astype(dtype.newbyteorder("="), copy=False).reshape(shape), copy=True)


def graph_constants(graph: str | os.PathLike | graph_pb2.GraphDef) -> dict[str, np.ndarray]:
    """All ``Const`` nodes of a frozen graph as ``{node name: numpy array}``.

    ``graph`` is a path to a frozen ``.pb`` file or an already parsed ``GraphDef``. Names are the
    graph's own node names (e.g. ``'MobilenetV1/Conv2d_0/weights'``); arrays keep TensorFlow's
    layouts (e.g. convolution kernels ``[kh, kw, in, out]``), converting them is the caller's job.
    Constants of dtypes numpy cannot represent (e.g. strings) are skipped.
    """
    if not isinstance(graph, graph_pb2.GraphDef):
        graph = load_graph_def(graph)
    consts: dict[str, np.ndarray] = {}
    for node in graph.node:
        if node.op != "Const" or "value" not in node.attr:
            continue
        tensor = node.attr["value"].tensor
        if tensor.dtype not in _DTYPES:
            continue
        consts[node.name] = tensor_to_numpy(tensor)
    return consts


def node_attrs(graph: graph_pb2.GraphDef, name: str) -> Mapping:
    """The ``attr`` map of the node called ``name`` (e.g. to read a convolution's strides/padding)."""
    for node in graph.node:
        if node.name == name:
            return node.attr
    raise KeyError(f"graph has no node {name!r}")
