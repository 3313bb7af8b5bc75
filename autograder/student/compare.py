"""Judging plain descriptions against references, with the likely cause of a mismatch.

Every function returns None when the answer is right and otherwise one sentence a student
can act on: what came back, what was expected, and what usually causes that symptom.
"""

from __future__ import annotations

from typing import Callable, Iterable

import numpy as np

from .values import Plain, as_array, is_error, show

# (substring of a TensorFlow/Python error message, what usually causes it)
KNOWN_ERRORS: list[tuple[str, str]] = [
    ("is not defined", "run the cell that defines it first, and keep the name the question gives"),
    ("NotImplementedError", "not answered yet: replace `raise NotImplementedError()` with your code"),
    ("non-persistent GradientTape", "a tape can give gradients once: pass persistent=True, "
     "or ask for every source in one tape.gradient call"),
    ("but is a int", "TensorFlow never casts for you: tf.cast the int tensor to float32 first"),
    ("but is a double tensor", "float32 and float64 (double) do not mix: tf.cast one to the other's dtype"),
    ("was expected to be a double tensor", "float32 and float64 (double) do not mix: tf.cast one "
     "to the other's dtype"),
    ("was expected to be a int", "TensorFlow never casts for you: an int tensor met a float one; "
     "tf.cast so both have the same dtype"),
    ("Cannot update variable with shape", "assign/assign_add need a value of the Variable's exact "
     "shape (no broadcasting): broadcast it first, or assign var + delta"),
    ("to EagerTensor of dtype int", "an int Variable cannot take a float: create it with "
     "dtype=tf.float32"),
    ("has no attribute 'assign", "`x = x - ...` rebinds x to a plain Tensor; update the "
     "Variable in place with x.assign_sub(...)"),
    ("-= value` with `tf.Variable`s is not supported", "use x.assign_sub(value) instead of `x -= value`"),
    ("received None", "a function returned None: did it forget `return`?"),
    ("'list' object has no attribute 'shape'", "tape.jacobian needs one tensor as target: "
     "tf.stack a list first"),
    ("Tape is still recording", "tape.gradient was called inside its own `with` block where "
     "not allowed; call it after the block"),
    ("not tf.Tensor or tf.Variable", "tape.watch needs a tensor: wrap Python numbers with tf.constant"),
    ("'IndexedSlices' object has no attribute", "the gradient is IndexedSlices (from tf.gather): "
     "tf.convert_to_tensor it"),
    ("object has no attribute 'numpy'", "that object is not an eager tensor: check what your "
     "code returns"),
    ("Value for attr 'T' of int", "an int tensor reached an operation that needs floats: "
     "tf.cast it to float32 first"),
    ("Incompatible shapes", "two tensors whose shapes do not broadcast met in one operation: "
     "print their .shape"),
    ("Matrix size-incompatible", "a matrix product needs the inner sizes to agree: check the "
     "shapes, and whether one operand should be transposed"),
]

# An error raised inside TensorFlow's or NumPy's own code (a private attribute, a C++ op) says
# little to a student; this sentence goes in front of any such message no entry above explains.
INTERNAL = ("TensorFlow failed inside its own code: it was probably handed another kind of value "
            "than it expects there, such as a NumPy array, a list or a Python number where a "
            "tensor or a Variable belongs; check the types your code passes")

Hint = Callable[[np.ndarray, np.ndarray], "str | None"]


def error_cause(got: Plain) -> str:
    """'raised T: message' plus the known cause, for a described exception."""
    text = f"raised {got['type']}: {got['message']}" if got["message"] else f"raised {got['type']}"
    probe = f"{got['type']}: {got['message']}"
    for needle, cause in KNOWN_ERRORS:
        if needle in probe:
            return f"{text} ({cause})"
    if _internal(got):
        return f"{text} ({INTERNAL})"
    return text


def _internal(got: Plain) -> bool:
    """Whether a described error comes from inside a library rather than from the student's code."""
    message = got["message"]
    return ("has no attribute '_" in message or got["type"] in ("InvalidArgumentError", "InternalError")
            or "EagerTensor" in message or "tensorflow.python" in message)


def close(got: Plain, want: Plain, *, atol: float, rtol: float = 1e-5, none_hint: str = "",
          hints: Iterable[Hint] = (), exact_shape: bool = True) -> str | None:
    """Numeric agreement of `got` with the reference `want` within atol + rtol*|want|."""
    if is_error(got):
        return error_cause(got)
    if got is None:
        return "returned None" + (f": {none_hint}" if none_hint else "")
    if isinstance(got, dict) and got.get("kind") == "IndexedSlices":
        return ("returned IndexedSlices, not a dense tensor (gradients of tf.gather are sparse): "
                "tf.convert_to_tensor it")
    w = np.asarray(as_array(want) if not isinstance(want, np.ndarray) else want, dtype=np.float64)
    g = as_array(got)
    if g is None:
        return f"returned {show(got)}, expected a number or array like {show(want)}"
    if g.shape != w.shape:
        if g.size == 1 and w.size > 1 and np.allclose(g.reshape(()), w.sum(), atol=atol, rtol=rtol):
            return (f"returned the single number {show(got)}, the sum of the expected "
                    f"{show(want)}: a list or non-scalar target is summed")
        if g.ndim == 2 and w.ndim == 1 and g.shape == (w.size, w.size):
            return (f"shape {tuple(g.shape)}, expected {tuple(w.shape)}: an (N,1) and an (N,) "
                    "array broadcast to (N,N); reshape one of them")
        if exact_shape or g.size != w.size:
            return f"shape {tuple(g.shape)}, expected {tuple(w.shape)} (returned {show(got)})"
        g = g.reshape(w.shape)
    if not np.all(np.isfinite(g)) and np.all(np.isfinite(w)):
        return f"returned {show(got)}, which is not finite; expected {show(want)}"
    if np.allclose(g, w, atol=atol, rtol=rtol, equal_nan=True):
        return None
    for hint in hints:
        message = hint(g, w)
        if message:
            return f"returned {show(got)}, expected {show(want)}: {message}"
    err = float(np.max(np.abs(g - w))) if g.size else 0.0
    return f"returned {show(got)}, expected {show(want)} (largest difference {err:.3g})"


def dtype_name(got: Plain) -> str | None:
    """The dtype of a described tensor/array, if it has one."""
    return got.get("dtype") if isinstance(got, dict) else None


def first_problem(*problems: str | None) -> str | None:
    """The first non-None problem of several checks made in order."""
    for p in problems:
        if p:
            return p
    return None
