"""Plausible wrong answers for exercise 02; each must lose its question's points.

A function named `<question>__<pitfall>` is a wrong answer to `<question>`; its docstring
says which mistake it makes. The sample class (autograder/sample_class.py) pastes these
into real submissions, and tests/ check each one loses exactly its question's points.
"""

import numpy as np
import tensorflow as tf


def grad_wrt_tensors__no_watch(f, *ts):
    """Forgets tape.watch: a tape does not watch constants, so their gradients are None."""
    with tf.GradientTape() as tape:
        y = f(*ts)
    return tape.gradient(y, list(ts))


def grad_wrt_tensors__one_call_per_source(f, *ts):
    """One tape.gradient call per tensor on a non-persistent tape: the second call raises."""
    with tf.GradientTape() as tape:
        tape.watch(ts)
        y = f(*ts)
    return [tape.gradient(y, t) for t in ts]


def grad_wrt_tensors__hardcoded(f, *ts):
    """Returns seed 004's 14 and 12 (z = x**2*y + x*y at (3, 2)) whatever f and ts are."""
    return [tf.constant(14.0), tf.constant(12.0)]


def selective_grads__default_tape(f, variables, wanted):
    """A default tape watches every trainable Variable f reads, not only the wanted ones."""
    with tf.GradientTape() as tape:
        loss = f(*variables)
    return tape.gradient(loss, wanted), tape


def selective_grads__watches_all(f, variables, wanted):
    """Turns automatic watching off, then watches all the variables instead of the wanted ones."""
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(variables)
        loss = f(*variables)
    return tape.gradient(loss, wanted), tape


def selective_grads__forgets_watch(f, variables, wanted):
    """watch_accessed_variables=False without tape.watch: the tape watches nothing at all."""
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        loss = f(*variables)
    return tape.gradient(loss, wanted), tape


def two_grads_one_pass__sums_targets(f, x):
    """tape.gradient([y, z], x) is the gradient of the sum y + z, not one gradient per target."""
    with tf.GradientTape() as tape:
        y, z = f(x)
    return tape.gradient([y, z], x)


def two_grads_one_pass__not_persistent(f, x):
    """Two tape.gradient calls on a non-persistent tape: the second one raises RuntimeError."""
    with tf.GradientTape() as tape:
        y, z = f(x)
    return [tape.gradient(y, x), tape.gradient(z, x)]


def two_grads_one_pass__two_passes(f, x):
    """One tape per target: correct numbers, but f runs twice (two forward passes)."""
    with tf.GradientTape() as tape_y:
        y, _ = f(x)
    with tf.GradientTape() as tape_z:
        _, z = f(x)
    return [tape_y.gradient(y, x), tape_z.gradient(z, x)]


def grad_wrt_intermediate__recomputes_u(g, h, x):
    """Asks for the gradient with respect to a fresh h(x), a new tensor g never saw: None."""
    with tf.GradientTape(persistent=True) as tape:
        y = g(h(x))
    return [tape.gradient(y, h(x)), tape.gradient(y, x)]


def grad_wrt_intermediate__u_before_tape(g, h, x):
    """Computes u = h(x) before the tape: u is a constant to the tape, both gradients are None."""
    u = h(x)
    with tf.GradientTape() as tape:
        y = g(u)
    return tape.gradient(y, [u, x])


def grad_wrt_intermediate__chain_confused(g, h, x):
    """Returns dy/dx in place of dy/du: the gradient with respect to u is a different one."""
    with tf.GradientTape() as tape:
        y = g(h(x))
    dy_dx = tape.gradient(y, x)
    return [dy_dx, dy_dx]


def predict_none__dtype_only(scenario):
    """Thinks only int dtypes give None: forgets watching and where y is recorded."""
    return scenario["dtype"] == "int32"


def predict_none__ignores_trainable(scenario):
    """Thinks a tape watches every Variable it reads, trainable=False ones included."""
    if scenario["dtype"] == "int32" or scenario["where"] != "tape" or ".numpy()" in scenario["y"]:
        return True
    variable = scenario["source"] == "Variable" and not scenario["rebound"]
    auto = variable and scenario["watch_accessed_variables"]
    return not (auto or scenario["watch"] == "before")


def predict_none__records_everything(scenario):
    """Thinks y is recorded wherever it is computed: after the block or under stop_recording."""
    if scenario["dtype"] == "int32" or ".numpy()" in scenario["y"]:
        return True
    variable = scenario["source"] == "Variable" and not scenario["rebound"]
    auto = variable and scenario["trainable"] and scenario["watch_accessed_variables"]
    return not (auto or scenario["watch"] == "before")


def predict_none__hardcoded(scenario):
    """Returns the first public case's answer (False: seed 001's gradient 6) for every scenario."""
    return False


__all__ = [name for name in dir() if "__" in name.strip("_")]
_unused = np  # NumPy is available to answers, as in the exercise's setup cell
