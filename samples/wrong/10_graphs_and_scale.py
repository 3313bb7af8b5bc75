"""Plausible wrong answers for exercise 10; each must lose its question's points.

A function named `<question>__<pitfall>` is a wrong answer to `<question>`; its docstring
says which mistake it makes. The sample class (autograder/sample_class.py) pastes these
into real submissions, and tests/ check each one loses exactly its question's points.
"""

import numpy as np
import tensorflow as tf


# --- per_example_grads ---------------------------------------------------------------------
def per_example_grads__python_loop(loss_fn, w, X, y):
    """The right numbers from a Python loop over the examples: N tapes, N calls of loss_fn."""
    rows = []
    for b in range(X.shape[0]):
        with tf.GradientTape() as tape:
            loss = loss_fn(w, X[b], y[b])
        rows.append(tape.gradient(loss, w))
    return tf.stack(rows)


def per_example_grads__map_fn(loss_fn, w, X, y):
    """tf.map_fn run eagerly calls its function once per example: a Python loop in disguise."""
    def one(xy):
        with tf.GradientTape() as tape:
            loss = loss_fn(w, xy[0], xy[1])
        return tape.gradient(loss, w)
    return tf.map_fn(one, (X, y), fn_output_signature=tf.float32)


def per_example_grads__summed(loss_fn, w, X, y):
    """tape.gradient of the loss vector: the tape sums the batch, one (d,) gradient for all examples."""
    with tf.GradientTape() as tape:
        losses = loss_fn(w, X, y)
    return tape.gradient(losses, w)


def per_example_grads__mean_jacobian(loss_fn, w, X, y):
    """The Jacobian of the per-example losses divided by N (the mean loss's terms): every row 1/N too small."""
    with tf.GradientTape() as tape:
        losses = loss_fn(w, X, y) / tf.cast(tf.shape(X)[0], tf.float32)
    return tape.jacobian(losses, w)


def per_example_grads__tiled_mean(loss_fn, w, X, y):
    """The gradient of the mean loss repeated on every row: per-example differences lost."""
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(loss_fn(w, X, y))
    g = tape.gradient(loss, w)
    return tf.tile(g[None, :], [tf.shape(X)[0], 1])


def per_example_grads__wrt_inputs(loss_fn, w, X, y):
    """Per-example gradients with respect to the inputs X (batch_jacobian's habit), not the parameters w."""
    with tf.GradientTape() as tape:
        tape.watch(X)
        losses = loss_fn(w, X, y)
    return tape.gradient(losses, X)


# --- entropy -------------------------------------------------------------------------------
def entropy__single_where(p):
    """One tf.where: the value is right, but the gradient at p = 0 is 0 * (-inf) = NaN."""
    return -tf.reduce_sum(tf.where(p > 0, p * tf.math.log(p), 0.0), axis=-1)


def entropy__multiply_no_nan(p):
    """tf.math.multiply_no_nan(log p, p): the value is 0 at p = 0, the gradient is still NaN."""
    return -tf.reduce_sum(tf.math.multiply_no_nan(tf.math.log(p), p), axis=-1)


def entropy__epsilon(p):
    """log(p + 1e-12): finite everywhere, but the gradient at p = 0 is -log(1e-12) = 27.6, not 0."""
    return -tf.reduce_sum(p * tf.math.log(p + 1e-12), axis=-1)


def entropy__clip(p):
    """log(clip(p, 1e-7, 1)): finite, but the gradient at p = 0 (and at tiny p) is wrong."""
    return -tf.reduce_sum(p * tf.math.log(tf.clip_by_value(p, 1e-7, 1.0)), axis=-1)


def entropy__no_minus(p):
    """Forgets the minus sign: Σ p log p."""
    positive = p > 0
    safe = tf.where(positive, p, 1.0)
    return tf.reduce_sum(tf.where(positive, p * tf.math.log(safe), 0.0), axis=-1)


def entropy__batch_axis(p):
    """Sums over the batch axis (axis=0) instead of the probabilities of each row."""
    positive = p > 0
    safe = tf.where(positive, p, 1.0)
    return -tf.reduce_sum(tf.where(positive, p * tf.math.log(safe), 0.0), axis=0)


def entropy__nan_value(p):
    """No mask at all: 0 * log 0 = NaN in the value."""
    return -tf.reduce_sum(p * tf.math.log(p), axis=-1)


# --- scaled_gradients ----------------------------------------------------------------------
def scaled_gradients__no_scaling(loss_fn, w, scale):
    """Forgets loss scaling: the float16 backward pass rounds the ~1e-8 gradients to 0."""
    with tf.GradientTape() as tape:
        loss = loss_fn(w)
    return tape.gradient(loss, w)


def scaled_gradients__not_unscaled(loss_fn, w, scale):
    """Scales the loss but never divides the gradient by scale: scale times too large."""
    with tf.GradientTape() as tape:
        loss = loss_fn(w) * scale
    return tape.gradient(loss, w)


def scaled_gradients__scale_after(loss_fn, w, scale):
    """Multiplies the gradient (not the loss) by scale: too late, it has already underflowed."""
    with tf.GradientTape() as tape:
        loss = loss_fn(w)
    g = tape.gradient(loss, w) * scale
    return g / scale


def scaled_gradients__unscale_float16(loss_fn, w, scale):
    """Scales the loss, then divides in float16: the unscaled gradient underflows again."""
    with tf.GradientTape() as tape:
        loss = loss_fn(w) * scale
    g = tf.cast(tape.gradient(loss, w), tf.float16)
    return g / tf.cast(scale, tf.float16)


def scaled_gradients__multiplied_twice(loss_fn, w, scale):
    """'Unscales' by multiplying again: scale² times the gradient."""
    with tf.GradientTape() as tape:
        loss = loss_fn(w) * scale
    return tape.gradient(loss, w) * scale


