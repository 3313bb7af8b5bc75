"""Plausible wrong answers for exercise 11; each must lose its question's points.

A function named `<question>__<pitfall>` is a wrong answer to `<question>`; its docstring
says which mistake it makes. The sample class (autograder/sample_class.py) pastes these
into real submissions, and tests/ check each one loses exactly its question's points.
"""

import numpy as np
import tensorflow as tf


def _jacobian_and_residuals(model, X, y):
    with tf.GradientTape() as tape:
        r = model(X)[:, 0] - y
    jac = tape.jacobian(r, model.trainable_variables)
    J = tf.concat([tf.reshape(j, [tf.shape(r)[0], -1]) for j in jac], axis=1)
    return tf.cast(J, tf.float64), tf.cast(r, tf.float64)


# --- gauss_newton_step ---------------------------------------------------------------------------
def gauss_newton_step__plus_sign(model, X, y, damping):
    """Returns +(JᵀJ + λI)⁻¹Jᵀr: the step uphill (or residuals taken as y − model(X))."""
    J, r = _jacobian_and_residuals(model, X, y)
    A = tf.transpose(J) @ J + damping * tf.eye(J.shape[1], dtype=tf.float64)
    return tf.linalg.solve(A, tf.transpose(J) @ r[:, None])[:, 0]


def gauss_newton_step__gradient_step(model, X, y, damping):
    """Returns −Jᵀr, the gradient of ½‖r‖²: no curvature at all."""
    J, r = _jacobian_and_residuals(model, X, y)
    return -tf.linalg.matvec(J, r, transpose_a=True)


def gauss_newton_step__no_damping(model, X, y, damping):
    """Ignores the damping: the least-squares (pseudo-inverse) step of the undamped system."""
    J, r = _jacobian_and_residuals(model, X, y)
    return -np.linalg.pinv(J.numpy()) @ r.numpy()


def gauss_newton_step__updates_model(model, X, y, damping):
    """Right step, but also applies it to the model's variables (the question asks only for it)."""
    J, r = _jacobian_and_residuals(model, X, y)
    A = tf.transpose(J) @ J + damping * tf.eye(J.shape[1], dtype=tf.float64)
    step = -tf.linalg.solve(A, tf.transpose(J) @ r[:, None])[:, 0]
    i = 0
    for v in model.trainable_variables:
        n = int(tf.size(v))
        v.assign_add(tf.cast(tf.reshape(step[i:i + n], v.shape), v.dtype))
        i += n
    return step


def gauss_newton_step__transposed_kernels(model, X, y, damping):
    """Flattens each kernel column-major (tf.transpose before reshape): the weights' order no
    longer matches model.trainable_variables, so the step's entries land on the wrong weights."""
    with tf.GradientTape() as tape:
        r = model(X)[:, 0] - y
    jac = tape.jacobian(r, model.trainable_variables)
    n = int(r.shape[0])
    blocks = [tf.reshape(tf.transpose(j, [0, 2, 1]) if len(j.shape) == 3 else j, [n, -1]) for j in jac]
    J, r = tf.cast(tf.concat(blocks, axis=1), tf.float64), tf.cast(r, tf.float64)
    A = tf.transpose(J) @ J + damping * tf.eye(J.shape[1], dtype=tf.float64)
    return -tf.linalg.solve(A, tf.transpose(J) @ r[:, None])[:, 0]


# --- saliency ------------------------------------------------------------------------------------
def saliency__signed(model, x, label):
    """Returns the signed gradient: forgets the absolute value."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        logit = model(x[None])[0, label]
    return tape.gradient(logit, x)


def saliency__sum_of_logits(model, x, label):
    """Takes the whole logits vector as the target: the tape differentiates the sum of all logits."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        logits = model(x[None])
    return tf.abs(tape.gradient(logits, x))


def saliency__probability(model, x, label):
    """Differentiates the softmax probability of the class instead of its logit."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        p = tf.nn.softmax(model(x[None]))[0, label]
    return tf.abs(tape.gradient(p, x))


def saliency__weights(model, x, label):
    """Differentiates with respect to the model's weights, as in training, not the input."""
    with tf.GradientTape() as tape:
        logit = model(x[None])[0, label]
    return [tf.abs(g) for g in tape.gradient(logit, model.trainable_variables)]


