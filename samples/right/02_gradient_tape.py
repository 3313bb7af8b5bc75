"""Other correct answers to exercise 02; each must earn its question's points for every student.

A function named `<question>__<variant>` is a correct answer to `<question>` written another
way than the solution; its docstring says how. tests/ and benchmarks/separation.py check that
each one passes every case, at every seed.
"""

import numpy as np
import tensorflow as tf


def grad_wrt_tensors__persistent_per_tensor(f, *ts):
    """One forward pass on a persistent tape, then one tape.gradient call per tensor."""
    with tf.GradientTape(persistent=True) as tape:
        for t in ts:
            tape.watch(t)
        y = f(*ts)
    grads = [tape.gradient(y, t) for t in ts]
    del tape
    return grads


def grad_wrt_tensors__watch_constants_only(f, *ts):
    """Watches only the tensors that are not Variables (the tape watches those by itself)."""
    with tf.GradientTape() as tape:
        tape.watch([t for t in ts if not isinstance(t, tf.Variable)])
        y = f(*ts)
    return tape.gradient(y, list(ts))


def grad_wrt_tensors__watch_off_watch_all(f, *ts):
    """watch_accessed_variables=False, and every tensor given to tape.watch; returns a tuple."""
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(ts)
        y = f(*ts)
    return tuple(tape.gradient(y, ts))



def selective_grads__watch_in_loop(f, variables, wanted):
    """tape.watch one wanted Variable at a time."""
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        for v in wanted:
            tape.watch(v)
        loss = f(*variables)
    return tape.gradient(loss, wanted), tape


def selective_grads__persistent(f, variables, wanted):
    """A persistent tape and one tape.gradient call per wanted Variable."""
    with tf.GradientTape(persistent=True, watch_accessed_variables=False) as tape:
        tape.watch(wanted)
        loss = f(*variables)
    grads = [tape.gradient(loss, v) for v in wanted]
    return grads, tape


def two_grads_one_pass__two_tapes(f, x):
    """Two tapes record the one forward pass; each answers its own gradient call (lecture §9)."""
    with tf.GradientTape() as tape_y, tf.GradientTape() as tape_z:
        y, z = f(x)
    return [tape_y.gradient(y, x), tape_z.gradient(z, x)]



def two_grads_one_pass__tf_function(f, x):
    """The persistent tape inside a tf.function."""
    @tf.function
    def grads(v):
        with tf.GradientTape(persistent=True) as tape:
            y, z = f(v)
        return [tape.gradient(y, v), tape.gradient(z, v)]

    return grads(x)


def grad_wrt_intermediate__persistent(g, h, x):
    """A persistent tape and two tape.gradient calls."""
    with tf.GradientTape(persistent=True) as tape:
        u = h(x)
        y = g(u)
    dy_du, dy_dx = tape.gradient(y, u), tape.gradient(y, x)
    del tape
    return [dy_du, dy_dx]


def grad_wrt_intermediate__watch_u_too(g, h, x):
    """Also calls tape.watch(u) right after computing it inside the tape (harmless)."""
    with tf.GradientTape() as tape:
        u = h(x)
        tape.watch(u)
        y = g(u)
    return tape.gradient(y, [u, x])



def predict_none__runs_scenario(scenario):
    """Builds the scenario's code and runs it (the statement allows it)."""
    s = scenario
    dtype = {"float32": tf.float32, "float64": tf.float64, "int32": tf.int32}[s["dtype"]]
    value = 3 if s["dtype"] == "int32" else 3.0
    if s["source"] == "constant":
        x = tf.constant(value, dtype)
    else:
        x = tf.Variable(value, dtype=dtype, trainable=s["trainable"])
        if s["rebound"]:
            x = x + 1

    def compute(x):
        return {"tf.square(x)": lambda: tf.square(x),
                "tf.square(x) + 2 * x": lambda: tf.square(x) + 2 * x,
                "x * x if x > 0 else -x": lambda: x * x if x > 0 else -x,
                "tf.constant(x.numpy() ** 2)": lambda: tf.constant(x.numpy() ** 2)}[s["y"]]()

    y = None
    with tf.GradientTape(watch_accessed_variables=s["watch_accessed_variables"]) as tape:
        if s["watch"] == "before":
            tape.watch(x)
        if s["where"] == "tape":
            y = compute(x)
        elif s["where"] == "stop_recording":
            with tape.stop_recording():
                y = compute(x)
        if s["watch"] == "after":
            tape.watch(x)
    if s["where"] == "after_tape":
        y = compute(x)
    return tape.gradient(y, x) is None


def predict_none__watched_first(scenario):
    """The same rules in another order: first what is watched, then what is recorded."""
    if scenario["source"] == "constant":
        watched = scenario["watch"] == "before"
    elif scenario["rebound"]:
        watched = scenario["watch"] == "before"
    else:
        automatic = scenario["trainable"] and scenario["watch_accessed_variables"]
        watched = automatic or scenario["watch"] == "before"
    recorded = scenario["where"] == "tape" and "numpy" not in scenario["y"]
    floating = scenario["dtype"] in ("float32", "float64")
    return not (watched and recorded and floating)


__all__ = [name for name in dir() if "__" in name.strip("_")]
_unused = np  # NumPy is available to answers, as in the exercise's setup cell
