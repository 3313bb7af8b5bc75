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

from .values import describe, tensor_kind

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
    kind = tensor_kind(a)
    if kind in ("Variable", "Tensor"):  # read no value: inside tf.function there is none
        shape = a.shape.as_list() if a.shape.rank is not None else []
        return {"kind": kind, "dtype": a.dtype.name, "shape": shape}
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


# --- probes of the student's own process (forgeable: messages and refusals only) -----------
def recorded(fn: Callable, name: str = "f") -> tuple[Callable, list]:
    """fn logging each call as the grader logs an oracle's evaluation (arguments' kind, dtype,
    shape and the dtype computed in, whether a tape was recording; no values). For black boxes that must stay TensorFlow ops in this
    process (forward mode cannot see through an oracle): the log is the student process's word."""
    import tensorflow as tf

    calls: list = []

    def computed(a: Any) -> str:
        try:
            return tf.convert_to_tensor(a).dtype.name
        except Exception:  # noqa: BLE001 - not convertible: the function will say so itself
            return "none"

    def f(*args: Any) -> Any:
        calls.append({"args": [{**arg_info(a), "computed": computed(a), "value": None} for a in args],
                      "taped": tape_active()})
        return fn(*args)

    f.__name__ = name
    return f, calls


class NotAllowedHere(RuntimeError):
    """The student's code called an API that the question switches off."""


@contextlib.contextmanager
def switched_off(targets: list[tuple[Any, str, str]], why: str) -> Iterator[None]:
    """Each (owner, attribute, shown name) raises NotAllowedHere("<shown name> <why>") inside the block."""
    saved = []

    def refuse(shown: str) -> Callable:
        def refused(*args: Any, **kwargs: Any) -> Any:
            raise NotAllowedHere(f"{shown} {why}")
        return refused

    try:
        for owner, attr, shown in targets:
            if hasattr(owner, attr):
                saved.append((owner, attr, owner.__dict__[attr] if isinstance(owner, type) else getattr(owner, attr)))
                setattr(owner, attr, refuse(shown))
        yield
    finally:
        for owner, attr, original in reversed(saved):
            setattr(owner, attr, original)


def _called_by_tensorflow(depth: int = 2) -> bool:
    """Whether TensorFlow itself called a watched method (jacobian calls gradient, forward mode runs
    tapes), or an oracle answered in this same process (a student's own notebook) did."""
    import sys

    caller = str(sys._getframe(depth).f_globals.get("__name__", ""))
    return caller.startswith("tensorflow") or caller == "autograder.student.oracles"


@contextlib.contextmanager
def watching_tapes(*, no_tape: str | None = None, no_jacobian: str | None = None,
                   max_gradients: int | None = None, too_many: str = "") -> Iterator[dict]:
    """Log what the student's code does with tapes while the block runs.

    The log: "tapes" entered, "gradients" (per `tape.gradient` call, how many other tapes were
    recording), "jacobians" (`jacobian`/`batch_jacobian` calls) and "accumulators" (forward-mode
    passes); calls TensorFlow makes itself are not counted. A message given for `no_tape` or
    `no_jacobian` switches that API off (NotAllowedHere); `max_gradients` refuses the calls after it.
    """
    import tensorflow as tf
    from tensorflow.python.eager import backprop, forwardprop

    tape_cls, acc_cls = backprop.GradientTape, forwardprop.ForwardAccumulator
    saved = {k: tape_cls.__dict__[k] for k in ("__enter__", "gradient", "jacobian", "batch_jacobian")}
    acc_enter = acc_cls.__dict__["__enter__"]
    tapes: list = []
    log: dict = {"tapes": 0, "gradients": [], "jacobians": 0, "accumulators": 0}
    depth = {"jacobian": 0}

    def enter(self):
        out = saved["__enter__"](self)
        if not _called_by_tensorflow() and all(t is not self for t in tapes):
            tapes.append(self)
            log["tapes"] += 1
        return out

    def gradient(self, *args, **kwargs):
        if not _called_by_tensorflow() and not depth["jacobian"]:
            if no_tape:
                raise NotAllowedHere(no_tape)
            log["gradients"].append(sum(1 for t in tapes if t is not self and getattr(t, "_recording", False)))
            if max_gradients is not None and len(log["gradients"]) > max_gradients:
                raise NotAllowedHere(too_many)
        return saved["gradient"](self, *args, **kwargs)

    def jacobian_like(name):
        def method(self, *args, **kwargs):
            if not _called_by_tensorflow():
                if no_tape or no_jacobian:
                    raise NotAllowedHere(no_tape or no_jacobian)
                log["jacobians"] += 1
            depth["jacobian"] += 1
            try:
                return saved[name](self, *args, **kwargs)
            finally:
                depth["jacobian"] -= 1
        return method

    def accumulate(self):
        if not _called_by_tensorflow():
            log["accumulators"] += 1
        return acc_enter(self)

    class DisabledGradientTape:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise NotAllowedHere(no_tape)

    patches = [(tape_cls, "__enter__", enter), (tape_cls, "gradient", gradient),
               (tape_cls, "jacobian", jacobian_like("jacobian")),
               (tape_cls, "batch_jacobian", jacobian_like("batch_jacobian")),
               (acc_cls, "__enter__", accumulate)]
    if no_tape:
        patches += [(tf, "GradientTape", DisabledGradientTape), (tf.autodiff, "GradientTape", DisabledGradientTape)]
    originals = [(owner, attr, owner.__dict__[attr] if isinstance(owner, type) else getattr(owner, attr))
                 for owner, attr, _ in patches]
    try:
        for owner, attr, value in patches:
            setattr(owner, attr, value)
        yield log
    finally:
        for owner, attr, value in reversed(originals):
            setattr(owner, attr, value)
        tapes.clear()
