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


def grad_wrt_tensors__watch_after_f(f, *ts):
    """Calls tape.watch after f: a watch affects only later operations, so constants get None."""
    with tf.GradientTape() as tape:
        y = f(*ts)
        tape.watch(ts)
    return tape.gradient(y, list(ts))


def grad_wrt_tensors__watch_first_only(f, *ts):
    """Watches only the first tensor (the lecture's one-tensor form): later constants get None."""
    with tf.GradientTape() as tape:
        tape.watch(ts[0])
        y = f(*ts)
    return tape.gradient(y, list(ts))


def grad_wrt_tensors__one_tape_per_tensor(f, *ts):
    """One tape and one forward pass per tensor: right numbers, but f runs len(ts) times."""
    grads = []
    for t in ts:
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = f(*ts)
        grads.append(tape.gradient(y, t))
    return grads


def grad_wrt_tensors__bare_single(f, *ts):
    """Returns the gradient itself, not a list of one, when there is one tensor."""
    with tf.GradientTape() as tape:
        tape.watch(ts)
        y = f(*ts)
    grads = tape.gradient(y, list(ts))
    return grads[0] if len(ts) == 1 else grads


def grad_wrt_tensors__finite_differences(f, *ts):
    """Central differences instead of a tape: calls f twice per entry of every tensor."""
    eps = 1e-3
    grads = []
    for i, t in enumerate(ts):
        flat = tf.reshape(tf.identity(t), [-1])
        g = []
        for j in range(int(tf.size(flat))):
            step = tf.reshape(tf.one_hot(j, tf.size(flat), eps), tf.shape(t))
            up = [u + step if k == i else u for k, u in enumerate(ts)]
            down = [u - step if k == i else u for k, u in enumerate(ts)]
            g.append(tf.reduce_sum(f(*up) - f(*down)) / (2 * eps))
        grads.append(tf.reshape(tf.stack(g), tf.shape(t)))
    return grads


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


def selective_grads__watch_plus_default(f, variables, wanted):
    """tape.watch(wanted) on a default tape: it still watches every trainable Variable f reads."""
    with tf.GradientTape() as tape:
        tape.watch(wanted)
        loss = f(*variables)
    return tape.gradient(loss, wanted), tape


def selective_grads__variables_order(f, variables, wanted):
    """Right tape, but the gradients come in the order of `variables`, not of `wanted`."""
    chosen = [v for v in variables if any(v is w for w in wanted)]
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(chosen)
        loss = f(*variables)
    return tape.gradient(loss, chosen), tape


def selective_grads__trainable_only(f, variables, wanted):
    """Watches only the trainable wanted Variables: thinks trainable=False ones can't be watched."""
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch([w for w in wanted if w.trainable])
        loss = f(*variables)
    return tape.gradient(loss, wanted), tape


def selective_grads__watch_after_f(f, variables, wanted):
    """Calls tape.watch after computing the loss: too late, so the gradients are None."""
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        loss = f(*variables)
        tape.watch(wanted)
    return tape.gradient(loss, wanted), tape


def selective_grads__grads_for_all(f, variables, wanted):
    """Right tape, but returns a gradient for every Variable (None for the unwanted ones)."""
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(wanted)
        loss = f(*variables)
    return tape.gradient(loss, variables), tape


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


def two_grads_one_pass__swapped(f, x):
    """Unpacks the pair in the wrong order (z, y = f(x)): returns [dz/dx, dy/dx]."""
    with tf.GradientTape(persistent=True) as tape:
        z, y = f(x)
    grads = [tape.gradient(y, x), tape.gradient(z, x)]
    del tape
    return grads


def two_grads_one_pass__same_target_twice(f, x):
    """A copy-paste slip: asks for the gradient of y twice, so dz/dx is really dy/dx."""
    with tf.GradientTape(persistent=True) as tape:
        y, z = f(x)
    grads = [tape.gradient(y, x), tape.gradient(y, x)]
    del tape
    return grads


def two_grads_one_pass__stacked_target(f, x):
    """tape.gradient(tf.stack([y, z]), x): a non-scalar target is summed too, like a list."""
    with tf.GradientTape() as tape:
        y, z = f(x)
        both = tf.stack([y, z])
    g = tape.gradient(both, x)
    return [g, g]


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


def grad_wrt_intermediate__watch_u_outside(g, h, x):
    """Computes u before the tape and watches it (the lecture's fix for dy/du): dy/dx is None."""
    u = h(x)
    with tf.GradientTape() as tape:
        tape.watch(u)
        y = g(u)
    return tape.gradient(y, [u, x])


def grad_wrt_intermediate__elementwise_chain(g, h, x):
    """dy/dx as dy/du * du/dx entry by entry: wrong when u = h(x) mixes the entries of x."""
    with tf.GradientTape(persistent=True) as tape:
        u = h(x)
        y = g(u)
    dy_du = tape.gradient(y, u)
    du_dx = tape.gradient(u, x)
    del tape
    return [dy_du, dy_du * du_dx]


