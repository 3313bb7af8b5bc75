"""Plausible wrong answers for exercise 03; each must lose its question's points.

A function named `<question>__<pitfall>` is a wrong answer to `<question>`; its docstring
says which mistake it makes. The sample class (autograder/sample_class.py) pastes these
into real submissions, and tests/ check each one loses exactly its question's points.
"""

import numpy as np
import tensorflow as tf


def derivative__finite_difference(f, x):
    """A centred finite difference calls f twice (and is only approximate in float32)."""
    h = 1e-3
    return (f(tf.constant(x + h, tf.float32)) - f(tf.constant(x - h, tf.float32))) / (2 * h)


def derivative__int_input(f, x):
    """tf.constant(x) keeps a Python int as int32, and a tape gives None for ints."""
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x)


def derivative__hardcoded(f, x):
    """Returns the seed's dy/dx = 6 for y = x**2 at 3, whatever f and x are."""
    return tf.constant(6.0)


def derivative__unwatched(f, x):
    """A float32 tf.constant that the tape never watches (seed 004): the gradient is None."""
    x = tf.constant(x, tf.float32)
    with tf.GradientTape() as tape:
        y = f(x)
    return tape.gradient(y, x)


def derivative__output_gradients(f, x):
    """Passes x as a third argument: tape.gradient(y, x, x) weights the derivative by x."""
    x = tf.constant(x, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x, x)


