"""Other correct answers to exercise 06; each must earn its question's points for every student.

A function named `<question>__<variant>` is a correct answer to `<question>` written another way
than the solution (a way the lecture allows); its docstring says which.
"""

import tensorflow as tf


def second_derivative__variable(f, x):
    """The lecture's first cell: a tf.Variable is watched by both tapes without tape.watch."""
    x = tf.Variable(float(x))
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = f(x)
        dy_dx = inner.gradient(y, x)
    return outer.gradient(dy_dx, x)


def second_derivative__inside_both_blocks(f, x):
    """The seed post's placement: a persistent inner tape, its gradient call inside both blocks."""
    x = tf.constant(float(x))
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape(persistent=True) as inner:
            inner.watch(x)
            y = f(x)
            dy_dx = inner.gradient(y, x)
    return outer.gradient(dy_dx, x)


def second_derivative__float64(f, x):
    """x as a float64 tensor, the result as a Python float."""
    x = tf.constant(x, tf.float64)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        dy_dx = inner.gradient(y, x)
    return float(outer.gradient(dy_dx, x))


def hessian__persistent_rows(f, x):
    """The lecture's row-by-row Hessian: a persistent outer tape, one request per entry of grad."""
    with tf.GradientTape(persistent=True) as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        grad = inner.gradient(y, x)
        parts = tf.unstack(grad)
    rows = [outer.gradient(g_i, x) for g_i in parts]
    del outer
    return tf.stack(rows)


def hessian__variable(f, x):
    """x copied into a tf.Variable: both tapes watch it without tape.watch."""
    w = tf.Variable(x)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = f(w)
        grad = inner.gradient(y, w)
    return outer.jacobian(grad, w)


@tf.function
def hessian__tf_function(f, x):
    """The solution under @tf.function (the lecture's tapes work inside a graph too)."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        grad = inner.gradient(y, x)
    return outer.jacobian(grad, x)


def hvp__forward_over_back(f, x, v):
    """The lecture's forward-over-back: a ForwardAccumulator pushes v through the gradient."""
    with tf.autodiff.ForwardAccumulator(primals=x, tangents=v) as acc:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        grad = tape.gradient(y, x)
    return acc.jvp(grad)


def hvp__gradient_of_dot(f, x, v):
    """Hv = ∇(∇f·v): the scalar ∇f·v formed while the outer tape records, then its gradient."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        grad = inner.gradient(y, x)
        grad_v = tf.reduce_sum(grad * v)
    return outer.gradient(grad_v, x)


def newton_step__persistent_rows(f, x):
    """H row by row from a persistent outer tape, then tf.linalg.solve."""
    with tf.GradientTape(persistent=True) as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x)
        parts = tf.unstack(g)
    hess = tf.stack([outer.gradient(g_i, x) for g_i in parts])
    del outer
    return x - tf.linalg.solve(hess, tf.reshape(g, [-1, 1]))[:, 0]


def newton_step__inverse(f, x):
    """Inverts H (the lecture prefers solving, but the step is the same point)."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x)
    hess = outer.jacobian(g, x)
    return x - tf.linalg.matvec(tf.linalg.inv(hess), g)


def taylor2__full_hessian(f, x, dx):
    """The full Hessian by outer.jacobian, then ½ dxᵀH dx with matvec."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x)
    hess = outer.jacobian(g, x)
    return y + tf.reduce_sum(g * dx) + 0.5 * tf.reduce_sum(dx * tf.linalg.matvec(hess, dx))


def taylor2__forward_over_back(f, x, dx):
    """H dx by forward-over-back, and a Python float returned."""
    with tf.autodiff.ForwardAccumulator(primals=x, tangents=dx) as acc:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        g = tape.gradient(y, x)
    h_dx = acc.jvp(g)
    return float(y + tf.tensordot(g, dx, 1) + 0.5 * tf.tensordot(dx, h_dx, 1))
