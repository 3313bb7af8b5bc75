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


def train_steps__rebind_assign_result(f, w, lr, steps):
    """`w = w.assign_sub(lr * g)` keeps what assign_sub returns, which no tape watches: None at step 2."""
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = f(w)
        g = tape.gradient(loss, w)
        w = w.assign_sub(lr * g)
    return w


def train_steps__one_gradient(f, w, lr, steps):
    """One gradient, applied `steps` times: the gradient is not recomputed at the new w."""
    with tf.GradientTape() as tape:
        loss = f(w)
    g = tape.gradient(loss, w)
    for _ in range(steps):
        w.assign_sub(lr * g)
    return w


def train_steps__off_by_one(f, w, lr, steps):
    """range(1, steps): one step too few."""
    for _ in range(1, steps):
        with tf.GradientTape() as tape:
            loss = f(w)
        w.assign_sub(lr * tape.gradient(loss, w))
    return w


def train_steps__ascent(f, w, lr, steps):
    """assign_add instead of assign_sub: gradient ascent."""
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = f(w)
        w.assign_add(lr * tape.gradient(loss, w))
    return w


def train_steps__numpy_update(f, w, lr, steps):
    """Updates through NumPy: w.assign(w.numpy() - lr * g.numpy()) is right, but a new
    tf.Variable of the NumPy value each step leaves the caller's Variable unchanged."""
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = f(w)
        g = tape.gradient(loss, w)
        w = tf.Variable(w.numpy() - lr * g.numpy())
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


def sigmoid_grad__sigmoid_before_tape(f, w):
    """p = tf.sigmoid(w) computed before the tape opens: the tape never records it."""
    p = tf.sigmoid(w)
    with tf.GradientTape() as tape:
        loss = f(p)
    return tape.gradient(loss, w)


def sigmoid_grad__grad_wrt_p(f, w):
    """Watches p and returns d f / dp: the chain rule's factor p * (1 - p) is missing."""
    with tf.GradientTape() as tape:
        p = tf.sigmoid(w)
        tape.watch(p)
        loss = f(p)
    return tape.gradient(loss, p)


def sigmoid_grad__sign(f, w):
    """1 / (1 + tf.exp(w)): a sign slip in the exponent, sigmoid(-w)."""
    with tf.GradientTape() as tape:
        p = 1 / (1 + tf.exp(w))
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


def mse_grad__cast_back(model, w, labels):
    """Casts the predictions to int32 and back to float32: the int step still cuts the path."""
    with tf.GradientTape() as tape:
        pred = tf.cast(tf.cast(model(w), tf.int32), tf.float32)
        loss = tf.reduce_mean((pred - tf.cast(labels, tf.float32)) ** 2)
    return tape.gradient(loss, w)


def mse_grad__round(model, w, labels):
    """Rounds the predictions to whole numbers before comparing: tf.round has no gradient."""
    with tf.GradientTape() as tape:
        pred = tf.round(model(w))
        loss = tf.reduce_mean((pred - tf.cast(labels, tf.float32)) ** 2)
    return tape.gradient(loss, w)


def mse_grad__sum(model, w, labels):
    """tf.reduce_sum instead of the mean: n times the gradient."""
    with tf.GradientTape() as tape:
        pred = model(w)
        loss = tf.reduce_sum((pred - tf.cast(labels, tf.float32)) ** 2)
    return tape.gradient(loss, w)


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


def batch_grad__sum(f, w, batch):
    """Adds the losses up but forgets to divide by the number of examples."""
    with tf.GradientTape() as tape:
        total = 0.0
        for x in batch:
            total = total + f(w * x)
    return tape.gradient(total, w)


def batch_grad__loss_after_block(f, w, batch):
    """The mean is taken after the `with` block: the tape never records the loss."""
    with tf.GradientTape() as tape:
        total = 0.0
        for x in batch:
            total = total + f(w * x)
    loss = total / len(batch)
    return tape.gradient(loss, w)


def batch_grad__numpy_mean(f, w, batch):
    """np.mean of the losses: NumPy inside the tape, so nothing links the loss to w."""
    with tf.GradientTape() as tape:
        loss = np.mean([f(w * x) for x in batch])
    return tape.gradient(tf.constant(loss), w)


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


def input_grad__product_before_tape(f, w, x):
    """Watches x, but w * x was computed before the tape: the product is a constant to it."""
    v = w * x
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = f(v)
    return tape.gradient(loss, x)


def input_grad__grad_wrt_product(f, w, x):
    """Watches the product v = w * x and returns d f / dv: the chain rule's factor w is missing."""
    with tf.GradientTape() as tape:
        v = w * x
        tape.watch(v)
        loss = f(v)
    return tape.gradient(loss, v)


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


def grads_or_zeros__numpy_zeros(loss_fn, variables):
    """NumPy float64 zeros for an unused Variable: right values, but not a float32 tensor."""
    with tf.GradientTape() as tape:
        loss = loss_fn()
    grads = tape.gradient(loss, variables)
    return [g if g is not None else np.zeros(v.shape) for g, v in zip(grads, variables)]


def grads_or_zeros__skip_none(loss_fn, variables):
    """Skips the None gradients: the list is shorter than `variables`, out of step with it."""
    with tf.GradientTape() as tape:
        loss = loss_fn()
    return [g for g in tape.gradient(loss, variables) if g is not None]


def grads_or_zeros__tape_per_variable(loss_fn, variables):
    """A new tape (and a new call of loss_fn) per Variable, to dodge 'a tape answers once'."""
    grads = []
    for v in variables:
        with tf.GradientTape() as tape:
            loss = loss_fn()
        grads.append(tape.gradient(loss, v, unconnected_gradients=tf.UnconnectedGradients.ZERO))
    return grads


def grads_or_zeros__reused_tape(loss_fn, variables):
    """One non-persistent tape asked once per Variable: the second call raises."""
    with tf.GradientTape() as tape:
        loss = loss_fn()
    return [tape.gradient(loss, v, unconnected_gradients=tf.UnconnectedGradients.ZERO)
            for v in variables]


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
