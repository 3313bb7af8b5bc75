"""Other correct answers to exercise 11; each must earn its question's points for every student.

A function named `<question>__<variant>` is a correct answer to `<question>` written another way
than the solution (per-row gradients, NumPy for the linear algebra, a Keras loss object,
batch_jacobian, tf.function...).
"""

import numpy as np
import tensorflow as tf


# --- gauss_newton_step ---------------------------------------------------------------------------
def gauss_newton_step__rows_in_numpy(model, X, y, damping):
    """J row by row with a persistent tape (one gradient per residual), the solve in float64 NumPy."""
    with tf.GradientTape(persistent=True) as tape:
        r = model(X)[:, 0] - y
        rows = [r[i] for i in range(int(r.shape[0]))]
    J = np.stack([np.concatenate([g.numpy().ravel() for g in tape.gradient(ri, model.trainable_variables)])
                  for ri in rows]).astype(np.float64)
    del tape
    r = r.numpy().astype(np.float64)
    return -np.linalg.solve(J.T @ J + damping * np.eye(J.shape[1]), J.T @ r)


def gauss_newton_step__float32_lstsq(model, X, y, damping):
    """The damped step as a stacked least-squares problem [J; √λ I] Δ ≈ [−r; 0], in float32."""
    with tf.GradientTape() as tape:
        r = model(X)[:, 0] - y
    J = tf.concat([tf.reshape(j, [tf.shape(r)[0], -1])
                   for j in tape.jacobian(r, model.trainable_variables)], axis=1)
    P = J.shape[1]
    A = tf.concat([tf.cast(J, tf.float64), tf.sqrt(tf.cast(damping, tf.float64)) * tf.eye(P, dtype=tf.float64)], 0)
    b = tf.concat([-tf.cast(r, tf.float64), tf.zeros(P, tf.float64)], 0)
    return tf.linalg.lstsq(A, b[:, None], fast=False)[:, 0]


# --- saliency ------------------------------------------------------------------------------------
@tf.function
def _saliency_graph(model, x, label):
    with tf.GradientTape() as tape:
        tape.watch(x)
        logit = tf.gather(model(tf.expand_dims(x, 0))[0], label)
    return tf.abs(tape.gradient(logit, x))


def saliency__tf_function(model, x, label):
    """The same computation inside tf.function, the logit taken with tf.gather."""
    return _saliency_graph(model, x, tf.constant(label))


def saliency__one_hot(model, x, label):
    """A one-hot weighting of the logits (a VJP with output_gradients), returned as NumPy."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        logits = model(x[None])
    k = logits.shape[-1]
    g = tape.gradient(logits, x, output_gradients=tf.one_hot([label], k))
    return np.abs(g.numpy())


# --- fgsm ----------------------------------------------------------------------------------------
def fgsm__loss_object(model, x, label, eps):
    """A Keras loss object, the clip as minimum and maximum."""
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = loss_fn(tf.constant([label]), model(x[None]))
    x_adv = x + eps * tf.sign(tape.gradient(loss, x))
    return tf.minimum(tf.maximum(x_adv, 0.0), 1.0)


def fgsm__log_softmax(model, x, label, eps):
    """The loss written out as −log_softmax(logits)[label], on a Variable copy of the picture."""
    xv = tf.Variable(x)
    with tf.GradientTape() as tape:
        loss = -tf.nn.log_softmax(model(xv[None]))[0, label]
    return tf.clip_by_value(xv + eps * tf.sign(tape.gradient(loss, xv)), 0.0, 1.0)


# --- gradient_penalty ----------------------------------------------------------------------------
def gradient_penalty__batch_jacobian(critic, x):
    """batch_jacobian of the (N, 1) scores: (N, 1, d), the norm over its last two axes."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        scores = critic(x)
    J = tape.batch_jacobian(scores, x)
    norms = tf.sqrt(tf.reduce_sum(J ** 2, axis=[1, 2]))
    return tf.reduce_mean(tf.square(norms - 1.0))


def gradient_penalty__variable_copy(critic, x):
    """The input as a Variable, the gradient of the sum of the scores."""
    xv = tf.Variable(x)
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(critic(xv))
    g = tape.gradient(total, xv)
    return tf.reduce_mean((tf.norm(g, axis=-1) - 1.0) ** 2)


# --- ode_residual --------------------------------------------------------------------------------
@tf.function
def _ode_graph(u_model, t):
    with tf.GradientTape() as outer:
        outer.watch(t)
        with tf.GradientTape() as inner:
            inner.watch(t)
            u = u_model(t)
        du = inner.gradient(u, t)
    return outer.gradient(du, t) + u


def ode_residual__tf_function(u_model, t):
    """The nested tapes inside tf.function."""
    return _ode_graph(u_model, t)


def ode_residual__persistent(u_model, t):
    """One persistent tape recording its own gradient call (it watches t once)."""
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(t)
        u = u_model(t)
        du = tape.gradient(u, t)
    d2u = tape.gradient(du, t)
    del tape
    return d2u + u
