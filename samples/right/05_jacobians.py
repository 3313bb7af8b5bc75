"""Other correct answers to exercise 05; each must earn its question's points for every student.

A function named `<question>__<variant>` is a correct answer to `<question>` written another
way than the solution (another API the lecture teaches, tf.function, another loop); its
docstring says how.
"""

import numpy as np
import tensorflow as tf


# --- jacobian -----------------------------------------------------------------------------
def jacobian__rows_on_one_tape(f, x):
    """One call of f on a persistent tape, then row i as the VJP with the one-hot e_i."""
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = f(x)
    m = y.shape[0]
    rows = [tape.gradient(y, x, output_gradients=tf.one_hot(i, m)) for i in range(m)]
    del tape
    return tf.stack(rows)


def jacobian__unstacked_outputs(f, x):
    """One call of f; the outputs unstacked inside the tape and differentiated one by one."""
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        outputs = tf.unstack(f(x))
    J = tf.stack([tape.gradient(y_i, x) for y_i in outputs])
    del tape
    return J


# --- vjp ----------------------------------------------------------------------------------
def vjp__weighted_sum(f, x, u):
    """The gradient of the scalar u·f(x): the same uᵀJ, one backward pass."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
        s = tf.reduce_sum(u * y)
    return tape.gradient(s, x)


def vjp__tf_function(f, x, u):
    """The solution under tf.function."""
    @tf.function
    def compiled(x, u):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        return tape.gradient(y, x, output_gradients=u)

    return compiled(x, u)


# --- jvp ----------------------------------------------------------------------------------
def jvp__positional(f, x, v):
    """ForwardAccumulator with positional arguments, and unconnected outputs as zeros."""
    with tf.autodiff.ForwardAccumulator(x, v) as acc:
        y = f(x)
    return acc.jvp(y, unconnected_gradients=tf.UnconnectedGradients.ZERO)


# --- jacobian_by_columns ------------------------------------------------------------------
def jacobian_by_columns__rows_transposed(f, x):
    """The columns stacked as rows, then transposed back: the same J."""
    n = x.shape[0]
    columns = []
    for j in range(n):
        with tf.autodiff.ForwardAccumulator(x, tf.one_hot(j, n)) as acc:
            y = f(x)
        columns.append(acc.jvp(y))
    return tf.transpose(tf.stack(columns))


def jacobian_by_columns__eye_tangents(f, x):
    """Tangents taken from the rows of tf.eye(n) (e_j), the Jacobian filled in a TensorArray."""
    n = x.shape[0]
    basis = tf.eye(n, dtype=x.dtype)
    columns = tf.TensorArray(x.dtype, size=n)
    for j in range(n):
        with tf.autodiff.ForwardAccumulator(primals=x, tangents=basis[j]) as acc:
            y = f(x)
        columns = columns.write(j, acc.jvp(y))
    return tf.transpose(columns.stack())


# --- jacobian_by_rows ---------------------------------------------------------------------
def jacobian_by_rows__learn_m_first(f, x):
    """Learns m from one call of f, then one tape and one backward pass per row (the lecture's loop)."""
    m = f(x).shape[0]
    rows = []
    for i in range(m):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        rows.append(tape.gradient(y, x, output_gradients=tf.one_hot(i, m)))
    return tf.stack(rows, axis=0)


def jacobian_by_rows__unstacked_outputs(f, x):
    """One call of f on a persistent tape; row i as the gradient of output i, unstacked inside the tape."""
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        outputs = tf.unstack(f(x))
    rows = [tape.gradient(y_i, x) for y_i in outputs]
    del tape
    return tf.stack(rows)


# --- per_example_input_grads --------------------------------------------------------------
def per_example_input_grads__inference_flag(model, X):
    """The model called with training=False explicitly."""
    with tf.GradientTape() as tape:
        tape.watch(X)
        Y = model(X, training=False)
    return tape.batch_jacobian(Y, X)


def per_example_input_grads__diagonal_blocks(model, X):
    """The full Jacobian of one call, then its diagonal blocks [b, :, b, :], as the lecture's `compare`."""
    with tf.GradientTape() as tape:
        tape.watch(X)
        Y = model(X)
    full = tape.jacobian(Y, X)
    return tf.stack([full[b, :, b, :] for b in range(X.shape[0])])


# --- jacobian_shape -----------------------------------------------------------------------
def jacobian_shape__unpacking(target_shape, source_shape, batch):
    """Star-unpacking; batch_jacobian keeps the batch axis once."""
    if not batch:
        return (*target_shape, *source_shape)
    batch_t, *rest_t = target_shape
    batch_s, *rest_s = source_shape
    if batch_t != batch_s:
        raise ValueError("batch_jacobian needs the same first dimension")
    return (batch_t, *rest_t, *rest_s)


def jacobian_shape__tensorshape(target_shape, source_shape, batch):
    """Builds a tf.TensorShape with concatenate (no TensorFlow op is run)."""
    t, s = tf.TensorShape(target_shape), tf.TensorShape(source_shape)
    if not batch:
        return tuple(t.concatenate(s).as_list())
    if t[0] != s[0]:
        raise ValueError("first dimensions differ")
    return tuple(t.concatenate(s[1:]).as_list())


__all__ = [name for name in dir() if "__" in name.strip("_")]
_unused = np
