"""Plausible wrong answers for exercise 05; each must lose its question's points.

A function named `<question>__<pitfall>` is a wrong answer to `<question>`; its docstring
says which mistake it makes. The sample class (autograder/sample_class.py) pastes these
into real submissions, and tests/ check each one loses exactly its question's points.
"""

import numpy as np
import tensorflow as tf


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


def vjp__through_jacobian(f, x, u):
    """Builds the whole Jacobian and multiplies: uᵀJ without output_gradients (and m backward passes)."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    J = tape.jacobian(y, x)
    return tf.linalg.matvec(J, u, transpose_a=True)


def vjp__ignores_u(f, x, u):
    """tape.gradient of the vector target without output_gradients: 1ᵀJ, whatever u is."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x)


def vjp__hardcoded(f, x, u):
    """Returns the lecture's first value, 1ᵀJ of the running sum at [1, 2, 3]: [6, 8, 6]."""
    return tf.constant([6.0, 8.0, 6.0])


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


def jacobian_by_columns__stacked_as_rows(f, x):
    """Forward mode done right, but the columns stacked along axis 0: Jᵀ."""
    n = x.shape[0]
    columns = []
    for j in range(n):
        with tf.autodiff.ForwardAccumulator(x, tf.one_hot(j, n)) as acc:
            y = f(x)
        columns.append(acc.jvp(y))
    return tf.stack(columns)


def jacobian_by_columns__tape_jacobian(f, x):
    """Uses tape.jacobian (reverse mode, vectorised) instead of one forward pass per column."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.jacobian(y, x)


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


__all__ = [name for name in dir() if "__" in name.strip("_")]
_unused = np  # NumPy is available to answers, as in the exercise's setup cell
