"""Plausible wrong answers for exercise 07; each must lose its question's points.

A function named `<question>__<pitfall>` is a wrong answer to `<question>`; its docstring
says which mistake it makes. The sample class (autograder/sample_class.py) pastes these
into real submissions, and tests/ check each one loses exactly its question's points.
"""

import numpy as np
import tensorflow as tf


# --- sgd_step ----------------------------------------------------------------------------
def sgd_step__rebinds(variables, grads, lr):
    """`variables[i] = w - lr * g` puts new Tensors in the list; the Variables themselves never change."""
    for i, (w, g) in enumerate(zip(variables, grads)):
        if g is not None:
            variables[i] = w - lr * g


def sgd_step__no_none_check(variables, grads, lr):
    """Forgets that a gradient can be None: `lr * None` raises a TypeError."""
    for w, g in zip(variables, grads):
        w.assign_sub(lr * g)


def sgd_step__uphill(variables, grads, lr):
    """Adds the gradient instead of subtracting it: every step goes uphill."""
    for w, g in zip(variables, grads):
        if g is not None:
            w.assign_add(lr * g)


def sgd_step__local_rebind(variables, grads, lr):
    """`w = w - lr * g` rebinds the loop's local name only: the Variables keep their old values."""
    for w, g in zip(variables, grads):
        if g is not None:
            w = w - lr * g


def sgd_step__stops_at_none(variables, grads, lr):
    """Stops at the first None gradient (`break` instead of `continue`): later Variables are not updated."""
    for w, g in zip(variables, grads):
        if g is None:
            break
        w.assign_sub(lr * g)


def sgd_step__first_only(variables, grads, lr):
    """Updates only the first Variable, as the seed post updates only x1."""
    if grads[0] is not None:
        variables[0].assign_sub(lr * grads[0])


def sgd_step__lr_twice(variables, grads, lr):
    """Scales the gradient by lr and then steps by lr again: the step is lr² · g."""
    for w, g in zip(variables, grads):
        if g is not None:
            step = lr * g
            w.assign_sub(lr * step)


# --- momentum_step -------------------------------------------------------------------------
def momentum_step__sign_error(variables, grads, velocities, lr, mu):
    """m = mu*m + lr*g, then w += m: every step goes uphill."""
    for w, g, m in zip(variables, grads, velocities):
        m.assign(mu * m + lr * g)
        w.assign_add(m)


def momentum_step__velocity_not_stored(variables, grads, velocities, lr, mu):
    """Computes the new velocity in a local name and never stores it: plain SGD."""
    for w, g, m in zip(variables, grads, velocities):
        m = mu * m - lr * g
        w.assign_add(m)


def momentum_step__textbook(variables, grads, velocities, lr, mu):
    """The textbook velocity v = mu*v + g, w -= lr*v: the same parameters, but the state holds -m/lr."""
    for w, g, v in zip(variables, grads, velocities):
        v.assign(mu * v + g)
        w.assign_sub(lr * v)


def momentum_step__lr_twice(variables, grads, velocities, lr, mu):
    """Keras's m = mu*m - lr*g, then the textbook's w += lr*m: the learning rate is applied twice."""
    for w, g, m in zip(variables, grads, velocities):
        m.assign(mu * m - lr * g)
        w.assign_add(lr * m)


def momentum_step__w_before_m(variables, grads, velocities, lr, mu):
    """Moves w along the old velocity, then updates m: each step uses the previous step's m."""
    for w, g, m in zip(variables, grads, velocities):
        w.assign_add(m)
        m.assign(mu * m - lr * g)


def momentum_step__running_average(variables, grads, velocities, lr, mu):
    """Adam's running average for m, m = mu*m + (1-mu)*g, then w -= lr*m: not Keras's momentum."""
    for w, g, m in zip(variables, grads, velocities):
        m.assign(mu * m + (1 - mu) * g)
        w.assign_sub(lr * m)


# --- adam_step -----------------------------------------------------------------------------
def adam_step__textbook(variables, grads, ms, vs, t, lr, beta_1, beta_2, epsilon):
    """The paper's Adam, lr * m_hat / (sqrt(v_hat) + eps): epsilon in a different place than Keras 3."""
    for w, g, m, v in zip(variables, grads, ms, vs):
        m.assign(beta_1 * m + (1 - beta_1) * g)
        v.assign(beta_2 * v + (1 - beta_2) * g * g)
        m_hat = m / (1 - beta_1 ** t)
        v_hat = v / (1 - beta_2 ** t)
        w.assign_sub(lr * m_hat / (tf.sqrt(v_hat) + epsilon))


