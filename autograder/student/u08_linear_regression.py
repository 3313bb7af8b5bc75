"""Unit 08, Linear regression (capstone): the steps that call the student's functions.

No black box is handed to the student in this unit: every step builds its inputs from the case's
plain data and describes what came back. What these steps observe of the student's process
(two calls of make_data with one seed, the Variables a LinearRegression holds before and after
its first call, object identity in train_step, least-squares solvers switched off in fit and
fit_with_optimizer, the Keras optimizer updates counted in fit_with_optimizer) is the student
process's word: the checks use it to name mistakes and to refuse answers, never to award a wrong
value points.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator

import numpy as np
import tensorflow as tf

from .probes import switched_off
from .steps import answer, step
from .values import as_array, describe, describe_error

SOLVERS = ("lstsq", "solve", "inv", "pinv")


# --- 1. make_data ---------------------------------------------------------------------------
def _data(fn: Callable, n, w, b, noise, seed) -> list:
    res = fn(n, list(w), b, noise, seed)
    if isinstance(res, (tuple, list)) and len(res) == 2:
        return [describe(v) for v in res]
    raise TypeError(f"make_data returned {type(res).__name__}, expected the pair (X, y)")


@step("make_data")
def make_data(fn: Callable, n, w, b, noise, seed):
    first = _data(fn, n, w, b, noise, seed)
    again = _data(fn, n, w, b, noise, seed)
    other = _data(fn, n, w, b, noise, seed + 1)

    def same(p, q):
        a, c = as_array(p), as_array(q)
        return a is not None and c is not None and a.shape == c.shape and bool(np.array_equal(a, c))

    return {"X": first[0], "y": first[1],
            "same_again": same(first[0], again[0]) and same(first[1], again[1]),
            "other_differs": not (same(first[0], other[0]) and same(first[1], other[1]))}


# --- 2. LinearRegression --------------------------------------------------------------------
@step("LinearRegression")
def linear_regression(fn: Callable, d, X, w_new, b_new):
    try:
        model = fn(d)
    except Exception as e:  # noqa: BLE001 (the student's error is the answer judged)
        return {"stage": "create", "error": describe_error(e)}
    out: dict = {"is_module": isinstance(model, tf.Module), "type": type(model).__name__}
    before = list(model.trainable_variables) if out["is_module"] else []
    w, b = getattr(model, "w", None), getattr(model, "b", None)
    out.update(n_vars=len(before), w=describe(w), b=describe(b),
               listed=any(v is w for v in before) and any(v is b for v in before))
    if not (out["is_module"] and isinstance(w, tf.Variable) and isinstance(b, tf.Variable)):
        return out
    try:
        w.assign(np.asarray(w_new, np.float32).reshape(w.shape))
        b.assign(np.asarray(b_new, np.float32).reshape(b.shape))
    except Exception as e:  # noqa: BLE001 (a Variable of another shape: judged on the grader side)
        out.update(stage="assign", error=describe_error(e))
        return out
    try:
        out["y_hat"] = describe(model(tf.constant(X, tf.float32)))
    except Exception as e:  # noqa: BLE001 (the student's error is the answer judged)
        out.update(stage="call", error=describe_error(e))
        return out
    out["new_vars"] = sum(1 for v in model.trainable_variables if not any(v is u for u in before))
    return out


# --- 3. mse ---------------------------------------------------------------------------------
@step("mse")
def mse(fn: Callable, y, y_hat, y_shape, y_hat_shape):
    shape = {"flat": [-1], "column": [-1, 1]}
    yt = tf.reshape(tf.constant(y, tf.float32), shape[y_shape])
    yh = tf.reshape(tf.constant(y_hat, tf.float32), shape[y_hat_shape])
    with tf.GradientTape() as tape:
        tape.watch(yh)
        value = fn(yt, yh)
    try:
        grad = describe(tape.gradient(value, yh))
    except Exception as e:  # noqa: BLE001 (not a tensor: no gradient, judged on the grader side)
        grad = describe_error(e)
    return {"value": describe(value), "grad": grad}


# --- 4. train_step --------------------------------------------------------------------------
class GraderLinearModel(tf.Module):
    """The model train_step receives: w (d,) and b () float32 Variables, model(X) = X @ w + b."""

    def __init__(self, w, b):
        super().__init__()
        self.w = tf.Variable(np.asarray(w, np.float32), name="w")
        self.b = tf.Variable(np.float32(b), name="b")

    def __call__(self, X):
        return tf.linalg.matvec(X, self.w) + self.b


@step("train_step")
def train_step(fn: Callable, X, y, w0, b0, lr):
    model = GraderLinearModel(w0, b0)
    w, b = model.w, model.b
    loss = fn(model, tf.constant(X, tf.float32), tf.constant(y, tf.float32), lr)
    return {"loss": describe(loss), "w": describe(w), "b": describe(b),
            "same_w": model.w is w, "same_b": model.b is b}


# --- 5 and 6. fit, fit_with_optimizer -------------------------------------------------------
def _solvers() -> list:
    """np.linalg and tf.linalg least-squares solvers, as probes.switched_off targets."""
    return [(module, attr, f"{prefix}.{attr}")
            for module, prefix in ((np.linalg, "np.linalg"), (tf.linalg, "tf.linalg"))
            for attr in SOLVERS if hasattr(module, attr)]


@contextlib.contextmanager
def _keras_steps() -> Iterator[dict]:
    """Count the updates Keras optimizers apply (apply_gradients calls apply; a tf.function traces
    it once, so the count is at least 1 whenever an optimizer was used). No shared probe counts
    Keras updates, so this one is private to the unit; its count is the student process's word."""
    owner = next(c for c in tf.keras.optimizers.Optimizer.__mro__ if "apply" in c.__dict__)
    original = owner.__dict__["apply"]
    log = {"applied": 0}

    def counted(self, *args, **kwargs):
        log["applied"] += 1
        return original(self, *args, **kwargs)

    owner.apply = counted
    try:
        yield log
    finally:
        owner.apply = original


def _pair(res: Any) -> dict:
    """A (w, b) pair returned by the student, described; or what came back instead."""
    if isinstance(res, (tuple, list)) and len(res) == 2:
        return {"w": describe(res[0]), "b": describe(res[1])}
    return {"returned": describe(res)}


def _fit_call(fn: Callable, question: str, *args: Any, count_keras: bool = False) -> dict:
    """The student's training function on the data, solvers off; (w, b) described."""
    log = {"applied": 0}
    kept: list = []
    with contextlib.ExitStack() as stack:
        stack.enter_context(switched_off(
            _solvers(), f"is switched off while {question} runs: train by gradient descent instead "
                        "of solving the least-squares problem"))
        if count_keras:
            log = stack.enter_context(_keras_steps())
        got = answer(lambda *a: kept.append(fn(*a)), *args)
    if not kept:  # the student's function raised: its error is the answer
        if got.get("type") != "NotAllowedHere" and "switched off while" in got.get("message", ""):
            return {"kind": "error", "type": "NotAllowedHere", "message": got["message"]}
        return got
    out = _pair(kept[0])
    out["optimizer_updates"] = log["applied"]
    return out


@step("fit")
def fit(fn: Callable, X, y, lr, epochs):
    return _fit_call(fn, "fit", X, y, lr, epochs)


@step("fit_with_optimizer")
def fit_with_optimizer(fn: Callable, X, y, epochs):
    return _fit_call(fn, "fit_with_optimizer", X, y, epochs, count_keras=True)
