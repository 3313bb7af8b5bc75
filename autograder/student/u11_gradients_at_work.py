"""Unit 11, Gradients at work: the steps that call the student's functions.

Each case arrives as plain data: the weights of a small Keras model (a list of Dense layers,
each with its kernel, bias and activation), an input and a few numbers. The step builds the
Keras model here, sets the weights the grader chose, calls the student's function and describes
what came back, with the evidence the checks read: whether the model's variables were changed,
the gradient of a returned penalty with respect to the critic's weights (double backprop), and
how often the ODE's u was evaluated (probes.recorded: the student process's word, like the tape
log). No reference, judge or case generator is here.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import tensorflow as tf

from .probes import recorded, watching_tapes
from .steps import answer, step
from .values import describe, describe_error


def build_model(spec: dict) -> tf.keras.Model:
    """A Keras Sequential model: Input(spec["input"]), Flatten if the input is an image, then one
    Dense layer per entry of spec["layers"], with the kernel, bias and activation given there."""
    shape = tuple(int(s) for s in spec["input"])
    layers: list = [tf.keras.Input(shape=shape)]
    if len(shape) > 1:
        layers.append(tf.keras.layers.Flatten())
    dense = [tf.keras.layers.Dense(len(layer["b"]), activation=layer["act"]) for layer in spec["layers"]]
    model = tf.keras.Sequential(layers + dense)
    for d, layer in zip(dense, spec["layers"]):
        d.set_weights([np.asarray(layer["W"], np.float32), np.asarray(layer["b"], np.float32)])
    return model


def _weights(model: tf.keras.Model) -> list[np.ndarray]:
    return [np.array(v.numpy()) for v in model.trainable_variables]


def _unchanged(before: list[np.ndarray], model: tf.keras.Model) -> bool:
    after = _weights(model)
    return len(after) == len(before) and all(np.array_equal(a, b) for a, b in zip(after, before))


# --- 1. gauss_newton_step ----------------------------------------------------------------------
@step("gauss_newton_step")
def gauss_newton_step(fn: Callable, spec, X, y, damping):
    model = build_model(spec)
    before = _weights(model)
    with watching_tapes() as tapes:
        value = answer(fn, model, tf.constant(X, tf.float32), tf.constant(y, tf.float32), damping)
    return {"value": value, "unchanged": _unchanged(before, model), "tapes": tapes}


# --- 2 and 3. saliency, fgsm -------------------------------------------------------------------
@step("saliency")
def saliency(fn: Callable, spec, x, label):
    model = build_model(spec)
    before = _weights(model)
    value = answer(fn, model, tf.constant(x, tf.float32), int(label))
    return {"value": value, "unchanged": _unchanged(before, model)}


@step("fgsm")
def fgsm(fn: Callable, spec, x, label, eps):
    model = build_model(spec)
    before = _weights(model)
    value = answer(fn, model, tf.constant(x, tf.float32), int(label), float(eps))
    return {"value": value, "unchanged": _unchanged(before, model)}


# --- 4. gradient_penalty -----------------------------------------------------------------------
@step("gradient_penalty")
def gradient_penalty(fn: Callable, spec, x):
    """The penalty, and its gradient with respect to the critic's weights taken by an outer tape
    around the student's call (what training a critic with this penalty needs)."""
    critic = build_model(spec)
    xt = tf.constant(x, tf.float32)
    try:
        with tf.GradientTape() as outer:  # the critic's variables are watched as they are read
            gp = fn(critic, xt)
    except Exception as e:  # noqa: BLE001 - the student's error is the answer judged
        return {"value": describe_error(e), "grads": None}
    value = describe(gp)
    try:  # the last bias never reaches an input gradient: its None is a zero, as for any unconnected weight
        variables = critic.trainable_variables
        grads = outer.gradient(gp, variables)
        flat = tf.concat([tf.zeros([int(np.prod(v.shape))]) if g is None else
                          tf.reshape(tf.cast(tf.convert_to_tensor(g), tf.float32), [-1])
                          for g, v in zip(grads, variables)], axis=0)
    except Exception as e:  # noqa: BLE001 - not a tensor, or not float: judged on the grader side
        return {"value": value, "grads": describe_error(e)}
    return {"value": value, "grads": describe(flat)}


# --- 5. ode_residual ---------------------------------------------------------------------------
def u_tf(terms: list[dict]) -> Callable:
    """u(t) for t of shape (N, 1): a sum of terms built with TensorFlow ops (dtype of t)."""
    def u(t: Any) -> Any:
        t = tf.convert_to_tensor(t)
        out = tf.zeros_like(t)
        for term in terms:
            k, c = term["kind"], tf.cast(term.get("c", 0.0), t.dtype)
            if k == "sin":
                out = out + c * tf.sin(term["w"] * t + term["phi"])
            elif k == "pow":
                out = out + c * t ** term["p"]
            elif k == "exp":
                out = out + c * tf.exp(term["r"] * t)
            elif k == "mlp":
                w1 = tf.constant([term["w1"]], t.dtype)
                b1 = tf.constant(term["b1"], t.dtype)
                w2 = tf.constant(np.reshape(term["w2"], (-1, 1)), t.dtype)
                out = out + tf.tanh(t @ w1 + b1) @ w2 + tf.cast(term["b2"], t.dtype)
        return out
    return u


@step("ode_residual")
def ode_residual(fn: Callable, terms, t):
    u, calls = recorded(u_tf(terms), "u_model")
    with watching_tapes() as tapes:
        value = answer(fn, u, tf.constant(np.reshape(t, (-1, 1)), tf.float32))
    return {"value": value, "calls": calls, "tapes": tapes}