def adam_step__eps_inside_sqrt(variables, grads, ms, vs, t, lr, beta_1, beta_2, epsilon):
    """Bias-corrected Adam with epsilon inside the square root, sqrt(v_hat + eps)."""
    for w, g, m, v in zip(variables, grads, ms, vs):
        m.assign(beta_1 * m + (1 - beta_1) * g)
        v.assign(beta_2 * v + (1 - beta_2) * g * g)
        m_hat = m / (1 - beta_1 ** t)
        v_hat = v / (1 - beta_2 ** t)
        w.assign_sub(lr * m_hat / tf.sqrt(v_hat + epsilon))


def adam_step__no_bias_correction(variables, grads, ms, vs, t, lr, beta_1, beta_2, epsilon):
    """Omits the bias correction: steps by lr * m / (sqrt(v) + eps), too small in the first steps."""
    for w, g, m, v in zip(variables, grads, ms, vs):
        m.assign_add((1 - beta_1) * (g - m))
        v.assign_add((1 - beta_2) * (tf.square(g) - v))
        w.assign_sub(lr * m / (tf.sqrt(v) + epsilon))


def adam_step__t_plus_one(variables, grads, ms, vs, t, lr, beta_1, beta_2, epsilon):
    """Counts the step from 0 like Keras's `iterations` and adds 1 to a t that already starts at 1."""
    step = t + 1
    alpha = lr * (1 - beta_2 ** step) ** 0.5 / (1 - beta_1 ** step)
    for w, g, m, v in zip(variables, grads, ms, vs):
        m.assign_add((1 - beta_1) * (g - m))
        v.assign_add((1 - beta_2) * (tf.square(g) - v))
        w.assign_sub(alpha * m / (tf.sqrt(v) + epsilon))


def adam_step__state_rebound(variables, grads, ms, vs, t, lr, beta_1, beta_2, epsilon):
    """`m = m + ...` rebinds local names: ms and vs stay zero, so every step starts the averages anew."""
    alpha = lr * (1 - beta_2 ** t) ** 0.5 / (1 - beta_1 ** t)
    for w, g, m, v in zip(variables, grads, ms, vs):
        m = m + (1 - beta_1) * (g - m)
        v = v + (1 - beta_2) * (tf.square(g) - v)
        w.assign_sub(alpha * m / (tf.sqrt(v) + epsilon))


def adam_step__lr_twice(variables, grads, ms, vs, t, lr, beta_1, beta_2, epsilon):
    """alpha_t already contains lr, and the step multiplies by lr once more."""
    alpha = lr * (1 - beta_2 ** t) ** 0.5 / (1 - beta_1 ** t)
    for w, g, m, v in zip(variables, grads, ms, vs):
        m.assign_add((1 - beta_1) * (g - m))
        v.assign_add((1 - beta_2) * (tf.square(g) - v))
        w.assign_sub(lr * alpha * m / (tf.sqrt(v) + epsilon))


def adam_step__default_betas(variables, grads, ms, vs, t, lr, beta_1, beta_2, epsilon):
    """Uses Keras's default betas 0.9 and 0.999 whatever the arguments say."""
    beta_1, beta_2 = 0.9, 0.999
    alpha = lr * (1 - beta_2 ** t) ** 0.5 / (1 - beta_1 ** t)
    for w, g, m, v in zip(variables, grads, ms, vs):
        m.assign_add((1 - beta_1) * (g - m))
        v.assign_add((1 - beta_2) * (tf.square(g) - v))
        w.assign_sub(alpha * m / (tf.sqrt(v) + epsilon))


# --- gd_minimize ---------------------------------------------------------------------------
def gd_minimize__rebinds(f, x0, lr, steps):
    """`x = x - lr * g` turns the Variable into a Tensor: the second step's gradient is None."""
    x = tf.Variable(x0)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            fx = f(x)
        x = x - lr * tape.gradient(fx, x)
    return x


def gd_minimize__finite_differences(f, x0, lr, steps):
    """Central finite differences instead of a tape: 2n evaluations of f per step."""
    x = x0.numpy().astype(np.float64)
    h = 1e-3
    for _ in range(steps):
        g = np.zeros_like(x)
        for i in range(len(x)):
            e = np.zeros_like(x)
            e[i] = h
            g[i] = (float(f(tf.constant(x + e, tf.float32))) - float(f(tf.constant(x - e, tf.float32)))) / (2 * h)
        x = x - lr * g
    return tf.constant(x, tf.float32)


def gd_minimize__off_by_one(f, x0, lr, steps):
    """`range(1, steps)`: one step too few."""
    x = tf.Variable(x0)
    for _ in range(1, steps):
        with tf.GradientTape() as tape:
            fx = f(x)
        x.assign_sub(lr * tape.gradient(fx, x))
    return x


