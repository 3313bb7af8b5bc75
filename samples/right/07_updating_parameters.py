"""Other correct answers to exercise 07; each must earn its question's points for every student.

A function named `<question>__<variant>` is a correct answer to `<question>` written another way
than the solution (an index loop, a Keras optimizer, `tf.function`, another correct algorithm);
its docstring says how.
"""

import numpy as np
import tensorflow as tf


def sgd_step__keras_optimizer(variables, grads, lr):
    """Keras's SGD does the step; it skips None gradients itself (with a warning)."""
    pairs = [(g, w) for g, w in zip(grads, variables) if g is not None]
    tf.keras.optimizers.SGD(learning_rate=lr).apply_gradients(pairs)


def sgd_step__by_index(variables, grads, lr):
    """An index loop with assign(w - lr * g)."""
    for i in range(len(variables)):
        if grads[i] is not None:
            variables[i].assign(variables[i] - lr * grads[i])


@tf.function
def sgd_step__tf_function(variables, grads, lr):
    """The step under tf.function (a None gradient is a Python None while tracing)."""
    for w, g in zip(variables, grads):
        if g is not None:
            w.assign_sub(lr * g)


def momentum_step__by_index(variables, grads, velocities, lr, mu):
    """Index loop, the velocity computed first and then stored with assign."""
    for i in range(len(variables)):
        m_new = mu * velocities[i] - lr * grads[i]
        velocities[i].assign(m_new)
        variables[i].assign_add(m_new)


def adam_step__textbook_rescaled_epsilon(variables, grads, ms, vs, t, lr, beta_1, beta_2, epsilon):
    """The textbook form with epsilon replaced by epsilon / sqrt(1 - beta_2**t): the lecture's equivalence."""
    for w, g, m, v in zip(variables, grads, ms, vs):
        m.assign(beta_1 * m + (1 - beta_1) * g)
        v.assign(beta_2 * v + (1 - beta_2) * g * g)
        m_hat = m / (1 - beta_1 ** t)
        v_hat = v / (1 - beta_2 ** t)
        w.assign_sub(lr * m_hat / (tf.sqrt(v_hat) + epsilon / np.sqrt(1 - beta_2 ** t)))


def gd_minimize__watched_tensor(f, x0, lr, steps):
    """x stays a plain tensor, watched by each new tape: rebinding is fine when the tape watches x."""
    x = x0
    for _ in range(steps):
        with tf.GradientTape() as tape:
            tape.watch(x)
            fx = f(x)
        x = x - lr * tape.gradient(fx, x)
    return x


def gd_minimize__keras_sgd(f, x0, lr, steps):
    """A Keras SGD optimizer applies each step."""
    x = tf.Variable(x0)
    opt = tf.keras.optimizers.SGD(learning_rate=lr)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            fx = f(x)
        opt.apply_gradients([(tape.gradient(fx, x), x)])
    return x


def gd_minimize__tf_function(f, x0, lr, steps):
    """The step under tf.function (f is then called once per run of the graph, not once per trace)."""
    x = tf.Variable(x0)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            fx = f(x)
        x.assign_sub(lr * tape.gradient(fx, x))

    for _ in range(steps):
        step()
    return x


def gd_minimize__new_variable_each_step(f, x0, lr, steps):
    """A new Variable from each new value: wasteful, but every tape watches it; returns a NumPy array."""
    x = tf.Variable(x0)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            fx = f(x)
        x = tf.Variable(x - lr * tape.gradient(fx, x))
    return x.numpy()


def max_stable_lr__tf_eigvalsh(A):
    """tf.linalg.eigvalsh in float32, returned as a scalar tensor."""
    return 2.0 / tf.reduce_max(tf.linalg.eigvalsh(A))


def max_stable_lr__spectral_norm(A):
    """For a symmetric positive definite A the 2-norm is λmax."""
    return float(2 / np.linalg.norm(A.numpy().astype(np.float64), 2))


def max_stable_lr__eigvals_max(A):
    """np.linalg.eigvals (unsorted), then the max: the largest eigenvalue whatever the order."""
    return 2 / np.max(np.real(np.linalg.eigvals(A.numpy())))


def clip_global_norm__maximum_form(grads, c):
    """g * c / max(||g||, c): the same factor as min(1, c/||g||); NumPy for the norm."""
    norm = float(np.sqrt(sum(np.sum(g.numpy().astype(np.float64) ** 2) for g in grads if g is not None)))
    factor = c / max(norm, c)
    return [None if g is None else g * factor for g in grads], norm


def clip_global_norm__branch(grads, c):
    """Only scales when the norm exceeds c; tf.norm per tensor; returns a tuple."""
    norm = tf.sqrt(tf.add_n([tf.norm(g) ** 2 for g in grads if g is not None]))
    if norm <= c:
        return list(grads), norm
    return [g if g is None else g * (c / norm) for g in grads], norm


__all__ = [name for name in dir() if "__" in name.strip("_")]
