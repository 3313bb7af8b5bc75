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


# --- comparing two descriptions, with no question's judge: the student kit's offline checks ----
EVIDENCE_KEYS = frozenset({"tapes", "backward", "accumulators", "jacobians", "gradients", "seconds"})  # how, not what


def same(a: Plain, b: Plain, *, atol: float, rtol: float, strict: bool = True) -> bool:
    """Whether two descriptions agree: the same structure, numbers within atol + rtol*|b|.

    strict also asks for the same kinds (Tensor, Variable, ndarray, number), dtypes and shapes;
    otherwise only the numbers (and booleans, strings, errors, None) must agree.
    """
    if is_error(a) or is_error(b):
        return is_error(a) and is_error(b) and a["type"] == b["type"] and a["message"] == b["message"]
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (bool, np.bool_)) or isinstance(b, (bool, np.bool_)):
        return isinstance(a, (bool, np.bool_)) and isinstance(b, (bool, np.bool_)) and bool(a) == bool(b)
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if strict and _kind(a) != _kind(b):
        return False
    ga, gb = _numbers(a), _numbers(b)
    if ga is not None or gb is not None:
        if ga is None or gb is None or ga.shape != gb.shape:
            return False
        if strict and any(a.get(k) != b.get(k) for k in ("dtype", "trainable") if isinstance(a, dict)):
            return False
        return bool(np.allclose(ga, gb, atol=atol, rtol=rtol, equal_nan=True))
    if isinstance(a, dict) and isinstance(b, dict):
        if a.get("kind") != b.get("kind"):
            return False
        a, b = a.get("items", a), b.get("items", b)
        return a.keys() == b.keys() and all(same(a[k], b[k], atol=atol, rtol=rtol, strict=strict) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y, atol=atol, rtol=rtol, strict=strict) for x, y in zip(a, b))
    return False


def _numbers(d: Plain) -> np.ndarray | None:
    """The numbers of a described number, array or tensor (not of a step's dict of results)."""
    if isinstance(d, dict) and (d.get("kind") not in ("Tensor", "Variable", "ndarray")
                                or not isinstance(d.get("value"), np.ndarray)):
        return None
    if isinstance(d, np.ndarray):
        return d.astype(np.float64) if d.dtype.kind in "fiub" else None
    return as_array(d)


def _kind(d: Plain) -> str:
    if isinstance(d, dict):
        return str(d.get("kind"))
    return "number" if isinstance(d, (int, float)) else type(d).__name__


def answer_part(got: Plain, drop: Iterable[str] = ()) -> Plain:
    """What a step's result says of the answer itself: without the oracles' logs (`drop`) and the
    step's observations of how it was computed (EVIDENCE_KEYS); a lone "value" unwrapped."""
    if not (isinstance(got, dict) and "kind" not in got):
        return got
    rest = {k: v for k, v in got.items() if k not in EVIDENCE_KEYS and k not in set(drop)}
    return rest["value"] if list(rest) == ["value"] else rest


