"""Other correct answers to exercise 10; each must earn its question's points."""

import numpy as np
import tensorflow as tf


# --- per_example_grads ---------------------------------------------------------------------
def per_example_grads__jacobian(loss_fn, w, X, y):
    """The Jacobian of the vector of N losses with respect to w: one trace, one pfor."""
    with tf.GradientTape() as tape:
        losses = loss_fn(w, X, y)              # shape (N,)
    return tape.jacobian(losses, w)


def per_example_grads__jacobian_no_pfor(loss_fn, w, X, y):
    """The same Jacobian built by a tf.while_loop (experimental_use_pfor=False, which eagerly needs a
    persistent tape): still one call of loss_fn."""
    with tf.GradientTape(persistent=True) as tape:
        losses = loss_fn(w, X, y)
    return tape.jacobian(losses, w, experimental_use_pfor=False)


@tf.function
def _vmapped(loss_fn, w, X, y):
    def one(xy):
        with tf.GradientTape() as tape:
            loss = loss_fn(w, xy[0], xy[1])
        return tape.gradient(loss, w)
    return tf.vectorized_map(one, (X, y))


def per_example_grads__vmap_in_tf_function(loss_fn, w, X, y):
    """tf.vectorized_map inside a tf.function."""
    return _vmapped(loss_fn, w, X, y)


def per_example_grads__watched_tensor(loss_fn, w, X, y):
    """vectorized_map with w read into a tensor that each example's tape watches."""
    w0 = tf.convert_to_tensor(w)

    def one(xy):
        with tf.GradientTape() as tape:
            tape.watch(w0)
            loss = loss_fn(w0, xy[0], xy[1])
        return tape.gradient(loss, w0)
    return tf.vectorized_map(one, (X, y))


# --- entropy -------------------------------------------------------------------------------
def entropy__xlogy(p):
    """tf.math.xlogy(p, p) is 0 at p = 0 and its gradient there is 0."""
    return -tf.reduce_sum(tf.math.xlogy(p, p), axis=-1)


def entropy__where_with_zeros_input(p):
    """The inner where may put 0 in the unused branch: log(0) = -inf, but the outer where's gradient
    sends nothing to p from there (TensorFlow's where gradient is where(cond, upstream, 0))."""
    mask = p > 0
    inner = tf.where(mask, p, 1.0)
    return -tf.reduce_sum(tf.where(mask, p * tf.math.log(inner), 0.0), axis=-1)


def entropy__boolean_mask_free(p):
    """The double where written with a multiplication by the mask."""
    mask = tf.cast(p > 0, p.dtype)
    safe = p * mask + (1.0 - mask)
    return -tf.reduce_sum(mask * p * tf.math.log(safe), axis=-1)


# --- scaled_gradients ----------------------------------------------------------------------
def scaled_gradients__keras_scale_loss(loss_fn, w, scale):
    """Keras's LossScaleOptimizer.scale_loss with a fixed scale, then unscale by hand."""
    import keras
    opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.1), initial_scale=scale,
                                              dynamic_growth_steps=10**6)
    with tf.GradientTape() as tape:
        scaled = opt.scale_loss(loss_fn(w))
    return tape.gradient(scaled, w) / scale


def scaled_gradients__output_gradients(loss_fn, w, scale):
    """The scale as the upstream gradient (output_gradients) instead of a multiplication."""
    with tf.GradientTape() as tape:
        loss = loss_fn(w)
    g = tape.gradient(loss, w, output_gradients=tf.constant(scale, loss.dtype))
    return g * (1.0 / scale)


def scaled_gradients__tf_function(loss_fn, w, scale):
    """The scaled step as one graph."""
    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = loss_fn(w) * scale
        return tape.gradient(loss, w) / scale
    return step()


# --- value_and_grad_fn ---------------------------------------------------------------------
def value_and_grad_fn__input_signature(f):
    """A tf.function with an input_signature of unknown length: one trace for every shape."""
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def g(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        return y, tape.gradient(y, x)
    return g


def value_and_grad_fn__wrapped(f):
    """tf.function applied to a plain function, returning a tuple."""
    def inner(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        g = tape.gradient(y, x)
        return (y, g)
    return tf.function(inner)


def value_and_grad_fn__persistent(f):
    """A persistent tape inside the graph, released at the end."""
    @tf.function
    def g(x):
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            y = f(x)
        grad = tape.gradient(y, x)
        del tape
        return y, grad
    return g


# --- swish ---------------------------------------------------------------------------------
@tf.custom_gradient
def swish__captured_sigmoid(x):
    """The gradient function uses the sigmoid computed in the forward pass: still TensorFlow ops that
    the outer tape recorded, so the second derivative is right."""
    s = tf.sigmoid(x)

    def grad(dy):
        return dy * (s + x * s * (1 - s))
    return x * s, grad


@tf.custom_gradient
def swish__nested_custom(x):
    """A gradient that has a custom gradient of its own (the second derivative written out)."""
    @tf.custom_gradient
    def first(x):
        s = tf.sigmoid(x)

        def second(ddy):
            return ddy * s * (1 - s) * (2 + x * (1 - 2 * s))
        return s + x * s * (1 - s), second

    def grad(dy):
        return dy * first(x)
    return x * tf.sigmoid(x), grad


@tf.custom_gradient
def swish__tape_in_grad(x):
    """The gradient function differentiates x·sigmoid(x) with a tape of its own."""
    def grad(dy):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x * tf.sigmoid(x)
        return tape.gradient(y, x, output_gradients=dy)
    return x * tf.sigmoid(x), grad


# --- heron_grad ----------------------------------------------------------------------------
def heron_grad__tf_range(a, n):
    """A for loop over tf.range(n): AutoGraph makes it a tf.while_loop inside a graph; eagerly it runs
    step by step under the tape."""
    with tf.GradientTape() as tape:
        tape.watch(a)
        y = tf.ones_like(a)
        for _ in tf.range(n):
            y = 0.5 * (y + a / y)
    return y, tape.gradient(y, a)


def heron_grad__forward_mode(a, n):
    """Forward mode: a ForwardAccumulator with tangent 1 for each entry (the iteration is element-wise)."""
    with tf.autodiff.ForwardAccumulator(a, tf.ones_like(a)) as acc:
        _, y = tf.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, 0.5 * (y + a / y)),
                             (tf.constant(0), tf.ones_like(a)))
    return y, acc.jvp(y)


def heron_grad__carried_derivative(a, n):
    """The derivative carried through the loop by hand, as a second loop variable."""
    def body(i, y, dy):
        return i + 1, 0.5 * (y + a / y), 0.5 * (dy + 1 / y - a * dy / y**2)
    _, y, dy = tf.while_loop(lambda i, y, dy: i < n, body, (tf.constant(0), tf.ones_like(a), tf.zeros_like(a)))
    return y, dy
