"""Plain data: what a student's value is, described without trusting the value itself.

Everything a check sees of a student's answer passes through `describe`: numbers become
Python floats read from their raw bytes, arrays become plain float64/int64/bool NumPy
arrays, tensors and Variables become dicts with their dtype, shape and value. Subclasses
that lie in `__eq__`, `__float__` or `__array__` are read past, so a comparison made on the
description holds. The same descriptions can later cross a pipe between processes.
"""

from __future__ import annotations

import re
import struct
from typing import Any

import numpy as np

Plain = Any  # None, bool, int, float, str, np.ndarray, list, dict of these

_INT_KINDS = "iu"


def _raw_float(x: float) -> float:
    """The true value of a float or float subclass (reads the stored double)."""
    return struct.unpack("d", struct.pack("d", x))[0]


def _raw_array(a: np.ndarray) -> np.ndarray:
    """A base-class copy of an ndarray or ndarray subclass."""
    base = np.ndarray.view(a, np.ndarray)
    return np.array(base, copy=True, subok=False)


def tensor_kind(x: Any) -> str | None:
    """'Variable', 'Tensor', 'IndexedSlices' or None, without importing TensorFlow eagerly."""
    mod = type(x).__module__ or ""
    if not mod.startswith(("tensorflow", "keras")):
        return None
    import tensorflow as tf

    if isinstance(x, tf.Variable):
        return "Variable"
    if isinstance(x, tf.IndexedSlices):
        return "IndexedSlices"
    if isinstance(x, tf.Tensor):
        return "Tensor"
    return None


def describe(x: Any, _depth: int = 0) -> Plain:
    """Describe any value as plain data (see the module docstring)."""
    if _depth > 20:
        return {"kind": "object", "type": "deeply nested structure"}
    if x is None:
        return None
    if isinstance(x, BaseException):
        return describe_error(x)
    kind = tensor_kind(x)
    if kind == "IndexedSlices":
        return {"kind": "IndexedSlices", "dtype": x.dtype.name,
                "shape": [int(d) for d in x.dense_shape.numpy()]}
    if kind in ("Variable", "Tensor"):
        value = _raw_array(np.asarray(x.numpy()))
        out = {"kind": kind, "dtype": x.dtype.name, "shape": list(value.shape), "value": value}
        if kind == "Variable":
            out["trainable"] = bool(x.trainable)
        return out
    if isinstance(x, (bool, np.bool_)):
        return bool(x) if type(x) in (bool, np.bool_) else {"kind": "object", "type": type(x).__name__}
    if isinstance(x, np.ndarray):
        value = _raw_array(x)
        return {"kind": "ndarray", "dtype": value.dtype.name, "shape": list(value.shape), "value": value}
    if isinstance(x, np.generic):
        value = _raw_array(np.asarray(x))
        return {"kind": "ndarray", "dtype": value.dtype.name, "shape": [], "value": value}
    if isinstance(x, float):
        return _raw_float(x)
    if isinstance(x, int):
        return int.__index__(x)
    if isinstance(x, str):
        return str.__str__(x)
    if isinstance(x, (list, tuple)):
        return [describe(v, _depth + 1) for v in list.__iter__(list(x))] if type(x) in (list, tuple) \
            else {"kind": "object", "type": type(x).__name__}
    if isinstance(x, dict) and type(x) is dict:
        return {"kind": "dict", "items": {str(k): describe(v, _depth + 1) for k, v in x.items()}}
    return {"kind": "object", "type": type(x).__name__}


_TF_NOISE = re.compile(r"\{\{function_node [^}]*\}\}|\[Op:[^\]]*\]( name: ?\S*)?")


def describe_error(e: BaseException) -> dict:
    """An exception as plain data: its type name and the first line of its message."""
    text = _TF_NOISE.sub("", str(e)).strip()
    message = text.splitlines()[0].strip() if text else ""
    if len(message) > 200:
        message = message[:197] + "..."
    return {"kind": "error", "type": type(e).__name__, "message": message}


def is_error(d: Plain) -> bool:
    return isinstance(d, dict) and d.get("kind") == "error"