def partials__two_gradient_calls(f, x, y):
    """Asks a non-persistent tape for two gradients: the second call raises RuntimeError."""
    x = tf.constant(x, tf.float32)
    y = tf.constant(y, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        z = f(x, y)
    return tape.gradient(z, x), tape.gradient(z, y)


def partials__two_tapes(f, x, y):
    """One tape per partial derivative evaluates f twice."""
    x = tf.constant(x, tf.float32)
    y = tf.constant(y, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        z = f(x, y)
    dz_dx = tape.gradient(z, x)
    with tf.GradientTape() as tape:
        tape.watch(y)
        z = f(x, y)
    return dz_dx, tape.gradient(z, y)


def partials__int_inputs(f, x, y):
    """tf.constant(x) without a dtype keeps Python ints as int32: no gradient (or f cannot mix them)."""
    x = tf.constant(x)
    y = tf.constant(y)
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        z = f(x, y)
    return tape.gradient(z, [x, y])


def partials__no_brackets(f, x, y):
    """tape.gradient(z, x, y) without brackets: y becomes output_gradients and one tensor comes back,
    which cannot be unpacked into two names."""
    x = tf.constant(x, tf.float32)
    y = tf.constant(y, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        z = f(x, y)
    dz_dx, dz_dy = tape.gradient(z, x, y)
    return dz_dx, dz_dy


def partials__watch_x_only(f, x, y):
    """Watches x only: the unwatched constant y gets no gradient (None)."""
    x = tf.constant(x, tf.float32)
    y = tf.constant(y, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        z = f(x, y)
    return tape.gradient(z, [x, y])


def grad_vector__list_source(f, v):
    """tape.gradient(y, [v]) returns a list holding one gradient, not the gradient itself."""
    v = tf.Variable(v, dtype=tf.float32)
    with tf.GradientTape() as tape:
        y = f(v)
    return tape.gradient(y, [v])


def grad_vector__float64(f, v):
    """tf.Variable of a NumPy array is float64, and f's float32 weights do not mix with it."""
    v = tf.Variable(v)
    with tf.GradientTape() as tape:
        y = f(v)
    return tape.gradient(y, v)


def grad_vector__unwatched(f, v):
    """A tf.constant is not watched unless tape.watch is called: the gradient is None."""
    v = tf.constant(v, tf.float32)
    with tf.GradientTape() as tape:
        y = f(v)
    return tape.gradient(y, v)


def grad_vector__tolist(f, v):
    """Returns the gradient as a Python list of numbers, where one tensor is asked for."""
    v = tf.Variable(v, dtype=tf.float32)
    with tf.GradientTape() as tape:
        y = f(v)
    return tape.gradient(y, v).numpy().tolist()


def grad_vector__component_sources(f, v):
    """One Variable per component (as for partials): a list of scalar gradients, not one vector."""
    parts = [tf.Variable(float(c)) for c in v]
    with tf.GradientTape() as tape:
        y = f(tf.stack(parts))
    return tape.gradient(y, parts)


def grad_tree__insertion_order(loss_fn, params):
    """Flattens with tf.nest (dict keys sorted) but puts gradients back in insertion order:
    on {"dense": {"w", "b"}} w gets the gradient of b."""
    leaves = tf.nest.flatten(params)
    with tf.GradientTape() as tape:
        loss = loss_fn(params)
    grads = iter(tape.gradient(loss, leaves))

    def rebuild(p):
        if isinstance(p, dict):
            return {k: rebuild(v) for k, v in p.items()}
        if isinstance(p, list):
            return [rebuild(v) for v in p]
        return next(grads)

    return rebuild(params)


def grad_tree__flattened(loss_fn, params):
    """Flattens params into a list, so the gradients lose the nested structure."""
    leaves = tf.nest.flatten(params)
    with tf.GradientTape() as tape:
        loss = loss_fn(params)
    return tape.gradient(loss, leaves)


def grad_tree__loss_outside_tape(loss_fn, params):
    """Computes the loss before opening the tape, so nothing is recorded: every gradient is None."""
    loss = loss_fn(params)
    with tf.GradientTape() as tape:
        pass
    return tape.gradient(loss, params)


def grad_tree__insertion_leaves(loss_fn, params):
    """Collects the leaves in insertion order, then tf.nest.pack_sequence_as (sorted keys) puts
    each gradient on another leaf."""
    def leaves(p):
        if isinstance(p, dict):
            return [leaf for v in p.values() for leaf in leaves(v)]
        if isinstance(p, list):
            return [leaf for v in p for leaf in leaves(v)]
        return [p]

    sources = leaves(params)
    with tf.GradientTape() as tape:
        loss = loss_fn(params)
    return tf.nest.pack_sequence_as(params, tape.gradient(loss, sources))


def elementwise_derivative__per_point(f, xs):
    """One tape and one call of f per point: right values, but len(xs) calls of f."""
    out = []
    for x in xs:
        x = tf.constant(x, tf.float32)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        out.append(tape.gradient(y, x))
    return tf.stack(out)


def elementwise_derivative__jacobian(f, xs):
    """tape.jacobian gives the n x n matrix; only its diagonal is the answer."""
    xs = tf.constant(xs, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(xs)
        ys = f(xs)
    return tape.jacobian(ys, xs)


def elementwise_derivative__mean_target(f, xs):
    """A tf.reduce_mean target divides every derivative by len(xs)."""
    xs = tf.constant(xs, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(xs)
        loss = tf.reduce_mean(f(xs))
    return tape.gradient(loss, xs)


def numerical_gradient__forward_difference(f, x, h):
    """(f(x + h e_i) - f(x)) / h is the forward difference, with an O(h) error."""
    fx = float(f(x))
    grad = np.zeros_like(x)
    for i in range(len(x)):
        step = np.zeros_like(x)
        step[i] = h
        grad[i] = (float(f(x + step)) - fx) / h
    return grad


def numerical_gradient__float32(f, x, h):
    """Evaluates f in float32, the course's usual dtype: rounding errors divided by 2h swamp the result."""
    grad = np.zeros(len(x))
    for i in range(len(x)):
        step = np.zeros_like(x)
        step[i] = h
        f_plus = f(tf.constant(x + step, tf.float32))
        f_minus = f(tf.constant(x - step, tf.float32))
        grad[i] = float(f_plus - f_minus) / (2 * h)
    return grad


def numerical_gradient__hardcoded(f, x, h):
    """Returns the seed's gradient [6, 16] of x**2 + 2*y**2 + 1 at (3, 4), whatever f is."""
    return np.array([6.0, 16.0])


def numerical_gradient__no_copy(f, x, h):
    """`xp = x` does not copy a NumPy array: both shifts land on x and cancel."""
    grad = np.zeros_like(x)
    for i in range(len(x)):
        xp = x
        xp[i] += h
        xm = x
        xm[i] -= h
        grad[i] = (float(f(xp)) - float(f(xm))) / (2 * h)
    return grad


def numerical_gradient__divide_by_h(f, x, h):
    """Divides the centred difference by h instead of 2h: twice the gradient."""
    grad = np.zeros_like(x)
    for i in range(len(x)):
        step = np.zeros_like(x)
        step[i] = h
        grad[i] = (float(f(x + step)) - float(f(x - step))) / h
    return grad


def relative_error__elementwise(a, b):
    """The largest element-wise relative error, not the relative error of the whole vectors."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    scale = np.maximum(np.abs(a), np.abs(b))
    ratios = np.where(scale > 0, np.abs(a - b) / np.where(scale > 0, scale, 1.0), 0.0)
    return float(np.max(ratios))


def relative_error__float32(a, b):
    """Casts both to float32, where differences below ~1e-7 of the values vanish."""
    a = tf.cast(a, tf.float32)
    b = tf.cast(b, tf.float32)
    scale = tf.maximum(tf.norm(a), tf.norm(b))
    if scale == 0:
        return 0.0
    return float(tf.norm(a - b) / scale)


def relative_error__no_zero_guard(a, b):
    """Divides by max(|a|, |b|) even when both are zero: 0/0 is nan."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b)))


def relative_error__list_via_float32(a, b):
    """tf.convert_to_tensor reads a Python list or number as float32 before the cast to float64:
    relative errors near 1e-9 vanish for lists and numbers (arrays and tensors keep their dtype)."""
    a = tf.cast(tf.convert_to_tensor(a), tf.float64)
    b = tf.cast(tf.convert_to_tensor(b), tf.float64)
    scale = tf.maximum(tf.norm(a), tf.norm(b))
    if scale == 0:
        return 0.0
    return float(tf.norm(a - b) / scale)


def relative_error__divide_by_b(a, b):
    """Divides by the norm of b alone (the "reference"), not by max(|a|, |b|)."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    if np.linalg.norm(a) == 0 and np.linalg.norm(b) == 0:
        return 0.0
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


__all__ = [name for name in dir() if "__" in name.strip("_")]
