"""Unit 02, The gradient tape: the steps that call the student's functions.

Every function the student differentiates here (f, g, h) is a black box served by the grader
(probes.black_box): its formula is not in this process, and the grader logs each evaluation,
so the counts the checks judge (one forward pass) cannot be forged from here. The one piece of
evidence that only this process can give is which Variables the tape returned by
selective_grads watched (object identity); it is forgeable, as is every answer.
predict_none needs no step: the default one calls it on a copy of the scenario.
"""

from __future__ import annotations

from typing import Callable

import tensorflow as tf

from .probes import black_box
from .steps import answer, step
from .values import describe, describe_error

VAR_NAMES = ["a", "b", "c", "d"]


@step("grad_wrt_tensors")
def grad_wrt_tensors(fn: Callable, f, inputs):
    ts = [tf.constant(v, tf.float32) if kind == "constant" else tf.Variable(v, dtype=tf.float32)
          for kind, v in inputs]
    return {"value": answer(fn, black_box(f), *ts)}


@step("selective_grads")
def selective_grads(fn: Callable, f, values, trainable, wanted):
    variables = [tf.Variable(v, dtype=tf.float32, trainable=t, name=n)
                 for n, v, t in zip(VAR_NAMES, values, trainable)]
    try:
        out = fn(black_box(f), list(variables), [variables[i] for i in wanted])
    except Exception as e:  # noqa: BLE001 - the student's error is what gets judged
        return {"value": describe_error(e)}
    if type(out) not in (tuple, list) or len(out) != 2:
        return {"returned": describe(out)}
    grads, tape = out
    if not isinstance(tape, tf.GradientTape):
        return {"grads": describe(grads), "tape": type(tape).__name__}
    watched = tape.watched_variables()
    ours = sorted(i for i, v in enumerate(variables) if any(w is v for w in watched))
    return {"grads": describe(grads), "tape": "GradientTape", "watched": ours,
            "foreign": sum(1 for w in watched if not any(w is v for v in variables))}


@step("two_grads_one_pass")
def two_grads_one_pass(fn: Callable, f, x):
    both = black_box(f)  # one evaluation gives y and z stacked

    def pair(v):
        return tuple(tf.unstack(both(v)))

    pair.__name__ = "f"
    return {"value": answer(fn, pair, tf.Variable(x, dtype=tf.float32))}


@step("grad_wrt_intermediate")
def grad_wrt_intermediate(fn: Callable, g, h, x):
    return {"value": answer(fn, black_box(g), black_box(h), tf.Variable(x, dtype=tf.float32))}