def as_array(d: Plain) -> np.ndarray | None:
    """The numeric value of a description as a float64 array, or None if it has none."""
    if isinstance(d, bool):
        return None
    if isinstance(d, (int, float)):
        return np.asarray(d, dtype=np.float64)
    if isinstance(d, dict) and "value" in d:
        v = d["value"]
        if v.dtype.kind in "fiub":
            return v.astype(np.float64)
        return None
    if isinstance(d, list) and d and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                         for v in d):
        return np.asarray(d, dtype=np.float64)
    return None


def show(d: Plain, limit: int = 60) -> str:
    """A short human reading of a description, for feedback lines."""
    if d is None:
        return "None"
    if isinstance(d, (bool, int, str)):
        return repr(d)
    if isinstance(d, float):
        return number_text(d, 6)
    if isinstance(d, (np.ndarray, np.generic)):  # a reference passed as is (compare.close's `want`)
        text = value_text(d)
        return text if len(text) <= limit else text[: limit - 3] + "..."
    if isinstance(d, list):
        text = "[" + ", ".join(show(v, limit) for v in d) + "]"
    elif isinstance(d, dict):
        kind = d.get("kind")
        if kind == "error":
            return f"{d['type']}: {d['message']}"
        if kind == "object":
            return f"a {d['type']} object"
        if kind == "dict":
            text = "{" + ", ".join(f"{k!r}: {show(v, limit)}" for k, v in d["items"].items()) + "}"
        elif kind is None and "value" in d:  # an answer wrapped with evidence: {"value", "calls"}
            return show(d["value"], limit)
        elif kind == "IndexedSlices":
            text = f"IndexedSlices(dtype={d['dtype']}, dense_shape={tuple(d['shape'])})"
        else:
            text = _show_array(d["value"])
            if kind in ("Variable", "Tensor"):
                extra = "" if kind == "Tensor" or d.get("trainable", True) else ", trainable=False"
                text = f"{kind}({text}, dtype={d['dtype']}{extra})"
            elif kind == "ndarray" and d["dtype"] not in ("float64", "int64", "bool"):
                text = f"{text} ({d['dtype']})"
    else:
        text = repr(d)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _show_array(v: np.ndarray) -> str:
    if v.ndim == 0:
        return f"{v.item():.6g}" if v.dtype.kind == "f" else str(v.item())
    with np.printoptions(precision=4, suppress=True, threshold=8, edgeitems=2):
        return np.array2string(v, separator=", ").replace("\n", "")


# --- values as the lectures print them: the one home of every feedback formatter ----------
def number_text(x: float, digits: int = 4) -> str:
    """A float as a student would type it, to `digits` significant digits: 1.0, 0.25, -3.142, 1e-07."""
    text = f"{float(x):.{digits}g}"
    return text + ".0" if text.lstrip("-").isdigit() else text


def coef_text(c: float) -> str:
    """A coefficient inside a formula, exactly: 2 rather than 2.0, 0.5 as 0.5, 0.125 in full."""
    c = float(c)
    return str(int(c)) if c.is_integer() else repr(c)


def value_text(v: Any, digits: int = 4, limit: int = 8) -> str:
    """A number or nested array as it would be typed: 3.0, [1.0, 2.5], [[1.0, 2.0], [3.0, 4.0]].

    Longer than `limit` along an axis: the first and last two entries around '...'.
    """
    a = np.asarray(v)
    if a.ndim == 0:
        if a.dtype.kind == "b":
            return str(bool(a))
        return number_text(float(a), digits) if a.dtype.kind in "fc" else str(a.item())
    items = [value_text(e, digits, limit) for e in a] if len(a) <= limit else \
        [value_text(e, digits, limit) for e in a[:2]] + ["..."] + [value_text(e, digits, limit) for e in a[-2:]]
    return "[" + ", ".join(items) + "]"


def tensor_text(v: Any, dtype: str = "float32", digits: int = 4) -> str:
    """A value as the call that makes it: tf.constant([1.0, 2.0]) or tf.constant(..., tf.float64)."""
    suffix = "" if dtype == "float32" else f", tf.{dtype}"
    return f"tf.constant({value_text(v, digits)}{suffix})"
