"""Unit 10, Autodiff inside graphs and at scale: the steps that call the student's functions.

The functions handed to students here must stay TensorFlow ops in this process: a loss that
`tf.vectorized_map` vectorises, a float16 loss whose underflow is the point, a function traced by
the student's `tf.function`. Each is built from the plain terms the grader drew and wrapped so
that its *Python* calls are counted: a Python call is one trace (inside `tf.function`,
`tf.vectorized_map`, `tape.jacobian`) or one eager evaluation, so a Python loop over the examples
or a function retraced on every call shows as too many calls. The counts and the custom-gradient
probe are this process's word (forgeable): they name a technique in messages and refuse a wrong
one, and never turn a wrong value into points. `heron_grad` is called twice: eagerly, and through
`tf.function` with an input signature, where `n` has no value.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import tensorflow as tf

from .families import vector_tf
from .steps import answer, step
from .values import describe, describe_error


def _counted(fn: Callable, name: str) -> tuple[Callable, list]:
    """fn that counts its Python calls (traces and eager evaluations)."""
    calls: list = []

    def counted(*args: Any) -> Any:
        calls.append(1)
        return fn(*args)

    counted.__name__ = name
    return counted, calls


# --- per_example_grads ---------------------------------------------------------------------
def example_loss(kind: str) -> Callable:
    """The per-example loss of a linear model: one example (x of shape (d,), y scalar) gives a
    scalar, a batch (X of shape (N, d), y of shape (N,)) gives the vector of N losses."""
    def loss_fn(w, x, y):
        z = tf.reduce_sum(x * w, axis=-1)
        if kind == "squared":
            return tf.square(z - y)
        if kind == "logistic":
            return tf.math.softplus(-y * z)
        return tf.square(tf.tanh(z) - y)          # "tanh"
    return loss_fn


@step("per_example_grads")
def per_example_grads(fn: Callable, kind, w, X, y):
    loss_fn, calls = _counted(example_loss(kind), "loss_fn")
    value = answer(fn, loss_fn, tf.Variable(np.asarray(w, np.float32)),
                   tf.constant(np.asarray(X, np.float32)), tf.constant(np.asarray(y, np.float32)))
    return {"value": value, "calls": len(calls)}


# --- entropy -------------------------------------------------------------------------------
@step("entropy")
def entropy(fn: Callable, p):
    p = tf.constant(np.asarray(p, np.float32))
    try:
        with tf.GradientTape() as tape:
            tape.watch(p)
            h = fn(p)
            total = tf.reduce_sum(h) if h is not None else None
        grad = tape.gradient(total, p) if total is not None else None
    except Exception as e:  # noqa: BLE001 - the student's error is what gets judged
        return {"value": describe_error(e), "grad": None}
    return {"value": describe(h), "grad": describe(grad)}


# --- scaled_gradients ----------------------------------------------------------------------
def float16_loss(X, y, k: float) -> Callable:
    """Mixed precision as Keras does it: float32 Variable, model in float16, loss in float32."""
    X16, y16 = tf.constant(np.asarray(X, np.float16)), tf.constant(np.asarray(y, np.float16))

    def loss_fn(w):
        r = tf.linalg.matvec(X16, tf.cast(w, tf.float16)) - y16      # float16 forward pass
        return k * tf.reduce_mean(tf.square(tf.cast(r, tf.float32)))  # float32 loss
    return loss_fn


@step("scaled_gradients")
def scaled_gradients(fn: Callable, X, y, k, w, scale):
    loss_fn, calls = _counted(float16_loss(X, y, k), "loss_fn")
    value = answer(fn, loss_fn, tf.Variable(np.asarray(w, np.float32)), scale)
    return {"value": value, "calls": len(calls)}


# --- value_and_grad_fn ---------------------------------------------------------------------
def _is_tf_function(g: Any) -> bool:
    kinds = tuple(t for t in (getattr(tf.types.experimental, "PolymorphicFunction", None),
                              getattr(tf.types.experimental, "GenericFunction", None)) if t)
    return isinstance(g, kinds) if kinds else hasattr(g, "get_concrete_function")


@step("value_and_grad_fn")
def value_and_grad_fn(fn: Callable, terms, xs):
    f, calls = _counted(vector_tf(terms), "f")
    try:
        g = fn(f)
    except Exception as e:  # noqa: BLE001
        return {"value": describe_error(e), "calls": len(calls), "graph": False, "per_call": []}
    graph = _is_tf_function(g)
    if not callable(g):
        return {"value": describe(g), "calls": len(calls), "graph": graph, "per_call": []}
    outs, per_call = [], []
    for x in xs:
        before = len(calls)
        out = answer(g, tf.constant(np.asarray(x, np.float32)))
        outs.append(out)
        per_call.append(len(calls) - before)
        if isinstance(out, dict) and out.get("kind") == "error":
            break
    return {"value": outs, "calls": len(calls), "graph": graph, "per_call": per_call}


# --- swish ---------------------------------------------------------------------------------
class _CustomGradientUse:
    """Counts calls of functions decorated with tf.custom_gradient (eager or traced) while active."""

    def __enter__(self) -> list:
        from tensorflow.python.ops import custom_gradient as cg

        self.cg, self.calls = cg, []
        self.saved = (cg._eager_mode_decorator, cg._graph_mode_decorator)
        eager, graph = self.saved

        def eager_(*a, **k):
            self.calls.append("eager")
            return eager(*a, **k)

        def graph_(*a, **k):
            self.calls.append("graph")
            return graph(*a, **k)

        cg._eager_mode_decorator, cg._graph_mode_decorator = eager_, graph_
        return self.calls

    def __exit__(self, *exc: Any) -> None:
        self.cg._eager_mode_decorator, self.cg._graph_mode_decorator = self.saved


@step("swish")
def swish(fn: Callable, x, c):
    x, c = tf.constant(np.asarray(x, np.float32)), tf.constant(np.asarray(c, np.float32))
    with _CustomGradientUse() as used:
        try:
            with tf.GradientTape() as outer:
                outer.watch(x)
                with tf.GradientTape() as inner:
                    inner.watch(x)
                    y = fn(x)
                    total = tf.reduce_sum(c * y)
                g = inner.gradient(total, x)
            h = outer.gradient(g, x) if g is not None else None
        except Exception as e:  # noqa: BLE001
            return {"value": describe_error(e), "grad": None, "second": None, "custom": len(used)}
    return {"value": describe(y), "grad": describe(g), "second": describe(h), "custom": len(used)}


# --- heron_grad ----------------------------------------------------------------------------
@step("heron_grad")
def heron_grad(fn: Callable, a, n):
    a_t, n_t = tf.constant(np.asarray(a, np.float32)), tf.constant(int(n), tf.int32)
    eager = answer(fn, a_t, n_t)
    graph_fn = tf.function(fn, input_signature=[tf.TensorSpec([None], tf.float32), tf.TensorSpec([], tf.int32)])
    return {"value": eager, "graph": answer(graph_fn, a_t, n_t)}
