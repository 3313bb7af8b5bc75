"""Unit 05, Vectors and Jacobians: the steps that call the student's functions.

The maps f of jacobian, vjp and jacobian_by_rows are served by the grader (probes.black_box):
their formulas are not in this process, and the grader logs each evaluation, so the call
counts the checks judge cannot be forged from here. jvp and jacobian_by_columns use forward
mode (tf.autodiff.ForwardAccumulator), which cannot see through a served black box, so their
f is built here from the case's plain terms with TensorFlow ops, and its call count is kept
here (forgeable by the student's code). The Keras model of per_example_input_grads is built
here from its plain weights too, with a pass-through layer that logs its calls (forgeable).

The steps also watch the student's tapes (probes.watching_tapes), which switches off the API a
question forbids (tape.jacobian for vjp, tf.GradientTape for forward mode) and logs backward
passes (tape.gradient calls), jacobian calls and forward-mode passes. All of that is forgeable: it names the technique in
messages and refuses a wrong one, and never turns a wrong value into points.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import tensorflow as tf

from .families import builder
from .probes import black_box, recorded, watching_tapes
from .steps import answer, step

NO_JACOBIAN = "{}: tape.jacobian and tape.batch_jacobian are disabled during this check"
NO_TAPE = "{}: tf.GradientTape is disabled during this check; forward mode is tf.autodiff.ForwardAccumulator"


@step("jacobian")
def jacobian(fn: Callable, f, x):
    return {"value": answer(fn, black_box(f), tf.constant(x, tf.float32))}


@step("vjp")
def vjp(fn: Callable, f, x, u):
    args = black_box(f), tf.constant(x, tf.float32), tf.constant(u, tf.float32)
    with watching_tapes(no_jacobian=NO_JACOBIAN.format("vjp")) as tapes:
        value = answer(fn, *args)
    return {"value": value, "backward": len(tapes["gradients"])}


@step("jacobian_by_rows")
def jacobian_by_rows(fn: Callable, f, x):
    args = black_box(f), tf.constant(x, tf.float32)
    with watching_tapes() as tapes:
        value = answer(fn, *args)
    return {"value": value, "backward": len(tapes["gradients"]), "jacobians": tapes["jacobians"],
            "accumulators": tapes["accumulators"]}


# --- forward mode: a TensorFlow-op black box (ForwardAccumulator must see through it) ---------
_ACTS = {"tanh": tf.tanh, "sin": tf.sin, "exp": tf.exp}


@builder("jacobian_family")
def family_tf(desc: dict) -> Callable:
    """The case's f: R^n -> R^m from its plain terms, computing in the dtype of its input
    (also what the grader serves as an oracle for the reverse-mode questions)."""
    m, n = desc["m"], desc["n"]

    def f(x):
        x = tf.convert_to_tensor(x)
        dt = x.dtype

        def mat(a):
            return tf.constant(a, dt)

        y = tf.zeros([m], dt)
        for t in desc["terms"]:
            k = t["kind"]
            if k == "lin":
                y = y + tf.linalg.matvec(mat(t["A"]), x)
            elif k == "sq":
                y = y + tf.linalg.matvec(mat(t["P"]), x * x)
            elif k == "act":
                z = tf.linalg.matvec(mat(t["W"]), x) + mat(t["b"])
                y = y + mat(t["c"]) * _ACTS[t["fn"]](z)
            elif k == "prod":  # c_k * x[i_k] * x[j_k], picked by one-hot rows (dense gradients)
                xi = tf.linalg.matvec(mat(np.eye(n)[t["i"]]), x)
                xj = tf.linalg.matvec(mat(np.eye(n)[t["j"]]), x)
                y = y + mat(t["c"]) * xi * xj
            elif k == "const":
                y = y + mat(t["b"])
        return y

    return f


def _forward(fn: Callable, question: str, desc: dict, *vectors: Any) -> dict:
    f, calls = recorded(family_tf(desc))
    args = [tf.constant(v, tf.float32) for v in vectors]
    with watching_tapes(no_tape=NO_TAPE.format(question)) as tapes:
        value = answer(fn, f, *args)
    return {"value": value, "calls": len(calls), "accumulators": tapes["accumulators"]}


@step("jvp")
def jvp(fn: Callable, desc, x, v):
    return _forward(fn, "jvp", desc, x, v)


@step("jacobian_by_columns")
def jacobian_by_columns(fn: Callable, desc, x):
    return _forward(fn, "jacobian_by_columns", desc, x)


# --- per_example_input_grads: a Keras model built from its plain weights -----------------------
BN_EPS = 1e-3
_COUNTER = None


def _counter_layer() -> type:
    """A pass-through Keras layer that records each call's `training` flag (the model's call count)."""
    global _COUNTER
    if _COUNTER is None:
        class CallCounter(tf.keras.layers.Layer):
            def __init__(self, record, **kwargs):
                super().__init__(**kwargs)
                self.record = record  # a function: Keras would copy a list attribute

            def call(self, inputs, training=None):
                self.record(training)
                return inputs

        _COUNTER = CallCounter
    return _COUNTER


def _keras_model(layers: list[dict], ins: int) -> tuple[Any, list]:
    """A Sequential model holding the described weights, and the log of its calls (forgeable)."""
    keras = tf.keras
    log: list = []
    built = [keras.Input((ins,)), _counter_layer()(log.append)]
    for layer in layers:
        if layer["kind"] == "dense":
            built.append(keras.layers.Dense(len(layer["b"]), activation=layer["act"]))
        else:
            built.append(keras.layers.BatchNormalization(epsilon=BN_EPS))
    model = keras.Sequential(built)
    for keras_layer, layer in zip(model.layers[1:], layers):
        if layer["kind"] == "dense":
            keras_layer.set_weights([np.asarray(layer["W"], np.float32), np.asarray(layer["b"], np.float32)])
        else:
            keras_layer.set_weights([np.asarray(layer[k], np.float32) for k in ("gamma", "beta", "mean", "var")])
    log.clear()  # building the model called every layer once, symbolically
    return model, log


@step("per_example_input_grads")
def per_example_input_grads(fn: Callable, layers, X):
    X = np.asarray(X)
    model, calls = _keras_model(layers, X.shape[1])
    value = answer(fn, model, tf.constant(X, tf.float32))
    return {"value": value, "calls": len(calls), "training": [bool(t) for t in calls]}


# --- jacobian_shape: a TensorShape answer read as a tuple -------------------------------------
@step("jacobian_shape")
def jacobian_shape(fn: Callable, target, source, batch):
    def shape(*args):
        out = fn(*args)
        if isinstance(out, tf.TensorShape) and out.rank is not None:
            out = tuple(out.as_list())
        return out

    return answer(shape, tuple(target), tuple(source), batch)
