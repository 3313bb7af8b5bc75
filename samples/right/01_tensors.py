"""Other correct answers to exercise 01; each must earn its question's points for every student."""

import numpy as np
import tensorflow as tf


def as_param__dtype_argument(value):
    """dtype= converts Python numbers, lists and NumPy arrays of any dtype."""
    return tf.Variable(value, dtype=tf.float32)


def as_param__numpy_float32(value):
    """Through a float32 NumPy array first."""
    return tf.Variable(np.asarray(value, dtype=np.float32))


def update_in_place__assign_add(var, delta):
    """assign_add with delta cast and broadcast to the Variable's dtype and shape."""
    var.assign_add(tf.broadcast_to(tf.cast(delta, var.dtype), tf.shape(var)))
    return var


def update_in_place__assign_sum(var, delta):
    """assign the sum computed in float64, then cast back."""
    var.assign(tf.cast(tf.cast(var, tf.float64) + tf.cast(delta, tf.float64), var.dtype))
    return var


def mse_int_labels__dtype_of_pred(y_int, y_pred):
    """Casts the labels to y_pred's dtype and squares with **."""
    return tf.reduce_mean((tf.cast(y_int, y_pred.dtype) - y_pred) ** 2)


@tf.function(reduce_retracing=True)
def mse_int_labels__tf_function(y_int, y_pred):
    """The solution under tf.function, as the lectures allow."""
    return tf.reduce_mean(tf.square(tf.cast(y_int, tf.float32) - y_pred))


def carries_gradient__runs_a_tape(t):
    """Runs a tape, as the statement allows."""
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = tf.identity(t)
    return tape.gradient(y, t) is not None


def carries_gradient__listed(t):
    """Lists the dtypes that carry gradients."""
    return t.dtype in (tf.float16, tf.bfloat16, tf.float32, tf.float64, tf.complex64, tf.complex128)


__all__ = [name for name in dir() if "__" in name.strip("_")]
