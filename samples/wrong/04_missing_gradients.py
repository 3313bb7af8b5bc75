"""Plausible wrong answers for exercise 04; each must lose its question's points.

A function named `<question>__<pitfall>` is a wrong answer to `<question>`; its docstring
says which mistake it makes. The sample class (autograder/sample_class.py) pastes these
into real submissions, and tests/ check each one loses exactly its question's points.
"""

import numpy as np
import tensorflow as tf


def train_steps__as_given(f, w, lr, steps):
    """The broken loop unchanged: `w = w - lr * g` rebinds w, so step 2's gradient is None."""
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = f(w)
        g = tape.gradient(loss, w)
        w = w - lr * g
    return w


def train_steps__new_variable(f, w, lr, steps):
    """A new Variable each step: the values are right, but the caller's Variable never changes."""
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = f(w)
        g = tape.gradient(loss, w)
        w = tf.Variable(w - lr * g)
    return w


def sigmoid_grad__as_given(f, w):
    """The broken function unchanged: np.exp inside the tape gives a None gradient."""
    with tf.GradientTape() as tape:
        p = 1 / (1 + np.exp(-w))
        loss = f(p)
    return tape.gradient(loss, w)


def sigmoid_grad__numpy_value(f, w):
    """tf.sigmoid of w.numpy(): the tape still cannot see through the NumPy value."""
    with tf.GradientTape() as tape:
        p = tf.sigmoid(w.numpy())
        loss = f(p)
    return tape.gradient(loss, w)


def mse_grad__as_given(model, w, labels):
    """The broken function unchanged: casting the predictions to int32 gives a None gradient."""
    with tf.GradientTape() as tape:
        pred = model(w)
        err = tf.cast(pred, tf.int32) - labels
        loss = tf.reduce_mean(tf.cast(err ** 2, tf.float32))
    return tape.gradient(loss, w)


def mse_grad__hardcoded(model, w, labels):
    """Returns the first public case's gradient, 2/3 * ([0.5, 0, 2.5] - [1, 0, 2])."""
    return tf.constant([-1 / 3, 0.0, 1 / 3])


def batch_grad__as_given(f, w, batch):
    """The broken function unchanged: total.assign_add inside the tape gives a None gradient."""
    total = tf.Variable(0.0)
    with tf.GradientTape() as tape:
        for x in batch:
            total.assign_add(f(w * x))
        loss = total / len(batch)
    return tape.gradient(loss, w)


def batch_grad__assign_result(f, w, batch):
    """`total = total.assign_add(...)`: what assign_add returns is still not linked to w."""
    total = tf.Variable(0.0)
    with tf.GradientTape() as tape:
        for x in batch:
            total = total.assign_add(f(w * x))
        loss = total / len(batch)
    return tape.gradient(loss, w)


def input_grad__as_given(f, w, x):
    """The broken function unchanged: the constant x is not watched, so the gradient is None."""
    with tf.GradientTape() as tape:
        loss = f(w * x)
    return tape.gradient(loss, x)


def input_grad__grad_wrt_w(f, w, x):
    """Asks for the gradient with respect to the Variable w instead of the input x."""
    with tf.GradientTape() as tape:
        loss = f(w * x)
    return tape.gradient(loss, w)


def grads_or_zeros__default_none(loss_fn, variables):
    """The default unconnected_gradients gives None, not zeros, for an unused Variable."""
    with tf.GradientTape() as tape:
        loss = loss_fn()
    return tape.gradient(loss, variables)


def grads_or_zeros__scalar_zeros(loss_fn, variables):
    """Replaces None by the number 0.0, which does not have the Variable's shape."""
    with tf.GradientTape() as tape:
        loss = loss_fn()
    grads = tape.gradient(loss, variables)
    return [g if g is not None else tf.constant(0.0) for g in grads]


def dense_grad__convert_only(g, shape):
    """tf.convert_to_tensor(None) raises: a None gradient needs tf.zeros(shape)."""
    return tf.convert_to_tensor(g)


def dense_grad__overwrite_duplicates(g, shape):
    """Scatters the rows with an update, so a row read twice keeps only its last values."""
    if g is None:
        return tf.zeros(shape)
    if isinstance(g, tf.IndexedSlices):
        return tf.tensor_scatter_nd_update(tf.zeros(shape), tf.reshape(g.indices, (-1, 1)), g.values)
    return g


def dense_grad__values(g, shape):
    """Takes IndexedSlices.values: one row per read, not the dense gradient of the table."""
    if g is None:
        return tf.zeros(shape)
    if isinstance(g, tf.IndexedSlices):
        return g.values
    return g


def round_ste__plain_round(x):
    """Plain tf.round: the right value, but the gradient is None."""
    return tf.round(x)


def round_ste__wrong_sign(x):
    """x + stop_gradient(x - round(x)) has the value 2x - round(x), not round(x)."""
    return x + tf.stop_gradient(x - tf.round(x))


def round_ste__ignores_upstream(x):
    """A custom gradient of ones ignores the upstream gradient."""
    @tf.custom_gradient
    def rounded(x):
        def grad(upstream):
            return tf.ones_like(x)
        return tf.round(x), grad
    return rounded(x)


def log1pexp__naive(x):
    """log(1 + exp(x)): exp overflows for x > 88, giving inf and a nan gradient."""
    return tf.math.log(1 + tf.exp(x))


def log1pexp__max_abs(x):
    """max(x, 0) + log1p(exp(-|x|)): stable, but the gradient at the kink x = 0 is 1, not 0.5."""
    return tf.maximum(x, 0.0) + tf.math.log1p(tf.exp(-tf.abs(x)))


def log1pexp__softplus(x):
    """tf.nn.softplus is log1pexp under another name, which the question forbids."""
    return tf.nn.softplus(x)


__all__ = [name for name in dir() if "__" in name.strip("_")]
