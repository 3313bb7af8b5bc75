"""Other correct answers to exercise 03; each must earn its question's points for every student.

A function named `<question>__<variant>` is a correct answer to `<question>` written another way
(the lecture allows it); its docstring says how. tests/ and benchmarks/separation.py check that
each one passes for every student.
"""

from collections import OrderedDict

import numpy as np
import tensorflow as tf


def derivative__variable_python_float(f, x):
    """A float32 Variable (watched automatically), answered as a Python float."""
    x = tf.Variable(float(x))
    with tf.GradientTape() as tape:
        y = f(x)
    return float(tape.gradient(y, x))


def partials__persistent_tape(f, x, y):
    """One evaluation on a persistent tape, asked twice (lecture section 2), as a list."""
    x = tf.Variable(float(x))
    y = tf.Variable(float(y))
    with tf.GradientTape(persistent=True) as tape:
        z = f(x, y)
    out = [tape.gradient(z, x), tape.gradient(z, y)]
    del tape
    return out


def grad_vector__tf_function(f, v):
    """The tape inside tf.function, returning the gradient as a NumPy array."""
    @tf.function
    def grad(v):
        with tf.GradientTape() as tape:
            tape.watch(v)
            y = f(v)
        return tape.gradient(y, v)

    return grad(tf.constant(v, tf.float32)).numpy()


def grad_tree__ordered_dict(loss_fn, params):
    """The gradients rebuilt as OrderedDicts, keys in params' order."""
    with tf.GradientTape() as tape:
        loss = loss_fn(params)
    grads = tape.gradient(loss, params)

    def ordered(p, g):
        if isinstance(p, dict):
            return OrderedDict((k, ordered(p[k], g[k])) for k in p)
        if isinstance(p, list):
            return [ordered(a, b) for a, b in zip(p, g)]
        return g

    return ordered(params, grads)


def grad_tree__pack_sequence(loss_fn, params):
    """tf.nest.flatten for the sources, tf.nest.pack_sequence_as to rebuild: both use sorted keys."""
    leaves = tf.nest.flatten(params)
    with tf.GradientTape() as tape:
        loss = loss_fn(params)
    return tf.nest.pack_sequence_as(params, tape.gradient(loss, leaves))


def grad_tree__map_structure(loss_fn, params):
    """One forward pass on a persistent tape, one gradient per leaf with tf.nest.map_structure, as tuples."""
    with tf.GradientTape(persistent=True) as tape:
        loss = loss_fn(params)
    grads = tf.nest.map_structure(lambda v: tape.gradient(loss, v), params)

    def tuples(g):
        if isinstance(g, dict):
            return {k: tuples(v) for k, v in g.items()}
        if isinstance(g, list):
            return tuple(tuples(v) for v in g)
        return g

    return tuples(grads)


def elementwise_derivative__reduce_sum(f, xs):
    """The gradient of tf.reduce_sum(f(xs)) (the sum a tape takes anyway), in float64."""
    xs = tf.constant(xs)
    with tf.GradientTape() as tape:
        tape.watch(xs)
        total = tf.reduce_sum(f(xs))
    return tape.gradient(total, xs)


def numerical_gradient__identity_rows(f, x, h):
    """Rows of the identity as the unit vectors, returned as a tf.float64 tensor."""
    x = np.asarray(x, np.float64)
    return tf.constant([(float(f(x + h * e)) - float(f(x - h * e))) / (2 * h) for e in np.eye(len(x))],
                       tf.float64)


def relative_error__tf_float64(a, b):
    """Everything as tf.float64 tensors: NumPy first, so lists stay float64."""
    a = tf.constant(np.asarray(a, np.float64))
    b = tf.constant(np.asarray(b, np.float64))
    scale = tf.maximum(tf.norm(a), tf.norm(b))
    if scale == 0:
        return 0.0
    return float(tf.norm(a - b) / scale)
