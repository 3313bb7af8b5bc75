"""Unit 01, Tensors, Variables and dtypes: the steps that call the student's functions."""

from __future__ import annotations

from typing import Any, Callable

import tensorflow as tf

from .steps import step
from .values import describe


@step("update_in_place")
def update_in_place(fn: Callable, start, delta):
    var = tf.Variable(start, dtype=tf.float32)
    arg: Any = tf.constant(delta["tf_float64"], tf.float64) if isinstance(delta, dict) else delta
    returned = fn(var, arg)
    return {"same_object": returned is var, "var": describe(var),
            "returned": None if returned is var else describe(returned)}


@step("mse_int_labels")
def mse_int_labels(fn: Callable, labels, preds, label_dtype):
    return describe(fn(tf.constant(labels, getattr(tf, label_dtype)), tf.constant(preds, tf.float32)))


@step("carries_gradient")
def carries_gradient(fn: Callable, dtype):
    value = True if dtype == "bool" else 3
    return describe(fn(tf.constant(value, getattr(tf, dtype))))