def grad_wrt_intermediate__not_persistent(g, h, x):
    """Two tape.gradient calls on a plain tape: the second one raises RuntimeError."""
    with tf.GradientTape() as tape:
        u = h(x)
        y = g(u)
    return [tape.gradient(y, u), tape.gradient(y, x)]


def grad_wrt_intermediate__g_of_new_h(g, h, x):
    """Keeps u = h(x) but computes y = g(h(x)): g received another tensor, so dy/du is None."""
    with tf.GradientTape() as tape:
        u = h(x)
        y = g(h(x))
    return tape.gradient(y, [u, x])


def grad_wrt_intermediate__two_passes(g, h, x):
    """Right numbers from two tapes and two forward passes: h and g each run twice."""
    with tf.GradientTape() as tape:
        u = h(x)
        y = g(u)
    dy_du = tape.gradient(y, u)
    with tf.GradientTape() as tape:
        y = g(h(x))
    return [dy_du, tape.gradient(y, x)]


def predict_none__watch_after_counts(scenario):
    """Treats a tape.watch(x) after y like one before it: a watch only affects later operations."""
    if scenario["dtype"] == "int32":          # int tensors carry no gradient
        return True
    if scenario["where"] != "tape":           # the tape did not record y
        return True
    if ".numpy()" in scenario["y"]:           # NumPy is invisible to the tape
        return True
    variable = scenario["source"] == "Variable" and not scenario["rebound"]
    auto = variable and scenario["trainable"] and scenario["watch_accessed_variables"]
    return not (auto or scenario["watch"] in ("before", "after"))


def predict_none__rebound_still_variable(scenario):
    """Forgets that `x = x + 1` makes a plain Tensor: treats the rebound x as the Variable."""
    if scenario["dtype"] == "int32":          # int tensors carry no gradient
        return True
    if scenario["where"] != "tape":           # the tape did not record y
        return True
    if ".numpy()" in scenario["y"]:           # NumPy is invisible to the tape
        return True
    variable = scenario["source"] == "Variable"
    auto = variable and scenario["trainable"] and scenario["watch_accessed_variables"]
    return not (auto or scenario["watch"] == "before")


def predict_none__hardcoded(scenario):
    """Returns the first public case's answer (False: seed 001's gradient 6) for every scenario."""
    return False


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


def predict_none__float64_none(scenario):
    """Thinks only float32 carries gradients: predicts None for float64 too."""
    if scenario["dtype"] != "float32":        # only float32 carries gradients
        return True
    if scenario["where"] != "tape":           # the tape did not record y
        return True
    if ".numpy()" in scenario["y"]:           # NumPy is invisible to the tape
        return True
    variable = scenario["source"] == "Variable" and not scenario["rebound"]
    auto = variable and scenario["trainable"] and scenario["watch_accessed_variables"]
    return not (auto or scenario["watch"] == "before")


def predict_none__int_carries_gradient(scenario):
    """Thinks an int32 tensor carries a gradient like a float one (it never does)."""
    if scenario["where"] != "tape":           # the tape did not record y
        return True
    if ".numpy()" in scenario["y"]:           # NumPy is invisible to the tape
        return True
    variable = scenario["source"] == "Variable" and not scenario["rebound"]
    auto = variable and scenario["trainable"] and scenario["watch_accessed_variables"]
    return not (auto or scenario["watch"] == "before")


def predict_none__after_block_recorded(scenario):
    """Thinks y computed after the `with` block is still recorded (only stop_recording pauses)."""
    if scenario["dtype"] == "int32":          # int tensors carry no gradient
        return True
    if scenario["where"] == "stop_recording":  # paused: y not recorded
        return True
    if ".numpy()" in scenario["y"]:           # NumPy is invisible to the tape
        return True
    variable = scenario["source"] == "Variable" and not scenario["rebound"]
    auto = variable and scenario["trainable"] and scenario["watch_accessed_variables"]
    return not (auto or scenario["watch"] == "before")


def predict_none__stop_recording_ignored(scenario):
    """Thinks tape.stop_recording() changes nothing: only y after the block is unrecorded."""
    if scenario["dtype"] == "int32":          # int tensors carry no gradient
        return True
    if scenario["where"] == "after_tape":      # after the block: not recorded
        return True
    if ".numpy()" in scenario["y"]:           # NumPy is invisible to the tape
        return True
    variable = scenario["source"] == "Variable" and not scenario["rebound"]
    auto = variable and scenario["trainable"] and scenario["watch_accessed_variables"]
    return not (auto or scenario["watch"] == "before")


