"""Other correct answers to exercise 04; each must earn its question's points for every student.

A function named `<question>__<variant>` is a correct answer to `<question>` written another
way than the solution; its docstring says how. tests/ and benchmarks/separation.py check that
each one passes every case for every student.
"""

import numpy as np
import tensorflow as tf


def train_steps__tf_function_step(f, w, lr, steps):
    """The step under @tf.function (traced once, run `steps` times): f is still evaluated per step."""
    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = f(w)
        w.assign_sub(lr * tape.gradient(loss, w))

    for _ in range(steps):
        step()
    return w


def train_steps__assign(f, w, lr, steps):
    """w.assign(w - lr * g): also in place."""
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = f(w)
        g = tape.gradient(loss, w)
        w.assign(w - lr * g)
    return w


def sigmoid_grad__tf_sigmoid(f, w):
    """tf.sigmoid instead of writing 1 / (1 + tf.exp(-w))."""
    with tf.GradientTape() as tape:
        loss = f(tf.sigmoid(w))
    return tape.gradient(loss, w)


def sigmoid_grad__math_exp(f, w):
    """tf.math.exp and explicit tf.ones_like: the same ops under other names."""
    with tf.GradientTape() as tape:
        p = tf.ones_like(w) / (tf.ones_like(w) + tf.math.exp(tf.negative(w)))
        loss = f(p)
    return tape.gradient(loss, w)


def mse_grad__numpy_labels(model, w, labels):
    """The labels go through NumPy: harmless, they are not on the path from w."""
    y = tf.constant(labels.numpy().astype(np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(w) - y))
    return tape.gradient(loss, w)


def mse_grad__float64_path(model, w, labels):
    """Casts the predictions to float64 (a float cast keeps the gradient) and the labels too."""
    with tf.GradientTape() as tape:
        pred = tf.cast(model(w), tf.float64)
        loss = tf.reduce_mean((pred - tf.cast(labels, tf.float64)) ** 2)
    return tape.gradient(loss, w)


def batch_grad__whole_batch(f, w, batch):
    """One call of f on the whole batch: f sums, so f(w * batch) / k is the mean loss."""
    with tf.GradientTape() as tape:
        loss = f(w * batch) / batch.shape[0]
    return tape.gradient(loss, w)


def batch_grad__mean_of_gradients(f, w, batch):
    """One tape per example, then the mean of the gradients (the gradient of a mean)."""
    grads = []
    for x in batch:
        with tf.GradientTape() as tape:
            loss = f(w * x)
        grads.append(tape.gradient(loss, w))
    return tf.reduce_mean(tf.stack(grads), axis=0)


def input_grad__variable_copy(f, w, x):
    """A Variable made from x is watched without tape.watch; its gradient is the one for x."""
    xv = tf.Variable(x)
    with tf.GradientTape() as tape:
        loss = f(w * xv)
    return tape.gradient(loss, xv)


def input_grad__watch_only_x(f, w, x):
    """watch_accessed_variables=False and watch(x): the tape watches x alone."""
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(x)
        loss = f(w * x)
    return tape.gradient(loss, x)


def grads_or_zeros__zeros_like(loss_fn, variables):
    """Default gradients, then tf.zeros_like(v) in place of each None."""
    with tf.GradientTape() as tape:
        loss = loss_fn()
    grads = tape.gradient(loss, variables)
    return [tf.zeros_like(v) if g is None else g for g, v in zip(grads, variables)]


def grads_or_zeros__persistent(loss_fn, variables):
    """One persistent tape asked once per Variable (loss_fn still called once)."""
    with tf.GradientTape(persistent=True) as tape:
        loss = loss_fn()
    grads = [tape.gradient(loss, v, unconnected_gradients=tf.UnconnectedGradients.ZERO)
             for v in variables]
    del tape
    return grads


def dense_grad__segment_sum(g, shape):
    """Sums the rows of IndexedSlices by index with tf.math.unsorted_segment_sum."""
    if g is None:
        return tf.zeros(shape)
    if isinstance(g, tf.IndexedSlices):
        return tf.math.unsorted_segment_sum(g.values, g.indices, shape[0])
    return g


def dense_grad__scatter_nd(g, shape):
    """tf.scatter_nd adds up the rows of a repeated index."""
    if g is None:
        return tf.zeros(shape, tf.float32)
    if isinstance(g, tf.IndexedSlices):
        return tf.scatter_nd(tf.expand_dims(g.indices, 1), g.values, shape)
    return tf.convert_to_tensor(g)


def round_ste__stop_gradient(x):
    """x + stop_gradient(round(x) - x): the value of round(x), the gradient of x."""
    return x + tf.stop_gradient(tf.round(x) - x)


def log1pexp__where_stable(x):
    """A custom gradient whose backward pass is upstream / (1 + e^-x): e^1000 = inf gives 0."""
    @tf.custom_gradient
    def stable(x):
        value = tf.where(x > 0, x + tf.math.log1p(tf.exp(-tf.abs(x))), tf.math.log1p(tf.exp(-tf.abs(x))))

        def grad(upstream):
            return upstream / (1 + tf.exp(-x))

        return value, grad

    return stable(x)


__all__ = [name for name in dir() if "__" in name.strip("_")]
