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


def update_in_place__rebinds(var, delta):
    """`var = var + delta` makes a new Tensor; the caller's Variable is unchanged."""
    var = var + delta
    return var


def update_in_place__no_cast(var, delta):
    """assign_add without a cast fails for float64 deltas and without broadcasting for scalars."""
    var.assign_add(delta)
    return var


def mse_int_labels__casts_predictions(y_int, y_pred):
    """Casting the predictions to int truncates their fractions."""
    return tf.reduce_mean(tf.square(y_int - tf.cast(y_pred, y_int.dtype)))


def mse_int_labels__hardcoded(y_int, y_pred):
    """Returns the first public case's value, (0.25 + 0 + 0.25) / 3."""
    return tf.constant(0.5 / 3)


def carries_gradient__float32_only(t):
    """Only float32 is differentiable? float16, float64 and complex dtypes are too."""
    return t.dtype == tf.float32


def carries_gradient__floating_only(t):
    """Forgets that complex dtypes carry gradients too."""
    return bool(t.dtype.is_floating)


__all__ = [name for name in dir() if "__" in name.strip("_")]
_unused = np  # NumPy is available to answers, as in the exercise's setup cell
