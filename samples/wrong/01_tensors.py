"""Plausible wrong answers for exercise 01; each must lose its question's points.

A function named `<question>__<pitfall>` is a wrong answer to `<question>`; its docstring
says which mistake it makes. The sample class (autograder/sample_class.py) pastes these
into real submissions, and tests/ check each one loses exactly its question's points.
"""

import numpy as np
import tensorflow as tf


def as_param__keeps_dtype(value):
    """tf.Variable(value) keeps the input's dtype: int32 for 3, int64/float64 for NumPy arrays."""
    return tf.Variable(value)


def as_param__constant(value):
    """A tf.constant is a Tensor, not a Variable: it cannot be updated in place."""
    return tf.constant(value, dtype=tf.float32)


def as_param__not_trainable(value):
    """A float32 Variable with trainable=False: a tape does not watch it (lecture: `trainable`)."""
    return tf.Variable(value, dtype=tf.float32, trainable=False)


def as_param__numpy_float(value):
    """Converts through NumPy's float, which is float64: np.array(value, dtype=float) keeps 64 bits."""
    return tf.Variable(np.array(value, dtype=float))


def as_param__cast_variable(value):
    """Casts the Variable: tf.cast of a Variable is an ordinary Tensor, not a Variable."""
    return tf.cast(tf.Variable(value), tf.float32)


def update_in_place__rebinds(var, delta):
    """`var = var + delta` makes a new Tensor; the caller's Variable is unchanged."""
    var = var + delta
    return var


def update_in_place__no_cast(var, delta):
    """assign_add without a cast fails for float64 deltas and without broadcasting for scalars."""
    var.assign_add(delta)
    return var


def update_in_place__assign_sub(var, delta):
    """Sign slip: assign_sub, the gradient-descent update, subtracts delta instead of adding it."""
    var.assign_sub(var * 0 + tf.cast(delta, var.dtype))
    return var


def update_in_place__assign_delta(var, delta):
    """assign instead of assign_add: the Variable holds delta, not its old value plus delta."""
    var.assign(var * 0 + tf.cast(delta, var.dtype))
    return var


def update_in_place__returns_assign_result(var, delta):
    """Returns what assign_add returns, another object than `var` (the statement asks for var itself)."""
    return var.assign(var + tf.cast(delta, var.dtype))


def update_in_place__new_variable(var, delta):
    """Makes a new Variable holding var + delta: the Variable passed in is unchanged."""
    return tf.Variable(var + tf.cast(delta, var.dtype))


def mse_int_labels__casts_predictions(y_int, y_pred):
    """Casting the predictions to int truncates their fractions."""
    return tf.reduce_mean(tf.square(y_int - tf.cast(y_pred, y_int.dtype)))


def mse_int_labels__hardcoded(y_int, y_pred):
    """Returns the first public case's value, (0.25 + 0 + 0.25) / 3."""
    return tf.constant(0.5 / 3)


def mse_int_labels__float64(y_int, y_pred):
    """Casts both sides to float64 "for precision": the loss is a float64 tensor, not float32."""
    y = tf.cast(y_int, tf.float64)
    return tf.reduce_mean(tf.square(y - tf.cast(y_pred, tf.float64)))


def mse_int_labels__python_float(y_int, y_pred):
    """Right value, but returned as a Python float (.numpy() / float()), not a float32 tensor."""
    y = tf.cast(y_int, tf.float32)
    return float(tf.reduce_mean(tf.square(y - y_pred)))


def mse_int_labels__divides_by_len(y_int, y_pred):
    """Sum divided by len(y_pred): the number of rows, not of elements, for a matrix of labels."""
    y = tf.cast(y_int, tf.float32)
    return tf.reduce_sum(tf.square(y - y_pred)) / len(y_pred)


def carries_gradient__float32_only(t):
    """Only float32 is differentiable? float16, float64 and complex dtypes are too."""
    return t.dtype == tf.float32


def carries_gradient__floating_only(t):
    """The lecture's table rule, dtype.is_floating: forgets that complex dtypes carry gradients too."""
    return bool(t.dtype.is_floating)


def carries_gradient__not_integer(t):
    """Everything but the integer dtypes: bool is not an integer dtype, yet it carries no gradient."""
    return not t.dtype.is_integer


__all__ = [name for name in dir() if "__" in name.strip("_")]
_unused = np  # NumPy is available to answers, as in the exercise's setup cell
