"""Unit 06, Hessians by nested tapes: the steps that call the student's functions.

The functions f of second_derivative, hessian and newton_step are served by the grader
(probes.black_box): their formulas are not in this process, and the grader logs each
evaluation. The f of hvp and taylor2 are not: their statements allow forward-over-back
(tf.autodiff.ForwardAccumulator), which cannot see through a served black box, so they are
built here from the case's plain terms with TensorFlow ops, and their calls are recorded here
(probes.recorded: forgeable by the student's code, like the tape log and the timing below).

Every step also watches the student's tapes (probes.watching_tapes): which tapes were
recording at each `gradient` call, `jacobian` calls, forward-mode passes. That log is
forgeable too; the checks use it for messages (why a result is None) only.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import tensorflow as tf

from .families import vector_tf
from .probes import black_box, recorded, watching_tapes
from .steps import answer, step


def _observed(fn: Callable, f: Callable, *args: Any, **watch: Any) -> dict:
    """fn(f, *args) with the student's tapes logged: its answer, the log and the time it took."""
    with watching_tapes(**watch) as tapes:
        start = time.perf_counter()
        value = answer(fn, f, *args)
        seconds = time.perf_counter() - start
    return {"value": value, "tapes": tapes, "seconds": seconds}


@step("second_derivative")
def second_derivative(fn: Callable, f, x):
    return _observed(fn, black_box(f), x)


@step("hessian")
def hessian(fn: Callable, f, x):
    return _observed(fn, black_box(f), tf.constant(x, tf.float64))


@step("newton_step")
def newton_step(fn: Callable, f, x):
    return _observed(fn, black_box(f), tf.constant(x, tf.float64))


# --- hvp and taylor2: a TensorFlow-op black box (forward mode must see through it) ----------
@step("taylor2")
def taylor2(fn: Callable, terms, x, dx):
    """Two calls, at dx and dx / 2, each with its own recorded f."""
    out, calls = [], []
    for t in (1.0, 0.5):
        f, log = recorded(vector_tf(terms))
        out.append(_observed(fn, f, tf.constant(x, tf.float64), tf.constant(dx * t, tf.float64)))
        calls.append(log)
    return {"values": [o["value"] for o in out], "tapes": [o["tapes"] for o in out],
            "calls_dx": calls[0], "calls_half": calls[1]}


@step("hvp")
def hvp(fn: Callable, terms, x, v, limits):
    """`limits` (the large case only): the jacobian switch, the cap on gradient calls, their messages."""
    f, calls = recorded(vector_tf(terms))
    watch = {} if not limits else {"no_jacobian": limits["no_jacobian"],
                                   "max_gradients": limits["max_gradients"], "too_many": limits["too_many"]}
    out = _observed(fn, f, tf.constant(x, tf.float64),
                    tf.constant(v, tf.float64), **watch)
    return {**out, "calls": calls}
