"""Other correct answers to exercise 08; each must earn its question's points for every student.

A function named `<question>__<variant>` is a correct answer to `<question>` written another way
than the solution (another generator API, a Keras loss class, tf.function, a hand-derived
gradient in float64, a Keras SGD optimizer...). The answers to the class `LinearRegression` are functions
that build and return the model; they are called as LinearRegression(d).
"""

import numpy as np
import tensorflow as tf


def make_data__random_state(n, w, b, noise, seed):
    """NumPy's legacy RandomState made from the seed, X drawn before the noise."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, len(w))).astype(np.float32)
    y = X @ np.asarray(w, np.float32) + np.float32(b) + rng.normal(0, noise, n).astype(np.float32)
    return X, y.astype(np.float32)


def make_data__noise_first(n, w, b, noise, seed):
    """One generator, the noise drawn before X: independent all the same."""
    rng = np.random.default_rng(seed)
    eps = rng.normal(0, noise, n)
    X = rng.normal(size=(n, len(w)))
    return X.astype(np.float32), (X @ np.asarray(w) + b + eps).astype(np.float32)


def LinearRegression__reduce_sum(n_features):
    """tf.reduce_sum(X * w, axis=1) instead of matvec; Variables made from NumPy zeros."""
    class LinearRegression(tf.Module):
        def __init__(self, n_features):
            super().__init__()
            self.w = tf.Variable(np.zeros(n_features, np.float32), name="w")
            self.b = tf.Variable(np.float32(0), name="b")

        def __call__(self, X):
            return tf.reduce_sum(X * self.w, axis=1) + self.b

    return LinearRegression(n_features)


def LinearRegression__tf_function(n_features):
    """__call__ under tf.function, with a column product reshaped back to (n,)."""
    class LinearRegression(tf.Module):
        def __init__(self, n_features):
            super().__init__()
            self.w = tf.Variable(tf.zeros([n_features]))
            self.b = tf.Variable(0.0)

        @tf.function
        def __call__(self, X):
            return tf.reshape(X @ tf.reshape(self.w, [-1, 1]), [-1]) + self.b

    return LinearRegression(n_features)


def mse__keras_class(y, y_hat):
    """Keras' MeanSquaredError class, which squeezes a trailing axis of size 1 (lecture section 7)."""
    return tf.keras.losses.MeanSquaredError()(tf.reshape(y, [-1]), tf.reshape(y_hat, [-1]))


def mse__squeeze(y, y_hat):
    """tf.squeeze both to (n,) (n >= 2 here), then the mean."""
    return tf.reduce_mean((tf.squeeze(y) - tf.squeeze(y_hat)) ** 2)


def train_step__keras_sgd(model, X, y, lr):
    """A Keras SGD made for this step: w <- w - lr * g, exactly the step asked."""
    optimizer = tf.keras.optimizers.SGD(learning_rate=lr)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(X) - y))
    grads = tape.gradient(loss, [model.w, model.b])
    optimizer.apply_gradients(zip(grads, [model.w, model.b]))
    return loss


def train_step__trainable_variables(model, X, y, lr):
    """Loops over model.trainable_variables (sorted by name) instead of naming w and b."""
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((y - model(X)) ** 2)
    for v, g in zip(model.trainable_variables, tape.gradient(loss, model.trainable_variables)):
        v.assign_sub(lr * g)
    return loss


def fit__tf_function(X, y, lr, epochs):
    """The step under tf.function (lecture section 9), traced once."""
    X, y = tf.constant(X, tf.float32), tf.constant(y, tf.float32)
    w, b = tf.Variable(tf.zeros([X.shape[1]])), tf.Variable(0.0)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.linalg.matvec(X, w) + b - y))
        dw, db = tape.gradient(loss, [w, b])
        w.assign_sub(lr * dw)
        b.assign_sub(lr * db)

    for epoch in range(epochs):
        step()
    return w.numpy(), b.numpy()


def fit__numpy_by_hand(X, y, lr, epochs):
    """The seed post's NumPy loop with the MSE's hand-derived gradient, in float64."""
    X, y = np.asarray(X, np.float64), np.asarray(y, np.float64)
    n = len(y)
    w, b = np.zeros(X.shape[1]), 0.0
    for epoch in range(epochs):
        r = X @ w + b - y
        w, b = w - lr * 2 / n * X.T @ r, b - lr * 2 / n * r.sum()
    return w, b


def fit__keras_sgd(X, y, lr, epochs):
    """A Keras SGD optimizer with learning rate lr, its step under tf.function; returns Variables."""
    X, y = tf.constant(X, tf.float32), tf.constant(y, tf.float32)
    w, b = tf.Variable(tf.zeros([X.shape[1]])), tf.Variable(0.0)
    optimizer = tf.keras.optimizers.SGD(learning_rate=lr)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.linalg.matvec(X, w) + b - y))
        optimizer.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))

    for epoch in range(epochs):
        step()
    return w, b


def fit_with_optimizer__tf_function(X, y, epochs):
    """Momentum SGD with the step under tf.function (traced once: Keras' apply runs in the graph)."""
    X, y = tf.constant(X, tf.float32), tf.constant(y, tf.float32)
    w, b = tf.Variable(tf.zeros([X.shape[1]])), tf.Variable(0.0)
    optimizer = tf.keras.optimizers.SGD(learning_rate=0.1, momentum=0.5)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.linalg.matvec(X, w) + b - y))
        optimizer.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))

    for epoch in range(epochs):
        step()
    return w.numpy(), b.numpy()


def fit_with_optimizer__module(X, y, epochs):
    """A tf.Module model and its trainable_variables, Adam, data kept as given then cast."""
    class Model(tf.Module):
        def __init__(self, d):
            super().__init__()
            self.w = tf.Variable(tf.zeros([d]))
            self.b = tf.Variable(0.0)

        def __call__(self, X):
            return tf.linalg.matvec(X, self.w) + self.b

    X, y = tf.cast(X, tf.float32), tf.cast(y, tf.float32)
    model = Model(X.shape[1])
    optimizer = tf.keras.optimizers.Adam(learning_rate=0.1)
    for epoch in range(epochs):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(X) - y))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return model.w.numpy(), model.b.numpy()


__all__ = [name for name in dir() if "__" in name.strip("_")]
