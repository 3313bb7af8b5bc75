"""Plausible wrong answers for exercise 06; each must lose its question's points.

A function named `<question>__<pitfall>` is a wrong answer to `<question>`; its docstring
says which mistake it makes. The sample class (autograder/sample_class.py) pastes these
into real submissions, and tests/ check each one loses exactly its question's points.
"""

import numpy as np
import tensorflow as tf


def second_derivative__inner_outside(f, x):
    """The inner gradient is computed after the outer tape's block: the outer tape saw nothing (None)."""
    x = tf.Variable(float(x))
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = f(x)
    dy_dx = inner.gradient(y, x)
    return outer.gradient(dy_dx, x)


def second_derivative__outer_unwatched(f, x):
    """A constant watched by the inner tape only: the outer tape records nothing (None)."""
    x = tf.constant(float(x))
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        dy_dx = inner.gradient(y, x)
    return outer.gradient(dy_dx, x)


def second_derivative__hardcoded(f, x):
    """Returns the lecture's f''(3) = 18 for f(x) = x**3."""
    return 18.0


def hessian__inner_outside(f, x):
    """The inner gradient is computed after the outer tape's block: the Jacobian is None."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
    grad = inner.gradient(y, x)
    return outer.jacobian(grad, x)


def hessian__summed_list(f, x):
    """outer.gradient(grad, x) differentiates the sum of the gradient: the row sums (seed's [2, 4])."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        grad = inner.gradient(y, x)
    return outer.gradient(grad, x)


def hessian__rows_not_persistent(f, x):
    """Row by row from a non-persistent outer tape: the second request raises RuntimeError."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        grad = inner.gradient(y, x)
        rows = tf.unstack(grad)
    return tf.stack([outer.gradient(row, x) for row in rows])


def hvp__full_hessian(f, x, v):
    """Forms the full n×n Hessian with tape.jacobian, then multiplies: 34 s and 6.3 GB at n = 10,000."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        grad = inner.gradient(y, x)
    hess = outer.jacobian(grad, x)
    return tf.linalg.matvec(hess, v)


def hvp__no_output_gradients(f, x, v):
    """Multiplies by v after outer.gradient summed the gradient's entries: (H·1)·v, not Hv."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        grad = inner.gradient(y, x)
    return outer.gradient(grad, x) * v


def newton_step__wrong_sign(f, x):
    """Adds the Newton step instead of subtracting it: x + H⁻¹g goes uphill."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x)
    hess = outer.jacobian(g, x)
    return x + tf.linalg.solve(hess, g[:, None])[:, 0]


def newton_step__gradient_step(f, x):
    """A gradient-descent step x − 0.1·g: no curvature, so it does not land on the minimiser."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return x - 0.1 * tape.gradient(y, x)


def newton_step__hardcoded(f, x):
    """Returns the lecture's minimiser (1, -2) whatever f is."""
    return np.array([1.0, -2.0])


def taylor2__no_half(f, x, dx):
    """Forgets the ½ of the second-order term: the error shrinks like |dx|², not |dx|³."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x)
    hess = outer.jacobian(g, x)
    return y + tf.tensordot(g, dx, 1) + tf.tensordot(dx, tf.linalg.matvec(hess, dx), 1)


def taylor2__diagonal_only(f, x, dx):
    """Uses only the diagonal of H (the mixed partials forgotten), as in the lecture's slope-2 line."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x)
    hess = outer.jacobian(g, x)
    return y + tf.tensordot(g, dx, 1) + 0.5 * tf.reduce_sum(tf.linalg.diag_part(hess) * dx**2)


__all__ = [name for name in dir() if "__" in name.strip("_")]
