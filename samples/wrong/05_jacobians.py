"""Plausible wrong answers for exercise 05; each must lose its question's points.

A function named `<question>__<pitfall>` is a wrong answer to `<question>`; its docstring
says which mistake it makes. The sample class (autograder/sample_class.py) pastes these
into real submissions, and tests/ check each one loses exactly its question's points.
"""

import numpy as np
import tensorflow as tf


# --- jacobian -----------------------------------------------------------------------------
def jacobian__transposed(f, x):
    """Transposes tape.jacobian's result, as if it were (source, target): Jᵀ, shape (n, m)."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tf.transpose(tape.jacobian(y, x))


def jacobian__summed_target(f, x):
    """The Jacobian of tf.reduce_sum(f(x)) is the gradient of the sum, 1ᵀJ, not the m×n matrix."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(f(x))
    return tape.jacobian(y, x)


def jacobian__unwatched(f, x):
    """Forgets tape.watch(x): x is a tf.constant, so tape.jacobian returns None."""
    with tf.GradientTape() as tape:
        y = f(x)
    return tape.jacobian(y, x)


def jacobian__elementwise_diagonal(f, x):
    """Takes tape.gradient of the vector target for the element-wise derivative and puts it on a
    diagonal, as the seed post's [2, 4, 6] suggests: diag(1ᵀJ), (n, n), right only for a diagonal J."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tf.linalg.diag(tape.gradient(y, x))


def jacobian__one_call_per_row(f, x):
    """Right values, but records f once per output (m calls of f): tape.jacobian needs one."""
    m = f(x).shape[0]
    rows = []
    for i in range(m):
        with tf.GradientTape() as tape:
            tape.watch(x)
            yi = f(x)[i]
        rows.append(tape.gradient(yi, x))
    return tf.stack(rows)


def jacobian__float64(f, x):
    """Casts x to float64 first: the values are right, but the Jacobian comes back float64."""
    x64 = tf.cast(x, tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x64)
        y = f(x64)
    return tape.jacobian(y, x64)


# --- vjp ----------------------------------------------------------------------------------
def vjp__ignores_u(f, x, u):
    """tape.gradient of the vector target without output_gradients: 1ᵀJ, whatever u is."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x)


def vjp__through_jacobian(f, x, u):
    """Builds the whole Jacobian and multiplies: uᵀJ without output_gradients (and m backward passes)."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    J = tape.jacobian(y, x)
    return tf.linalg.matvec(J, u, transpose_a=True)


def vjp__hardcoded(f, x, u):
    """Returns the lecture's first value, 1ᵀJ of the running sum at [1, 2, 3]: [6, 8, 6]."""
    return tf.constant([6.0, 8.0, 6.0])


def vjp__row_by_row(f, x, u):
    """Sums u_i times row i, one tape.gradient per row (m backward passes) instead of one VJP."""
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = f(x)
    m = y.shape[0]
    rows = [u[i] * tape.gradient(y, x, output_gradients=tf.one_hot(i, m)) for i in range(m)]
    del tape
    return tf.add_n(rows)


def vjp__unwatched(f, x, u):
    """Forgets tape.watch(x): x is a tf.constant, so tape.gradient returns None."""
    with tf.GradientTape() as tape:
        y = f(x)
    return tape.gradient(y, x, output_gradients=u)


# --- jvp ----------------------------------------------------------------------------------
def jvp__ones_tangent(f, x, v):
    """Forward mode with tangents=tf.ones_like(x): J·1, the row sums, whatever v is."""
    with tf.autodiff.ForwardAccumulator(primals=x, tangents=tf.ones_like(x)) as acc:
        y = f(x)
    return acc.jvp(y)