def saliency__predicted_class(model, x, label):
    """Explains the predicted class (argmax) instead of the class asked for."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        logits = model(x[None])[0]
        logit = tf.reduce_max(logits)
    return tf.abs(tape.gradient(logit, x))


# --- fgsm ----------------------------------------------------------------------------------------
def _loss_grad(model, x, label):
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.keras.losses.sparse_categorical_crossentropy(tf.constant([label]), model(x[None]), from_logits=True)
    return tape.gradient(loss, x)


def fgsm__minus_sign(model, x, label, eps):
    """Steps down the loss, x − eps·sign(g): that is a training step on the input, not an attack."""
    return tf.clip_by_value(x - eps * tf.sign(_loss_grad(model, x, label)), 0.0, 1.0)


def fgsm__no_clip(model, x, label, eps):
    """Forgets to clip: pixels leave the valid range [0, 1]."""
    return x + eps * tf.sign(_loss_grad(model, x, label))


def fgsm__gradient_not_sign(model, x, label, eps):
    """Steps by eps·g, not eps·sign(g)."""
    return tf.clip_by_value(x + eps * _loss_grad(model, x, label), 0.0, 1.0)


def fgsm__weights(model, x, label, eps):
    """Takes the loss's gradient with respect to the weights, as in training, and perturbs those."""
    with tf.GradientTape() as tape:
        loss = tf.keras.losses.sparse_categorical_crossentropy(tf.constant([label]), model(x[None]), from_logits=True)
    grads = tape.gradient(loss, model.trainable_variables)
    return [v + eps * tf.sign(g) for v, g in zip(model.trainable_variables, grads)]


def fgsm__predicted_label(model, x, label, eps):
    """Attacks the predicted class (argmax of the logits) instead of the true label."""
    pred = int(tf.argmax(model(x[None])[0]))
    return tf.clip_by_value(x + eps * tf.sign(_loss_grad(model, x, pred)), 0.0, 1.0)


# --- gradient_penalty ----------------------------------------------------------------------------
def _input_grads(critic, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        scores = critic(x)
    return tape.gradient(scores, x)


def gradient_penalty__numpy_norm(critic, x):
    """Computes the norms in NumPy: the value is right, but the penalty no longer depends on the
    weights for any tape, so training the critic with it gets None gradients."""
    g = _input_grads(critic, x).numpy()
    norms = np.linalg.norm(g, axis=1)
    return tf.constant(np.mean((norms - 1.0) ** 2), tf.float32)


def gradient_penalty__sum(critic, x):
    """Sums over the batch instead of taking the mean."""
    norms = tf.norm(_input_grads(critic, x), axis=1)
    return tf.reduce_sum((norms - 1.0) ** 2)


def gradient_penalty__no_minus_one(critic, x):
    """Penalises ‖g‖² (pushes the gradient to 0) instead of (‖g‖ − 1)²."""
    g = _input_grads(critic, x)
    return tf.reduce_mean(tf.reduce_sum(g ** 2, axis=1))


def gradient_penalty__squared_norm(critic, x):
    """Uses the squared norm inside: (‖g‖² − 1)²."""
    g = _input_grads(critic, x)
    return tf.reduce_mean((tf.reduce_sum(g ** 2, axis=1) - 1.0) ** 2)


def gradient_penalty__batch_norm(critic, x):
    """Takes one norm over the whole batch's gradient, not one per example."""
    return (tf.norm(_input_grads(critic, x)) - 1.0) ** 2


# --- ode_residual --------------------------------------------------------------------------------
def ode_residual__first_derivative(u_model, t):
    """Differentiates once: u' + u."""
    with tf.GradientTape() as tape:
        tape.watch(t)
        u = u_model(t)
    return tape.gradient(u, t) + u


def ode_residual__minus_u(u_model, t):
    """Gets the ODE's sign wrong: u'' − u."""
    with tf.GradientTape() as outer:
        outer.watch(t)
        with tf.GradientTape() as inner:
            inner.watch(t)
            u = u_model(t)
        du = inner.gradient(u, t)
    return outer.gradient(du, t) - u


def ode_residual__inner_outside(u_model, t):
    """Calls inner.gradient after the outer tape's block: the outer tape never recorded u', and
    its gradient is None."""
    with tf.GradientTape() as outer:
        outer.watch(t)
        with tf.GradientTape() as inner:
            inner.watch(t)
            u = u_model(t)
    du = inner.gradient(u, t)
    return outer.gradient(du, t) + u


def ode_residual__finite_differences(u_model, t):
    """Central finite differences in float32: three calls of u_model and a visible error."""
    h = 1e-2
    u = u_model(t)
    return (u_model(t + h) - 2 * u + u_model(t - h)) / h ** 2 + u
