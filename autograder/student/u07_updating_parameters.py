"""Unit 07, Updating parameters: the steps that call the student's functions.

Update steps work in place: each step creates the float32 parameter Variables (and, for momentum
and Adam, one zero state Variable per parameter), calls the student's function, and describes the
values held by the *original* objects (for momentum and Adam after every call, so that the grader
can tell at which step a trajectory left Keras's) and whether the caller's lists still hold them
(object identity is what "in place" means; only this process can see it, and it only ever names a
mistake).

gd_minimize's f is served by the grader (probes.black_box): its formula is not in this process
and the grader logs each evaluation, so the count the check judges cannot be forged from here.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import tensorflow as tf

from .probes import black_box, switched_off
from .steps import answer, step
from .values import describe


def _variables(arrays: list) -> list:
    return [tf.Variable(np.asarray(a, np.float32)) for a in arrays]


def _zeros(arrays: list) -> list:
    return _variables([np.zeros_like(np.asarray(a)) for a in arrays])


def _identity(listed: list, originals: list) -> list[bool]:
    """Whether each entry of the caller's list is still the Variable passed in."""
    return [a is b for a, b in zip(listed, originals)] + [False] * (len(originals) - len(listed))


def _held(variables: list):
    """The values the Variables hold now, as one flat float64 vector."""
    return describe(np.concatenate([np.asarray(v.numpy(), np.float64).reshape(-1) for v in variables]))


def _tensors(arrays: list) -> list:
    return [None if g is None else tf.constant(np.asarray(g, np.float32)) for g in arrays]


@step("sgd_step")
def sgd_step(fn: Callable, w0, grads, lr):
    originals = _variables(w0)
    variables = list(originals)
    fn(variables, _tensors(grads), lr)
    return {"values": [describe(v) for v in originals], "same": _identity(variables, originals)}


@step("momentum_step")
def momentum_step(fn: Callable, w0, G, lr, mu):
    ws, ms = _variables(w0), _zeros(w0)
    variables, velocities = list(ws), list(ms)
    w_steps = []
    for gs in G:
        fn(variables, _tensors(gs), velocities, lr, mu)
        w_steps.append(_held(ws))
    return {"w": [describe(v) for v in ws], "m": [describe(v) for v in ms], "w_steps": w_steps,
            "same_w": _identity(variables, ws), "same_m": _identity(velocities, ms)}


@step("adam_step")
def adam_step(fn: Callable, w0, G, lr, b1, b2, eps):
    ws, m0, v0 = _variables(w0), _zeros(w0), _zeros(w0)
    variables, ms, vs = list(ws), list(m0), list(v0)
    w_steps = []
    for t, gs in enumerate(G, start=1):
        fn(variables, _tensors(gs), ms, vs, t, lr, b1, b2, eps)
        w_steps.append(_held(ws))
    return {"w": [describe(v) for v in ws], "m": [describe(v) for v in m0], "w_steps": w_steps,
            "v": [describe(v) for v in v0], "same_w": _identity(variables, ws),
            "same_m": _identity(ms, m0), "same_v": _identity(vs, v0)}


@step("gd_minimize")
def gd_minimize(fn: Callable, f, x0, lr, steps):
    return {"value": answer(fn, black_box(f), tf.constant(np.asarray(x0, np.float32)), lr, steps)}


@step("max_stable_lr")
def max_stable_lr(fn: Callable, a):
    return answer(fn, tf.constant(np.asarray(a, np.float32)))


@step("clip_global_norm")
def clip_global_norm(fn: Callable, grads, c):
    with switched_off([(tf, "clip_by_global_norm", "tf.clip_by_global_norm"),
                       (tf.linalg, "global_norm", "tf.linalg.global_norm")],
                      "is switched off in this check: compute the global norm yourself"):
        return answer(fn, _tensors(grads), c)
