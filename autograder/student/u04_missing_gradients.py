"""Unit 04, When gradients go missing: the steps that call the student's functions.

The losses and models handed to students (f, model, loss_fn) are served by the grader
(probes.black_box): their formulas are not in this process, and the grader logs each
evaluation, so the call counts the checks judge cannot be forged from here.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator

import tensorflow as tf

from .probes import black_box, switched_off
from .steps import answer, step
from .values import describe, describe_error


def _kept(fn: Callable, kept: list) -> Callable:
    """fn that also keeps what it returned (answer() describes it; identity and tapes need the object)."""
    def call(*args: Any) -> Any:
        kept.append(fn(*args))
        return kept[-1]
    return call


@step("train_steps")
def train_steps(fn: Callable, f, w, lr, steps):
    var, kept = tf.Variable(w, dtype=tf.float32), []
    value = answer(_kept(fn, kept), black_box(f), var, lr, steps)
    return {"value": value, "same_object": bool(kept) and kept[0] is var, "var": describe(var)}


@step("sigmoid_grad")
def sigmoid_grad(fn: Callable, f, w):
    return {"value": answer(fn, black_box(f), tf.Variable(w, dtype=tf.float32))}


@step("mse_grad")
def mse_grad(fn: Callable, model, w, labels):
    return {"value": answer(fn, black_box(model), tf.Variable(w, dtype=tf.float32),
                            tf.constant(labels, tf.int32))}


@step("batch_grad")
def batch_grad(fn: Callable, f, w, batch):
    return {"value": answer(fn, black_box(f), tf.Variable(w, dtype=tf.float32),
                            tf.constant(batch, tf.float32))}


@contextlib.contextmanager
def _watches(target: Any) -> Iterator[list]:
    """[whether the student's code called tape.watch on `target`] (this process's word: messages only)."""
    from tensorflow.python.eager import backprop

    seen, original = [False], backprop.GradientTape.__dict__["watch"]

    def watch(self, tensor):
        if any(t is target for t in tf.nest.flatten(tensor)):
            seen[0] = True
        return original(self, tensor)

    backprop.GradientTape.watch = watch
    try:
        yield seen
    finally:
        backprop.GradientTape.watch = original


@step("input_grad")
def input_grad(fn: Callable, f, w, x):
    x = tf.constant(x, tf.float32)
    with _watches(x) as watched:
        value = answer(fn, black_box(f), tf.Variable(w, dtype=tf.float32), x)
    return {"value": value, "watched_x": watched[0]}


@step("grads_or_zeros")
def grads_or_zeros(fn: Callable, loss, values, used):
    """loss is a black box of the used Variables only, so an unused one stays unconnected (None)."""
    variables = [tf.Variable(v, dtype=tf.float32) for v in values]
    of_used = black_box(loss)

    def loss_fn():
        return of_used([v for v, u in zip(variables, used) if u])

    return {"value": answer(fn, loss_fn, variables)}


@step("dense_grad")
def dense_grad(fn: Callable, g, shape):
    grad = None
    if g["kind"] != "none":
        # a real gradient: of sum(W * gather(table, indices)) (IndexedSlices) or sum(W * table)
        table = tf.Variable(tf.zeros(shape))
        weights = tf.constant(g["values"], tf.float32)
        with tf.GradientTape() as tape:
            read = tf.gather(table, g["indices"]) if g["kind"] == "slices" else table
            loss = tf.reduce_sum(weights * read)
        grad = tape.gradient(loss, table)
    return answer(fn, grad, shape)


def _value_and_grad(fn: Callable, x: Any, upstream: Any, off: list | None = None) -> dict:
    """fn(x) on a float32 Variable, and the gradient of sum(upstream * fn(x)), described."""
    var, u, kept = tf.Variable(x, dtype=tf.float32), tf.constant(upstream, tf.float32), []
    with tf.GradientTape() as tape:
        with switched_off(off or [], "is not allowed in this question"):
            value = answer(_kept(fn, kept), var)
        if not kept:  # the student's function raised: its error is the value
            return {"value": value, "grad": None}
        try:
            loss = tf.reduce_sum(u * kept[0])
        except Exception as e:  # not a float32 tensor of x's shape: the value check says so
            return {"value": value, "grad": describe_error(e)}
    try:
        grad = describe(tape.gradient(loss, var))
    except Exception as e:  # the student's own gradient function failed
        grad = describe_error(e)
    return {"value": value, "grad": grad}


@step("round_ste")
def round_ste(fn: Callable, x, upstream):
    return _value_and_grad(fn, x, upstream)


def _softplus_apis() -> list:
    """softplus under its names (log1pexp by another name): switched off while log1pexp runs."""
    targets = [(tf.nn, "softplus", "tf.nn.softplus"), (tf.math, "softplus", "tf.math.softplus"),
               (tf.math, "log_sigmoid", "tf.math.log_sigmoid")]
    try:
        targets.append((tf.keras.activations, "softplus", "tf.keras.activations.softplus"))
    except Exception:  # Keras missing or failing to load: nothing of it to switch off
        pass
    return targets


@step("log1pexp")
def log1pexp(fn: Callable, x, upstream):
    return _value_and_grad(fn, x, upstream, _softplus_apis())