def predict_none__numpy_is_seen(scenario):
    """Thinks the tape sees through .numpy(): a y made with NumPy still has a gradient."""
    if scenario["dtype"] == "int32":          # int tensors carry no gradient
        return True
    if scenario["where"] != "tape":           # the tape did not record y
        return True
    variable = scenario["source"] == "Variable" and not scenario["rebound"]
    auto = variable and scenario["trainable"] and scenario["watch_accessed_variables"]
    return not (auto or scenario["watch"] == "before")


def predict_none__if_breaks_tape(scenario):
    """Thinks Python control flow (an if on x) breaks the record and gives None."""
    if scenario["dtype"] == "int32":          # int tensors carry no gradient
        return True
    if scenario["where"] != "tape":           # the tape did not record y
        return True
    if ".numpy()" in scenario["y"] or " if " in scenario["y"]:  # leaves TensorFlow
        return True
    variable = scenario["source"] == "Variable" and not scenario["rebound"]
    auto = variable and scenario["trainable"] and scenario["watch_accessed_variables"]
    return not (auto or scenario["watch"] == "before")


def predict_none__constants_watched(scenario):
    """Thinks a tape watches every tensor it reads, constants included (they need tape.watch)."""
    if scenario["dtype"] == "int32":          # int tensors carry no gradient
        return True
    if scenario["where"] != "tape":           # the tape did not record y
        return True
    if ".numpy()" in scenario["y"]:           # NumPy is invisible to the tape
        return True
    variable = scenario["source"] == "Variable" and not scenario["rebound"]
    auto = (variable and scenario["trainable"] and scenario["watch_accessed_variables"]) \
        or scenario["source"] == "constant"
    return not (auto or scenario["watch"] == "before")


def predict_none__watch_always_needed(scenario):
    """Thinks every x needs tape.watch, trainable Variables too (a tape watches those by itself)."""
    if scenario["dtype"] == "int32":          # int tensors carry no gradient
        return True
    if scenario["where"] != "tape":           # the tape did not record y
        return True
    if ".numpy()" in scenario["y"]:           # NumPy is invisible to the tape
        return True
    return scenario["watch"] != "before"      # nothing is watched without tape.watch


def predict_none__frozen_unwatchable(scenario):
    """Thinks a trainable=False Variable can never be watched, even with tape.watch before y."""
    if scenario["dtype"] == "int32":          # int tensors carry no gradient
        return True
    if scenario["where"] != "tape":           # the tape did not record y
        return True
    if ".numpy()" in scenario["y"]:           # NumPy is invisible to the tape
        return True
    variable = scenario["source"] == "Variable" and not scenario["rebound"]
    auto = variable and scenario["trainable"] and scenario["watch_accessed_variables"]
    if variable and not scenario["trainable"]:   # frozen: never watched
        return True
    return not (auto or scenario["watch"] == "before")


def predict_none__ignores_watch_accessed(scenario):
    """Ignores watch_accessed_variables=False: thinks the tape still watches Variables by itself."""
    if scenario["dtype"] == "int32":          # int tensors carry no gradient
        return True
    if scenario["where"] != "tape":           # the tape did not record y
        return True
    if ".numpy()" in scenario["y"]:           # NumPy is invisible to the tape
        return True
    variable = scenario["source"] == "Variable" and not scenario["rebound"]
    auto = variable and scenario["trainable"]
    return not (auto or scenario["watch"] == "before")


def predict_none__watch_off_means_nothing(scenario):
    """Thinks a tape with watch_accessed_variables=False watches nothing, even what it is given."""
    if scenario["dtype"] == "int32":          # int tensors carry no gradient
        return True
    if scenario["where"] != "tape":           # the tape did not record y
        return True
    if ".numpy()" in scenario["y"]:           # NumPy is invisible to the tape
        return True
    variable = scenario["source"] == "Variable" and not scenario["rebound"]
    auto = variable and scenario["trainable"] and scenario["watch_accessed_variables"]
    if not scenario["watch_accessed_variables"]:  # this tape watches nothing
        return True
    return not (auto or scenario["watch"] == "before")


def predict_none__rebound_never(scenario):
    """Thinks a rebound x (`x = x + 1`) can never get a gradient, even with tape.watch before y."""
    if scenario["dtype"] == "int32":          # int tensors carry no gradient
        return True
    if scenario["where"] != "tape":           # the tape did not record y
        return True
    if ".numpy()" in scenario["y"]:           # NumPy is invisible to the tape
        return True
    variable = scenario["source"] == "Variable" and not scenario["rebound"]
    auto = variable and scenario["trainable"] and scenario["watch_accessed_variables"]
    if scenario["rebound"]:                   # the Variable is lost for good
        return True
    return not (auto or scenario["watch"] == "before")


__all__ = [name for name in dir() if "__" in name.strip("_")]
_unused = np  # NumPy is available to answers, as in the exercise's setup cell