def difference(got: Plain, want: Plain, *, atol: float, rtol: float, like: Plain = None, where: str = "") -> str:
    """One sentence on how `got` differs from `want` (dtype, shape, None, an error, the first value
    that differs); `like` is a right answer as described, for its dtype."""
    at = f"{where}: " if where else ""
    got = _first_error(got) or got  # an error the student's code raised, inside a step's results
    if is_error(got):
        return at + error_cause(got)
    if got is None:
        return f"{at}returned None, expected {show(want)}: did a function forget `return`, or is a gradient None?"
    g, w = _numbers(got), _numbers(want)
    if g is not None and w is not None:
        dtype, right_dtype = dtype_name(got), dtype_name(like)
        typed = f" (dtype {dtype}, expected {right_dtype})" if dtype and right_dtype and dtype != right_dtype else ""
        if g.shape != w.shape:
            return f"{at}shape {tuple(g.shape)}, expected {tuple(w.shape)}{typed} (returned {show(got)})"
        bad = ~np.isclose(g, w, atol=atol, rtol=rtol, equal_nan=True)
        if not bad.any():
            return f"{at}returned {show(got)}{typed}, expected {show(want)}"
        if g.ndim == 0:
            return f"{at}returned {show(got)}{typed}, expected {show(want)}"
        i = tuple(int(k) for k in np.argwhere(bad)[0])
        index = i[0] if len(i) == 1 else list(i)
        return f"{at}values differ at index {index}: got {g[i]:.6g}, expected {w[i]:.6g}{typed}"
    if isinstance(got, dict) and isinstance(want, dict) and "kind" not in got and "kind" not in want:
        for k in want:
            if k not in got:
                return f"{at}no {k!r} in what came back"
            if not same(got[k], want[k], atol=atol, rtol=rtol, strict=False):
                sub = like.get(k) if isinstance(like, dict) else None
                return difference(got[k], want[k], atol=atol, rtol=rtol, like=sub, where=f"{where}{k}")
    if isinstance(got, list) and isinstance(want, list) and len(got) == len(want):
        for i, (x, y) in enumerate(zip(got, want)):
            if not same(x, y, atol=atol, rtol=rtol, strict=False):
                sub = like[i] if isinstance(like, list) and len(like) == len(want) else None
                return difference(x, y, atol=atol, rtol=rtol, like=sub, where=f"{where}[{i}]")
    return f"{at}returned {_shown(got)}, expected {_shown(want)}"


def _first_error(d: Plain) -> dict | None:
    """The first described error in a step's results (dicts of results, lists), if any."""
    if is_error(d):
        return d
    items = d.values() if isinstance(d, dict) and "kind" not in d else d if isinstance(d, list) else ()
    for v in items:
        found = _first_error(v)
        if found:
            return found
    return None


def _shown(d: Plain) -> str:
    """`show`, and a step's dict of results by its keys."""
    if isinstance(d, dict) and "kind" not in d and "value" not in d:
        return "{" + ", ".join(f"{k!r}: {_shown(v)}" for k, v in d.items()) + "}"
    return show(d)


TIGHT = {"atol": 1e-12, "rtol": 1e-6}  # the same computation, up to float32 rounding of another order


def _untimed(got: Plain) -> Plain:
    """A step's result without the time it took (never the same twice)."""
    return {k: v for k, v in got.items() if k != "seconds"} if isinstance(got, dict) and "kind" not in got else got


def banked_verdict(got: Plain, case: dict, *, atol: float, rtol: float, drop: Iterable[str] = ()) -> str | None:
    """The student kit's judgement of `got` on a case of its bank, with no question's judge at hand.

    `case` holds what the grader stored: "right" (a right answer as described, evidence included)
    and "accepted" (wrong answers the question's judge lets pass on this case),
    "mistakes" (known wrong answers as described, each with the grader's own sentence, its
    "cause") and "expected" (the reference). The right answer itself passes; a known mistake
    (TIGHT agreement, evidence included) gets its cause; an answer whose numbers agree with the
    right answer's or the reference within atol + rtol*|want| (whatever its kind, and leaving out
    the oracles' logs named in `drop`) passes; anything else gets a generic cause from `difference`.
    """
    if any(same(_untimed(got), _untimed(r), **TIGHT) for r in [case["right"], *case.get("accepted", [])]):
        return None
    for mistake in case["mistakes"]:
        if same(_untimed(got), _untimed(mistake["got"]), **TIGHT):
            return mistake["cause"]
    mine, right, want = answer_part(got, drop), answer_part(case["right"], drop), case["expected"]
    if same(mine, right, atol=atol, rtol=rtol, strict=False) or same(mine, want, atol=atol, rtol=rtol, strict=False):
        return None
    if _numbers(want) is None and not (isinstance(want, (dict, list)) and isinstance(mine, type(want))):
        want = right  # a reference of another shape than the answer (a set of reasons, say)
    return difference(mine, want, atol=atol, rtol=rtol, like=right)