def gd_minimize__uphill(f, x0, lr, steps):
    """assign_add instead of assign_sub: gradient ascent."""
    x = tf.Variable(x0)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            fx = f(x)
        x.assign_add(lr * tape.gradient(fx, x))
    return x


def gd_minimize__stops_when_f_rises(f, x0, lr, steps):
    """A safeguard that stops as soon as f increases: it stops early where the path diverges."""
    x = tf.Variable(x0)
    previous = None
    for _ in range(steps):
        with tf.GradientTape() as tape:
            fx = f(x)
        if previous is not None and float(fx) > previous:
            break
        previous = float(fx)
        x.assign_sub(lr * tape.gradient(fx, x))
    return x


def gd_minimize__unwatched_constant(f, x0, lr, steps):
    """Differentiates with respect to the constant x0 without tape.watch: the gradient is None."""
    x = x0
    for _ in range(steps):
        with tf.GradientTape() as tape:
            fx = f(x)
        x = x - lr * tape.gradient(fx, x)
    return x


# --- max_stable_lr -------------------------------------------------------------------------
def max_stable_lr__best_lr(A):
    """2/(λmin + λmax) is the fastest learning rate, not the stability limit 2/λmax."""
    lam = np.linalg.eigvalsh(A.numpy())
    return 2 / (lam.min() + lam.max())


def max_stable_lr__lambda_min(A):
    """Takes the first eigenvalue of eigvalsh (ascending order): 2/λmin, far above the limit."""
    lam = np.linalg.eigvalsh(A.numpy())
    return 2 / lam[0]


def max_stable_lr__hardcoded(A):
    """Returns the lecture's 0.5 whatever A is."""
    return 0.5


def max_stable_lr__one_over_lambda(A):
    """1/λmax: the factor 1 − lr·λmax reaches 0 there, not −1; the limit is twice that."""
    return 1 / np.linalg.eigvalsh(A.numpy()).max()


def max_stable_lr__frobenius(A):
    """2 / np.linalg.norm(A): the Frobenius norm, not the largest eigenvalue (the 2-norm)."""
    return 2 / np.linalg.norm(A.numpy())


def max_stable_lr__diagonal(A):
    """2 over the largest diagonal entry: ignores the off-diagonal coupling."""
    return 2 / np.max(np.diag(A.numpy()))


def max_stable_lr__eig_unsorted(A):
    """np.linalg.eigvals does not sort: its last eigenvalue is not always the largest."""
    return 2 / np.real(np.linalg.eigvals(A.numpy()))[-1]


# --- clip_global_norm ----------------------------------------------------------------------
def clip_global_norm__per_tensor(grads, c):
    """Clips each gradient by its own norm (tf.clip_by_norm): the direction changes."""
    present = [g for g in grads if g is not None]
    norm = tf.sqrt(tf.add_n([tf.reduce_sum(g * g) for g in present]))
    return [None if g is None else tf.clip_by_norm(g, c) for g in grads], norm


def clip_global_norm__always_scales(grads, c):
    """Scales by c / norm even when the norm is already below c (stretching small gradients)."""
    present = [g for g in grads if g is not None]
    norm = tf.sqrt(tf.add_n([tf.reduce_sum(g * g) for g in present]))
    return [None if g is None else g * c / norm for g in grads], norm


def clip_global_norm__sum_of_norms(grads, c):
    """The global norm as the sum of the norms, Σ ||g_i||, instead of sqrt(Σ ||g_i||²)."""
    norm = tf.add_n([tf.norm(g) for g in grads if g is not None])
    scale = tf.minimum(1.0, c / norm)
    return [None if g is None else g * scale for g in grads], norm


def clip_global_norm__norm_after(grads, c):
    """Returns the norm after clipping, min(||g||, c), instead of the global norm before."""
    present = [g for g in grads if g is not None]
    norm = tf.sqrt(tf.add_n([tf.reduce_sum(tf.square(g)) for g in present]))
    scale = tf.minimum(1.0, c / norm)
    return [None if g is None else g * scale for g in grads], norm * scale


def clip_global_norm__drops_none(grads, c):
    """Drops the None entries: the clipped list is shorter and its positions shift."""
    present = [g for g in grads if g is not None]
    norm = tf.sqrt(tf.add_n([tf.reduce_sum(tf.square(g)) for g in present]))
    scale = tf.minimum(1.0, c / norm)
    return [g * scale for g in present], norm


def clip_global_norm__by_value(grads, c):
    """tf.clip_by_value(g, -c, c) caps each entry, not the norm of the whole list."""
    present = [g for g in grads if g is not None]
    norm = tf.sqrt(tf.add_n([tf.reduce_sum(tf.square(g)) for g in present]))
    return [None if g is None else tf.clip_by_value(g, -c, c) for g in grads], norm


__all__ = [name for name in dir() if "__" in name.strip("_")]