def jvp__reverse_mode(f, x, v):
    """Reverse mode with a tape (uᵀJ) where forward mode (Jv) is asked for."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x, output_gradients=tf.ones_like(y))


def jvp__outside_accumulator(f, x, v):
    """Computes f(x) before entering the accumulator, so acc.jvp(y) has nothing recorded: None."""
    y = f(x)
    with tf.autodiff.ForwardAccumulator(primals=x, tangents=v) as acc:
        pass
    return acc.jvp(y)


def jvp__unit_direction(f, x, v):
    """Normalises v first, as for a directional derivative along a unit vector: Jv/|v|."""
    with tf.autodiff.ForwardAccumulator(primals=x, tangents=v / tf.norm(v)) as acc:
        y = f(x)
    return acc.jvp(y)


def jvp__columns_then_matvec(f, x, v):
    """Builds J column by column (n passes of f) and multiplies by v, instead of one pass."""
    n = x.shape[0]
    columns = []
    for j in range(n):
        with tf.autodiff.ForwardAccumulator(x, tf.one_hot(j, n)) as acc:
            y = f(x)
        columns.append(acc.jvp(y))
    return tf.linalg.matvec(tf.stack(columns, axis=1), v)


# --- jacobian_by_columns ------------------------------------------------------------------
def jacobian_by_columns__stacked_as_rows(f, x):
    """Forward mode done right, but the columns stacked along axis 0: Jᵀ."""
    n = x.shape[0]
    columns = []
    for j in range(n):
        with tf.autodiff.ForwardAccumulator(x, tf.one_hot(j, n)) as acc:
            y = f(x)
        columns.append(acc.jvp(y))
    return tf.stack(columns)


def jacobian_by_columns__output_count(f, x):
    """Loops over the m outputs (the reverse-mode count) instead of the n inputs: m passes, m columns."""
    n, m = x.shape[0], f(x).shape[0]
    columns = []
    for j in range(m):
        with tf.autodiff.ForwardAccumulator(x, tf.one_hot(j, n)) as acc:
            y = f(x)
        columns.append(acc.jvp(y))
    return tf.stack(columns, axis=1)


def jacobian_by_columns__tape_jacobian(f, x):
    """Uses tape.jacobian (reverse mode, vectorised) instead of one forward pass per column."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.jacobian(y, x)


def jacobian_by_columns__concat(f, x):
    """tf.concat instead of tf.stack: the n columns end up one flat vector of m·n numbers."""
    n = x.shape[0]
    columns = []
    for j in range(n):
        with tf.autodiff.ForwardAccumulator(x, tf.one_hot(j, n)) as acc:
            y = f(x)
        columns.append(acc.jvp(y))
    return tf.concat(columns, axis=0)


def jacobian_by_columns__one_pass(f, x):
    """One accumulator with tangents=tf.ones(n), then the result spread over n columns: J·1 in every column."""
    n = x.shape[0]
    with tf.autodiff.ForwardAccumulator(x, tf.ones(n)) as acc:
        y = f(x)
    return tf.stack([acc.jvp(y)] * n, axis=1)


# --- jacobian_by_rows ---------------------------------------------------------------------
def jacobian_by_rows__stacked_as_columns(f, x):
    """Reverse mode done right, but the rows stacked along axis 1: Jᵀ."""
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = f(x)
    m = y.shape[0]
    rows = [tape.gradient(y, x, output_gradients=tf.one_hot(i, m)) for i in range(m)]
    del tape
    return tf.stack(rows, axis=1)


def jacobian_by_rows__no_output_gradients(f, x):
    """One tape.gradient per row but no output_gradients: every row is the column sums 1ᵀJ."""
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = f(x)
    rows = [tape.gradient(y, x) for _ in range(y.shape[0])]
    del tape
    return tf.stack(rows)