def scaled_gradients__divided_loss(loss_fn, w, scale):
    """Divides the loss by scale (the wrong direction) and multiplies the gradient back: underflow."""
    with tf.GradientTape() as tape:
        loss = loss_fn(w) / scale
    return tape.gradient(loss, w) * scale


# --- value_and_grad_fn ---------------------------------------------------------------------
def value_and_grad_fn__eager(f):
    """A plain Python function: right values, but no graph (f runs in Python on every call)."""
    def g(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        return y, tape.gradient(y, x)
    return g


def value_and_grad_fn__retraced_each_call(f):
    """Creates a new tf.function inside every call: it is traced again every time."""
    def g(x):
        @tf.function
        def inner(x):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = f(x)
            return y, tape.gradient(y, x)
        return inner(x)
    return g


def value_and_grad_fn__python_values(f):
    """Passes Python floats to the tf.function: every new value is a new signature, a new trace."""
    @tf.function
    def inner(*values):
        x = tf.stack(values)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        return y, tape.gradient(y, x)

    def g(x):
        return inner(*[float(v) for v in x.numpy()])
    return g


def value_and_grad_fn__no_watch(f):
    """Forgets tape.watch(x): x is a tensor, so the gradient is None."""
    @tf.function
    def g(x):
        with tf.GradientTape() as tape:
            y = f(x)
        return y, tape.gradient(y, x)
    return g


def value_and_grad_fn__tape_outside(f):
    """The tape outside a traced f: one trace, right values, but the function returned is not a
    tf.function (the gradient is computed eagerly around the graph)."""
    traced = tf.function(f)

    def g(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = traced(x)
        return y, tape.gradient(y, x)
    return g


def value_and_grad_fn__gradient_only(f):
    """Returns only the gradient, not the pair (value, gradient)."""
    @tf.function
    def g(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        return tape.gradient(y, x)
    return g


# --- swish ---------------------------------------------------------------------------------
@tf.custom_gradient
def swish__numpy_grad(x):
    """The gradient computed in NumPy: the first derivative is right, a second tape sees nothing (None)."""
    y = x * tf.sigmoid(x)

    def grad(dy):
        xv = x.numpy()
        s = 1 / (1 + np.exp(-xv))
        return dy * tf.constant(s + xv * s * (1 - s), tf.float32)
    return y, grad


@tf.custom_gradient
def swish__stop_gradient(x):
    """tf.stop_gradient around f'(x) in the gradient function: the second derivative is lost."""
    s = tf.sigmoid(x)

    def grad(dy):
        return dy * tf.stop_gradient(s + x * s * (1 - s))
    return x * s, grad


@tf.custom_gradient
def swish__no_upstream(x):
    """Returns f'(x) without multiplying by the upstream gradient dy."""
    s = tf.sigmoid(x)

    def grad(dy):
        return s + x * s * (1 - s)
    return x * s, grad


@tf.custom_gradient
def swish__sigmoid_only(x):
    """Treats sigmoid(x) as a constant factor: gradient dy * sigmoid(x) (product rule forgotten)."""
    s = tf.sigmoid(x)

    def grad(dy):
        return dy * s
    return x * s, grad


@tf.custom_gradient
def swish__wrong_second(x):
    """A nested custom gradient whose second derivative forgets a term: s(1 − s) only."""
    @tf.custom_gradient
    def first(x):
        s = tf.sigmoid(x)

        def second(ddy):
            return ddy * s * (1 - s)
        return s + x * s * (1 - s), second

    def grad(dy):
        return dy * first(x)
    return x * tf.sigmoid(x), grad


def swish__no_custom_gradient(x):
    """Plain x * sigmoid(x): right values, but the question asks for tf.custom_gradient."""
    return x * tf.sigmoid(x)


# --- heron_grad ----------------------------------------------------------------------------
def heron_grad__truncated(a, n):
    """Stops the gradient between iterations (truncated backpropagation): only the last step counts."""
    with tf.GradientTape() as tape:
        tape.watch(a)
        _, y = tf.while_loop(lambda i, y: i < n,
                             lambda i, y: (i + 1, 0.5 * (tf.stop_gradient(y) + a / tf.stop_gradient(y))),
                             (tf.constant(0), tf.ones_like(a)))
    return y, tape.gradient(y, a)


def heron_grad__limit_formula(a, n):
    """Uses the derivative of the limit, 1/(2 sqrt a), instead of differentiating the n steps."""
    _, y = tf.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, 0.5 * (y + a / y)),
                         (tf.constant(0), tf.ones_like(a)))
    return y, 0.5 / tf.sqrt(a)


def heron_grad__one_step_more(a, n):
    """Loops while i <= n: one step too many."""
    with tf.GradientTape() as tape:
        tape.watch(a)
        _, y = tf.while_loop(lambda i, y: i <= n, lambda i, y: (i + 1, 0.5 * (y + a / y)),
                             (tf.constant(0), tf.ones_like(a)))
    return y, tape.gradient(y, a)


def heron_grad__numpy_n(a, n):
    """Reads n with .numpy() to drive a Python loop: fine eagerly, impossible in a graph."""
    with tf.GradientTape() as tape:
        tape.watch(a)
        y = tf.ones_like(a)
        for _ in range(n.numpy()):
            y = 0.5 * (y + a / y)
    return y, tape.gradient(y, a)


def heron_grad__no_watch(a, n):
    """Forgets tape.watch(a): a is a tensor, the gradient is None."""
    with tf.GradientTape() as tape:
        _, y = tf.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, 0.5 * (y + a / y)),
                             (tf.constant(0), tf.ones_like(a)))
    return y, tape.gradient(y, a)
