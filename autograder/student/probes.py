"""Probes: what a step hands a student's function so that *how* it answered can be known.

**Black boxes served from outside.** A question that counts how often a function is evaluated,
or must keep its formula secret, gives the student `black_box(handle)`: a TensorFlow function
whose values and derivatives are computed by whoever serves the oracle (the trusted runner
while grading, the check itself in a student's own notebook). Its formula never exists here,
and every evaluation is a request the server logs, so the count cannot be forged from this
process. Values and gradients enter TensorFlow through `tf.custom_gradient`; gradients of
gradients (nested tapes) too, and `tf.py_function` carries them inside `tf.function` and
`tape.jacobian`. Forward mode (`tf.autodiff.ForwardAccumulator`) cannot see through it and
gets 0, so forward-mode questions keep TensorFlow-op black boxes.

**Probes that only this process can run** (a call recorder, an API switched off, object
identity) are forgeable by the student's code; their results are used for messages and for
checks that can never turn a wrong value into points.
"""

from __future__ import annotations

import builtins
import contextlib
import threading
from typing import Any, Callable, Iterator

import numpy as np

from .values import describe

_ASK: Callable[[dict], dict] | None = None
_LOCK = threading.RLock()  # tape.jacobian may evaluate a black box from several threads


@contextlib.contextmanager
def serving(ask: Callable[[dict], dict]) -> Iterator[None]:
    """Route oracle requests made during a step to `ask` (request dict -> reply dict)."""
    global _ASK
    old, _ASK = _ASK, ask
    try:
        yield
    finally:
        _ASK = old


class OracleUnavailable(RuntimeError):
    """A black box was evaluated after its case ended (kept by the student's code)."""


def _request(request: dict) -> Any:
    if _ASK is None:
        raise OracleUnavailable("this black box belongs to a finished check and cannot be evaluated any more")
    with _LOCK:
        reply = _ASK(request)
    if reply.get("error"):
        raise _rebuild_error(reply["error"])
    return reply["value"]


def _rebuild_error(err: dict) -> BaseException:
    """The server's exception as the student would have met it from a TensorFlow function."""
    name, message = str(err.get("type", "RuntimeError")), str(err.get("message", ""))
    cls = getattr(builtins, name, None)
    if isinstance(cls, type) and issubclass(cls, Exception):
        return cls(message)
    import tensorflow as tf

    cls = getattr(tf.errors, name, None)
    if isinstance(cls, type) and issubclass(cls, tf.errors.OpError):
        return cls(None, None, message)
    return RuntimeError(f"{name}: {message}")


def tape_active() -> bool | None:
    """Whether a GradientTape is recording right now (None if TensorFlow cannot say)."""
    try:
        from tensorflow.python.eager import record

        return bool(record.could_possibly_record())
    except Exception:  # a private API: diagnostics only
        return None


def arg_info(a: Any) -> dict:
    """What a function received, as plain data: kind, dtype and shape (no values)."""
    d = describe(a)
    if isinstance(d, dict) and "dtype" in d and "value" in d:
        return {"kind": d["kind"], "dtype": d["dtype"], "shape": list(d["shape"])}
    if isinstance(d, (bool, int, float)):
        return {"kind": type(d).__name__, "dtype": "python " + type(d).__name__, "shape": []}
    if isinstance(d, list):
        return {"kind": "list", "dtype": "list", "shape": [len(d)]}
    if isinstance(d, dict) and d.get("kind") == "dict":
        return {"kind": "dict", "dtype": "dict", "shape": []}
    return {"kind": "object", "dtype": str(d), "shape": []}


def black_box(handle: dict) -> Callable:
    """The TensorFlow function behind an oracle handle {"oracle": id, "name", "out", "tree"}.

    `out` is the static shape of the value: "same" (element-wise: the first argument's shape),
    or a list such as [] for a scalar. With `tree`, the function takes one nested structure
    (dicts, lists) and the oracle receives its leaves in `tf.nest.flatten` order.
    """
    import tensorflow as tf

    ident, out = int(handle["oracle"]), handle.get("out", "same")

    def fetch(what: str, tensors: list, dtypes: list, shapes: list, meta: dict | None = None) -> list:
        """Ask the oracle; eagerly a plain request, in a graph through tf.py_function."""
        def ask(*ts):
            values = _request({"op": "oracle", "id": ident, "what": what,
                               "args": [np.asarray(t.numpy() if hasattr(t, "numpy") else t) for t in ts],
                               **(meta or {})})
            return [np.asarray(v).astype(d.as_numpy_dtype) for v, d in zip(values, dtypes)]

        if tf.executing_eagerly():
            results = [tf.constant(v, d) for v, d in zip(ask(*tensors), dtypes)]
        else:
            results = tf.py_function(ask, tensors, Tout=dtypes)
        for r, s in zip(results, shapes):
            r.set_shape(s)
        return list(results)

    def value_shape(xs: list) -> Any:
        return xs[0].shape if out == "same" else tf.TensorShape(out)

    def zeros_for(upstream: list, like: list) -> list:
        return [tf.zeros_like(t) if u is None else u for u, t in zip(upstream, like)]

    def vjp(xs: list, u: Any) -> list:
        """Jᵀu for each argument, itself differentiable (Hessian-vector products) once more."""
        @tf.custom_gradient
        def gradient(*args):
            xs_, u_ = list(args[:-1]), args[-1]
            gs = fetch("vjp", [*xs_, u_], [x.dtype for x in xs_], [x.shape for x in xs_])

            def second(*ws):
                ws = zeros_for(list(ws), xs_)
                hs = fetch("hvp", [*xs_, u_, *ws], [x.dtype for x in xs_], [x.shape for x in xs_])
                (jw,) = fetch("jvp", [*xs_, *ws], [u_.dtype], [u_.shape])
                return [*hs, jw]

            return gs, second

        return gradient(*xs, u)

    def f(*args: Any) -> Any:
        if handle.get("tree"):  # one nested structure of tensors: the oracle sees its leaves
            args = tuple(tf.nest.flatten(args[0])) if len(args) == 1 else args
        meta = {"info": [arg_info(a) for a in args], "taped": tape_active()}
        xs = [tf.convert_to_tensor(a) for a in args]
        floats = {x.dtype for x in xs if x.dtype.is_floating}
        if len(floats) > 1:
            raise tf.errors.InvalidArgumentError(
                None, None, "cannot compute AddV2 as input #1(zero-based) was expected to be a "
                f"{sorted(d.name for d in floats)[0]} tensor but is a {sorted(d.name for d in floats)[1]} tensor")
        dtype = next(iter(floats)) if floats else xs[0].dtype

        @tf.custom_gradient
        def value(*xs_):
            (y,) = fetch("value", list(xs_), [dtype], [value_shape(list(xs_))], meta)

            def grad(u):
                gs = vjp(list(xs_), u)
                return [g if x.dtype.is_floating else None for g, x in zip(gs, xs_)]

            return y, grad

        return value(*xs)

    f.__name__ = handle.get("name", "f")
    return f