def jacobian_by_rows__tape_jacobian(f, x):
    """Lets tape.jacobian do the m backward passes instead of one VJP per row."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.jacobian(y, x)


def jacobian_by_rows__input_count(f, x):
    """Loops over the n inputs (the forward-mode count) instead of the m outputs: n backward passes."""
    n = x.shape[0]
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = f(x)
    m = y.shape[0]
    rows = [tape.gradient(y, x, output_gradients=tf.one_hot(i, m)) for i in range(n)]
    del tape
    return tf.stack(rows)


def jacobian_by_rows__forward_mode(f, x):
    """Forward mode (ForwardAccumulator, one pass per column) where reverse mode, row by row, is asked."""
    n = x.shape[0]
    columns = []
    for j in range(n):
        with tf.autodiff.ForwardAccumulator(x, tf.one_hot(j, n)) as acc:
            y = f(x)
        columns.append(acc.jvp(y))
    return tf.stack(columns, axis=1)


# --- per_example_input_grads --------------------------------------------------------------
def per_example_input_grads__swapped_axes(model, X):
    """Transposes batch_jacobian's blocks to (batch, ins, outs), as if it put ins before outs."""
    with tf.GradientTape() as tape:
        tape.watch(X)
        Y = model(X)
    return tf.transpose(tape.batch_jacobian(Y, X), [0, 2, 1])


def per_example_input_grads__full_jacobian(model, X):
    """The full tape.jacobian(Y, X), shape (batch, outs, batch, ins), instead of the per-example blocks."""
    with tf.GradientTape() as tape:
        tape.watch(X)
        Y = model(X)
    return tape.jacobian(Y, X)


def per_example_input_grads__training_mode(model, X):
    """Calls the model with training=True: BatchNormalization mixes the examples."""
    with tf.GradientTape() as tape:
        tape.watch(X)
        Y = model(X, training=True)
    return tape.batch_jacobian(Y, X)


def per_example_input_grads__input_gradient(model, X):
    """tape.gradient(Y, X): the outputs summed, shape (batch, ins), not one Jacobian per example."""
    with tf.GradientTape() as tape:
        tape.watch(X)
        Y = model(X)
    return tape.gradient(Y, X)


def per_example_input_grads__one_call_per_example(model, X):
    """Right values, but calls the model once per example (batch calls) instead of once on the batch."""
    blocks = []
    for b in range(X.shape[0]):
        xb = X[b:b + 1]
        with tf.GradientTape() as tape:
            tape.watch(xb)
            yb = model(xb)
        blocks.append(tape.jacobian(yb, xb)[0, :, 0, :])
    return tf.stack(blocks)


# --- jacobian_shape -----------------------------------------------------------------------
def jacobian_shape__batch_last(target_shape, source_shape, batch):
    """Puts batch_jacobian's batch axis last, (outs, ins, batch), and never raises."""
    if not batch:
        return tuple(target_shape) + tuple(source_shape)
    return tuple(target_shape[1:]) + tuple(source_shape[1:]) + (target_shape[0],)


def jacobian_shape__no_error(target_shape, source_shape, batch):
    """The right rule, but batch_jacobian with different first dimensions returns a shape instead of raising."""
    if not batch:
        return tuple(target_shape) + tuple(source_shape)
    return tuple(target_shape) + tuple(source_shape[1:])


def jacobian_shape__hardcoded(target_shape, source_shape, batch):
    """Returns the lecture's batch_jacobian(Y, X) shape, (4, 2, 3), for every call."""
    return (4, 2, 3)


def jacobian_shape__source_first(target_shape, source_shape, batch):
    """Puts the source's axes before the target's (source + target), like a gradient's layout."""
    target_shape, source_shape = tuple(target_shape), tuple(source_shape)
    if not batch:
        return source_shape + target_shape
    if target_shape[0] != source_shape[0]:
        raise ValueError("first dimensions differ")
    return source_shape + target_shape[1:]


def jacobian_shape__batch_axis_twice(target_shape, source_shape, batch):
    """batch_jacobian keeping the batch axis of both: target + source, the full Jacobian's shape."""
    target_shape, source_shape = tuple(target_shape), tuple(source_shape)
    if batch and target_shape[0] != source_shape[0]:
        raise ValueError("first dimensions differ")
    return target_shape + source_shape


__all__ = [name for name in dir() if "__" in name.strip("_")]
_unused = np  # NumPy is available to answers, as in the exercise's setup cell
