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


def second_derivative__int_constant(f, x):
    """tf.constant(x) of an int x is int32, which no tape differentiates: None for x = 2."""
    x = tf.constant(x)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        dy_dx = inner.gradient(y, x)
    return outer.gradient(dy_dx, x)


def second_derivative__finite_differences(f, x):
    """A central difference (f(x+h) - 2f(x) + f(x-h)) / h²: three calls of f where one is allowed."""
    h = 1e-2
    x = float(x)
    return (f(tf.constant(x + h)) - 2 * f(tf.constant(x)) + f(tf.constant(x - h))) / h**2


def second_derivative__first_derivative(f, x):
    """One tape only: returns f'(x), the first derivative."""
    x = tf.constant(float(x))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x)


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


def hessian__outer_unwatched(f, x):
    """x is a tensor watched by the inner tape only: the outer tape records nothing (None)."""
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        grad = inner.gradient(y, x)
    return outer.jacobian(grad, x)


def hessian__rows_sliced_outside(f, x):
    """Rows from a persistent outer tape, but grad[i] is sliced after its block: each row is None."""
    with tf.GradientTape(persistent=True) as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        grad = inner.gradient(y, x)
    rows = [outer.gradient(grad[i], x) for i in range(x.shape[0])]
    del outer
    return tf.stack(rows)


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


def hvp__inner_outside(f, x, v):
    """The inner gradient is computed after the outer tape's block: the product is None."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
    grad = inner.gradient(y, x)
    return outer.gradient(grad, x, output_gradients=v)


def hvp__rows_loop(f, x, v):
    """H row by row (one outer.gradient per entry of the gradient), then H·v: n backward passes."""
    with tf.GradientTape(persistent=True) as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        grad = inner.gradient(y, x)
        parts = tf.unstack(grad)
    rows = [outer.gradient(g_i, x) for g_i in parts]
    del outer
    return tf.linalg.matvec(tf.stack(rows), v)


def hvp__gradient_differences(f, x, v):
    """Central differences of the gradient, (∇f(x + εv) − ∇f(x − εv)) / 2ε: two evaluations of f."""
    eps = 1e-4

    def grad_at(z):
        with tf.GradientTape() as tape:
            tape.watch(z)
            y = f(z)
        return tape.gradient(y, z)

    return (grad_at(x + eps * v) - grad_at(x - eps * v)) / (2 * eps)


def hvp__outer_unwatched(f, x, v):
    """x is a tensor watched by the inner tape only: outer.gradient gives None."""
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        grad = inner.gradient(y, x)
    return outer.gradient(grad, x, output_gradients=v)


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


def newton_step__column_broadcast(f, x):
    """Keeps the (n, 1) column of tf.linalg.solve: x − d broadcasts to an (n, n) matrix."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x)
    hess = outer.jacobian(g, x)
    return x - tf.linalg.solve(hess, g[:, None])


def newton_step__times_hessian(f, x):
    """Multiplies g by H instead of solving H d = g: x − H·g."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x)
    hess = outer.jacobian(g, x)
    return x - tf.linalg.matvec(hess, g)


def newton_step__diagonal_only(f, x):
    """Divides g by the diagonal of H (the mixed partials forgotten): x − g / diag(H)."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x)
    hess = outer.jacobian(g, x)
    return x - g / tf.linalg.diag_part(hess)


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

def taylor2__no_f0(f, x, dx):
    """Forgets the constant term f(x): returns g·dx + ½ dxᵀH dx, the change of the model."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x)
    h_dx = outer.gradient(g, x, output_gradients=dx)
    return tf.tensordot(g, dx, 1) + 0.5 * tf.tensordot(dx, h_dx, 1)


def taylor2__minus_g(f, x, dx):
    """Subtracts the first-order term, as in a descent step: f(x) − g·dx + ½ dxᵀH dx."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x)
    h_dx = outer.gradient(g, x, output_gradients=dx)
    return y - tf.tensordot(g, dx, 1) + 0.5 * tf.tensordot(dx, h_dx, 1)


def taylor2__summed_hvp(f, x, dx):
    """outer.gradient(g, x) * dx for H dx: that is (H·1)·dx, the gradient target was summed."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x)
    h_dx = outer.gradient(g, x) * dx
    return y + tf.tensordot(g, dx, 1) + 0.5 * tf.tensordot(dx, h_dx, 1)


def taylor2__float32(f, x, dx):
    """Casts x and dx to float32: the model is right only to ~1e-6, too coarse for the Taylor test."""
    x, dx = tf.cast(x, tf.float32), tf.cast(dx, tf.float32)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x)
    h_dx = outer.gradient(g, x, output_gradients=dx)
    return y + tf.tensordot(g, dx, 1) + 0.5 * tf.tensordot(dx, h_dx, 1)


__all__ = [name for name in dir() if "__" in name.strip("_")]
