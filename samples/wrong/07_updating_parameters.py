"""Plausible wrong answers for exercise 07; each must lose its question's points.

A function named `<question>__<pitfall>` is a wrong answer to `<question>`; its docstring
says which mistake it makes. The sample class (autograder/sample_class.py) pastes these
into real submissions, and tests/ check each one loses exactly its question's points.
"""

import numpy as np
import tensorflow as tf


def sgd_step__rebinds(variables, grads, lr):
    """`variables[i] = w - lr * g` puts new Tensors in the list; the Variables themselves never change."""
    for i, (w, g) in enumerate(zip(variables, grads)):
        if g is not None:
            variables[i] = w - lr * g


def sgd_step__no_none_check(variables, grads, lr):
    """Forgets that a gradient can be None: `lr * None` raises a TypeError."""
    for w, g in zip(variables, grads):
        w.assign_sub(lr * g)


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


def max_stable_lr__best_lr(A):
    """2/(λmin + λmax) is the fastest learning rate, not the stability limit 2/λmax."""
    lam = np.linalg.eigvalsh(A.numpy())
    return 2 / (lam.min() + lam.max())


def max_stable_lr__hardcoded(A):
    """Returns the lecture's 0.5 whatever A is."""
    return 0.5


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


__all__ = [name for name in dir() if "__" in name.strip("_")]
