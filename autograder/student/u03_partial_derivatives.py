"""Unit 03, Partial derivatives and gradient checking: the steps that call the student's functions.

Every black box here is served by the grader (probes.black_box): its formula is not in this
process, and the grader logs each evaluation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable

import numpy as np
import tensorflow as tf

from .probes import black_box
from .steps import answer, step


@step("derivative")
def derivative(fn: Callable, f, x):
    return {"value": answer(fn, black_box(f), x)}


@step("partials")
def partials(fn: Callable, f, x, y):
    return {"value": answer(fn, black_box(f), x, y)}


@step("grad_vector")
def grad_vector(fn: Callable, f, v):
    return {"value": answer(fn, black_box(f), v.copy())}


def _variables(tree: Any) -> Any:
    """Plain nested dicts and lists of arrays as the same structure of float32 Variables; dicts keep
    the case's insertion order (which is not sorted, unlike tf.nest.flatten's order)."""
    if isinstance(tree, dict):
        return {k: _variables(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_variables(t) for t in tree]
    return tf.Variable(np.asarray(tree, np.float32))


def _plain_dicts(tree: Any) -> Any:
    """The answer with every mapping (an OrderedDict, say) as a plain dict, so it is described."""
    if isinstance(tree, Mapping) and type(tree) is not dict:
        return {k: _plain_dicts(v) for k, v in tree.items()}
    if type(tree) is dict:
        return {k: _plain_dicts(v) for k, v in tree.items()}
    if type(tree) in (list, tuple):
        return [_plain_dicts(v) for v in tree]
    return tree


@step("grad_tree")
def grad_tree(fn: Callable, loss_fn, params):
    return {"value": answer(lambda *args: _plain_dicts(fn(*args)), black_box(loss_fn), _variables(params))}


@step("elementwise_derivative")
def elementwise_derivative(fn: Callable, f, xs):
    return {"value": answer(fn, black_box(f), xs.copy())}


@step("numerical_gradient")
def numerical_gradient(fn: Callable, f, x, h):
    given = x.copy()
    value = answer(fn, black_box(f), given, h)
    return {"value": value, "x_unchanged": bool(np.array_equal(given, x))}


@step("relative_error")
def relative_error(fn: Callable, a, fa, b, fb):
    def make(v, form):
        if form == "tf32":
            return tf.constant(v, tf.float32)
        if form == "tf64":
            return tf.constant(v, tf.float64)
        if form == "ndarray":
            return np.array(v, np.float64)
        return v

    return answer(fn, make(a, fa), make(b, fb))
