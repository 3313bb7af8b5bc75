"""Plain data across a pipe: JSON, with NumPy arrays as dtype, shape and base64 bytes.

Nothing else crosses: no pickles, no live objects. Decoding rebuilds only numbers, strings,
lists, dicts and arrays of a fixed set of dtypes, so a message from an untrusted process can
carry wrong values but never code. Messages are length-prefixed on a stream socket.
"""

from __future__ import annotations

import base64
import json
import socket
import struct
from typing import Any

import numpy as np

DTYPES = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", "complex64", "complex128"}
MAX_MESSAGE = 256 << 20
_ARRAY = "__ndarray__"


def _encode(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        if obj.dtype.name not in DTYPES:
            try:  # e.g. bfloat16: its values as float64
                obj = obj.astype(np.float64)
            except (TypeError, ValueError):
                return {"kind": "object", "type": f"ndarray of {obj.dtype.name}"}
        data = np.array(obj, order="C", copy=True)  # ascontiguousarray would make 0-d arrays 1-d
        return {_ARRAY: base64.b64encode(data.tobytes()).decode(), "dtype": data.dtype.name,
                "shape": list(data.shape)}
    if isinstance(obj, np.str_):
        return str(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.generic):
        return _encode(np.asarray(obj))
    if isinstance(obj, dict):
        return {str(k): _encode(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_encode(v) for v in obj]
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    return {"kind": "object", "type": type(obj).__name__}


def _decode(obj: Any) -> Any:
    if isinstance(obj, dict):
        if _ARRAY in obj:
            dtype = obj.get("dtype")
            if dtype not in DTYPES:
                raise ValueError(f"refused array dtype {dtype!r}")
            shape = tuple(int(d) for d in obj["shape"])
            raw = base64.b64decode(obj[_ARRAY])
            return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
        return {k: _decode(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_decode(v) for v in obj]
    return obj


def roundtrip(obj: Any) -> Any:
    """`obj` as the other side of a pipe would receive it."""
    return loads(dumps(obj))


def dumps(obj: Any) -> bytes:
    return json.dumps(_encode(obj), allow_nan=True, separators=(",", ":")).encode()


def loads(data: bytes) -> Any:
    return _decode(json.loads(data))


def send(sock: socket.socket, obj: Any) -> None:
    data = dumps(obj)
    sock.sendall(struct.pack("!I", len(data)) + data)


def recv(sock: socket.socket) -> Any:
    """The next message; raises EOFError when the other side is gone."""
    head = _read(sock, 4)
    (size,) = struct.unpack("!I", head)
    if size > MAX_MESSAGE:
        raise ValueError(f"message of {size} bytes refused")
    return loads(_read(sock, size))


def _read(sock: socket.socket, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            raise EOFError("the other process closed the connection")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)
