"""Plausible wrong answers for exercise 08; each must lose its question's points.

A function named `<question>__<pitfall>` is a wrong answer to `<question>`; its docstring
says which mistake it makes. The sample class (autograder/sample_class.py) pastes these
into real submissions, and tests/ check each one loses exactly its question's points.
The wrong answers to the class `LinearRegression` are functions that build and return the
wrong model (the sample class reads only functions); they are called as LinearRegression(d).
"""

import numpy as np
import tensorflow as tf


def make_data__same_seed_twice(n, w, b, noise, seed):
    """Makes a second generator from the same seed for the noise: it repeats X's draws, so the
    noise is not independent of X (for one feature, y = X @ (w + noise) + b exactly)."""
    X = np.random.default_rng(seed).normal(size=(n, len(w)))
    eps = np.random.default_rng(seed).normal(0, noise, n)
    y = X @ np.asarray(w) + b + eps
    return X.astype(np.float32), y.astype(np.float32)


def make_data__float64(n, w, b, noise, seed):
    """Keeps NumPy's default float64 instead of returning float32 arrays."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(w)))
    y = X @ np.asarray(w) + b + rng.normal(0, noise, n)
    return X, y


def make_data__unseeded(n, w, b, noise, seed):
    """Draws from NumPy's global generator and ignores the seed: new data at every call."""
    X = np.random.normal(size=(n, len(w))).astype(np.float32)
    y = (X @ np.asarray(w, np.float32) + b + np.random.normal(0, noise, n)).astype(np.float32)
    return X, y


def make_data__column_y(n, w, b, noise, seed):
    """Makes w a column, so y comes out with shape (n, 1) instead of (n,)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(w))).astype(np.float32)
    y = X @ np.reshape(w, (-1, 1)) + b + rng.normal(0, noise, (n, 1))
    return X, y.astype(np.float32)


def make_data__noise_as_variance(n, w, b, noise, seed):
    """Reads `noise` as the variance: draws with standard deviation sqrt(noise)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(w)))
    y = X @ np.asarray(w) + b + rng.normal(0, np.sqrt(noise), n)
    return X.astype(np.float32), y.astype(np.float32)


def make_data__no_bias(n, w, b, noise, seed):
    """Forgets b: y = X @ w + noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(w)))
    y = X @ np.asarray(w) + rng.normal(0, noise, n)
    return X.astype(np.float32), y.astype(np.float32)


def LinearRegression__plain_class(n_features):
    """A plain Python class holding Variables: not a tf.Module, so no trainable_variables."""
    class LinearRegression:
        def __init__(self, n_features):
            self.w = tf.Variable(tf.zeros([n_features]))
            self.b = tf.Variable(0.0)

        def __call__(self, X):
            return tf.linalg.matvec(X, self.w) + self.b

    return LinearRegression(n_features)


def LinearRegression__variables_in_call(n_features):
    """Creates w and b inside __call__: fresh zero Variables at every call, nothing to train."""
    class LinearRegression(tf.Module):
        def __init__(self, n_features):
            super().__init__()
            self.n_features = n_features

        def __call__(self, X):
            self.w = tf.Variable(tf.zeros([self.n_features]))
            self.b = tf.Variable(0.0)
            return tf.linalg.matvec(X, self.w) + self.b

    return LinearRegression(n_features)


def LinearRegression__column_weights(n_features):
    """Keeps w as a (d, 1) column and returns X @ w + b of shape (n, 1): the broadcasting trap."""
    class LinearRegression(tf.Module):
        def __init__(self, n_features):
            super().__init__()
            self.w = tf.Variable(tf.zeros([n_features, 1]))
            self.b = tf.Variable(0.0)

        def __call__(self, X):
            return X @ self.w + self.b

    return LinearRegression(n_features)


def LinearRegression__b_vector(n_features):
    """Gives b the shape (1,) instead of a scalar ()."""
    class LinearRegression(tf.Module):
        def __init__(self, n_features):
            super().__init__()
            self.w = tf.Variable(tf.zeros([n_features]))
            self.b = tf.Variable(tf.zeros([1]))

        def __call__(self, X):
            return tf.linalg.matvec(X, self.w) + self.b

    return LinearRegression(n_features)


def LinearRegression__random_init(n_features):
    """Starts w at random normal values, as many tutorials do, instead of zeros."""
    class LinearRegression(tf.Module):
        def __init__(self, n_features):
            super().__init__()
            self.w = tf.Variable(tf.random.normal([n_features]))
            self.b = tf.Variable(0.0)

        def __call__(self, X):
            return tf.linalg.matvec(X, self.w) + self.b

    return LinearRegression(n_features)


def mse__broadcasts(y, y_hat):
    """Subtracts without checking shapes: (N, 1) - (N,) broadcasts to (N, N)."""
    return tf.reduce_mean(tf.square(y - y_hat))


def mse__numpy(y, y_hat):
    """Flattens with NumPy: the value is right, but a tape cannot differentiate it."""
    return np.mean((np.ravel(y) - np.ravel(y_hat)) ** 2)


def mse__sum(y, y_hat):
    """Sums the squared errors instead of taking their mean."""
    return tf.reduce_sum(tf.square(tf.reshape(y, [-1]) - tf.reshape(y_hat, [-1])))


def mse__rmse(y, y_hat):
    """Takes the square root: the root mean squared error."""
    return tf.sqrt(tf.reduce_mean(tf.square(tf.reshape(y, [-1]) - tf.reshape(y_hat, [-1]))))


def mse__keras_function(y, y_hat):
    """Uses tf.keras.losses.MSE, which averages over the last axis only: one loss per example
    (shape (n,)) when the inputs are columns."""
    return tf.keras.losses.MSE(y, y_hat)


def mse__half(y, y_hat):
    """Keeps the lecture's 1/2 of section 12: half the mean squared error."""
    return 0.5 * tf.reduce_mean(tf.square(tf.reshape(y, [-1]) - tf.reshape(y_hat, [-1])))


def train_step__sum_loss(model, X, y, lr):
    """Uses the sum of squared errors (the seed post's loss) instead of the mean: n times the step."""
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(model(X) - y))
    dw, db = tape.gradient(loss, [model.w, model.b])
    model.w.assign_sub(lr * dw)
    model.b.assign_sub(lr * db)
    return loss / tf.cast(tf.size(y), tf.float32)


def train_step__wrong_sign(model, X, y, lr):
    """Adds the gradient instead of subtracting it: the step goes uphill."""
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(X) - y))
    dw, db = tape.gradient(loss, [model.w, model.b])
    model.w.assign_add(lr * dw)
    model.b.assign_add(lr * db)
    return loss


def train_step__rebinds(model, X, y, lr):
    """`model.w = model.w - lr * dw` replaces the model's Variables by Tensors."""
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(X) - y))
    dw, db = tape.gradient(loss, [model.w, model.b])
    model.w = model.w - lr * dw
    model.b = model.b - lr * db
    return loss


def train_step__half_mse(model, X, y, lr):
    """Keeps the lecture's section-12 loss, half the mean: every step is half as long."""
    with tf.GradientTape() as tape:
        loss = 0.5 * tf.reduce_mean(tf.square(model(X) - y))
    dw, db = tape.gradient(loss, [model.w, model.b])
    model.w.assign_sub(lr * dw)
    model.b.assign_sub(lr * db)
    return 2 * loss


def train_step__loss_after(model, X, y, lr):
    """Steps first, then returns the loss at the new parameters."""
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(X) - y))
    dw, db = tape.gradient(loss, [model.w, model.b])
    model.w.assign_sub(lr * dw)
    model.b.assign_sub(lr * db)
    return tf.reduce_mean(tf.square(model(X) - y))


def train_step__only_w(model, X, y, lr):
    """Updates w and forgets to update b."""
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(X) - y))
    dw = tape.gradient(loss, model.w)
    model.w.assign_sub(lr * dw)
    return loss


def fit__half_mse(X, y, lr, epochs):
    """Trains on the lecture's section-12 loss, half the MSE: every step is half as long, and
    the loop ends where lr/2 would have taken it."""
    X, y = tf.constant(X, tf.float32), tf.constant(y, tf.float32)
    w, b = tf.Variable(tf.zeros([X.shape[1]])), tf.Variable(0.0)
    for epoch in range(epochs):
        with tf.GradientTape() as tape:
            loss = 0.5 * tf.reduce_mean(tf.square(tf.linalg.matvec(X, w) + b - y))
        dw, db = tape.gradient(loss, [w, b])
        w.assign_sub(lr * dw)
        b.assign_sub(lr * db)
    return w.numpy(), b.numpy()


def fit__hardcoded(X, y, lr, epochs):
    """Returns the lecture's least-squares line for the seed-003 prices, a* = 0.98182, b* = 0.054545."""
    return np.array([0.98182], np.float32), np.float32(0.054545)


def fit__two_steps_per_epoch(X, y, lr, epochs):
    """Calls its step a second time to record the loss: two steps per epoch, 2 * epochs in all."""
    X, y = tf.constant(X, tf.float32), tf.constant(y, tf.float32)
    w, b = tf.Variable(tf.zeros([X.shape[1]])), tf.Variable(0.0)

    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.linalg.matvec(X, w) + b - y))
        dw, db = tape.gradient(loss, [w, b])
        w.assign_sub(lr * dw)
        b.assign_sub(lr * db)
        return loss

    losses = []
    for epoch in range(epochs):
        step()
        losses.append(float(step()))
    return w.numpy(), b.numpy()


def fit__off_by_one(X, y, lr, epochs):
    """Counts epochs from 1 with range(1, epochs): one step fewer than asked."""
    X, y = tf.constant(X, tf.float32), tf.constant(y, tf.float32)
    w, b = tf.Variable(tf.zeros([X.shape[1]])), tf.Variable(0.0)
    for epoch in range(1, epochs):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.linalg.matvec(X, w) + b - y))
        dw, db = tape.gradient(loss, [w, b])
        w.assign_sub(lr * dw)
        b.assign_sub(lr * db)
    return w.numpy(), b.numpy()


def fit__mini_batches(X, y, lr, epochs):
    """Takes each step on a random mini-batch of 32 examples (stochastic gradient descent, lecture
    section 10) instead of the full batch the question asks for."""
    X, y = tf.constant(X, tf.float32), tf.constant(y, tf.float32)
    w, b = tf.Variable(tf.zeros([X.shape[1]])), tf.Variable(0.0)
    rng = np.random.default_rng(0)
    for epoch in range(epochs):
        idx = rng.choice(X.shape[0], size=min(32, X.shape[0]), replace=False)
        xb, yb = tf.gather(X, idx), tf.gather(y, idx)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.linalg.matvec(xb, w) + b - yb))
        dw, db = tape.gradient(loss, [w, b])
        w.assign_sub(lr * dw)
        b.assign_sub(lr * db)
    return w.numpy(), b.numpy()


def fit__return_in_loop(X, y, lr, epochs):
    """`return` indented inside the epoch loop: training stops after the first epoch."""
    X, y = tf.constant(X, tf.float32), tf.constant(y, tf.float32)
    w, b = tf.Variable(tf.zeros([X.shape[1]])), tf.Variable(0.0)
    for epoch in range(epochs):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.linalg.matvec(X, w) + b - y))
        dw, db = tape.gradient(loss, [w, b])
        w.assign_sub(lr * dw)
        b.assign_sub(lr * db)
        return w.numpy(), b.numpy()


def fit__no_bias(X, y, lr, epochs):
    """Trains only w and leaves b at 0: the best line through the origin, not least squares."""
    X, y = tf.constant(X, tf.float32), tf.constant(y, tf.float32)
    w, b = tf.Variable(tf.zeros([X.shape[1]])), tf.Variable(0.0)
    for epoch in range(epochs):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.linalg.matvec(X, w) + b - y))
        w.assign_sub(lr * tape.gradient(loss, w))
    return w.numpy(), b.numpy()


def fit_with_optimizer__broadcast_trap(X, y, epochs):
    """Keeps w as a (d, 1) column: (N, 1) predictions minus (N,) targets train towards a flat line."""
    X, y = tf.constant(X, tf.float32), tf.constant(y, tf.float32)
    w, b = tf.Variable(tf.zeros([X.shape[1], 1])), tf.Variable(0.0)
    optimizer = tf.keras.optimizers.Adam(learning_rate=0.1)
    for epoch in range(epochs):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(X @ w + b - y))
        optimizer.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
    return w.numpy()[:, 0], b.numpy()


def fit_with_optimizer__seed_lr(X, y, epochs):
    """Keeps the seed post's SGD learning rate 1e-3: far too slow for a few hundred epochs."""
    X, y = tf.constant(X, tf.float32), tf.constant(y, tf.float32)
    w, b = tf.Variable(tf.zeros([X.shape[1]])), tf.Variable(0.0)
    optimizer = tf.keras.optimizers.SGD(learning_rate=1e-3)
    for epoch in range(epochs):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.linalg.matvec(X, w) + b - y))
        optimizer.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
    return w.numpy(), b.numpy()


def fit_with_optimizer__loss_outside_tape(X, y, epochs):
    """Computes the loss after the `with` block: the tape recorded nothing, every gradient is None."""
    X, y = tf.constant(X, tf.float32), tf.constant(y, tf.float32)
    w, b = tf.Variable(tf.zeros([X.shape[1]])), tf.Variable(0.0)
    optimizer = tf.keras.optimizers.Adam(learning_rate=0.1)
    for epoch in range(epochs):
        with tf.GradientTape() as tape:
            y_hat = tf.linalg.matvec(X, w) + b
        loss = tf.reduce_mean(tf.square(y_hat - y))
        optimizer.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
    return w.numpy(), b.numpy()


def fit_with_optimizer__default_optimizer(X, y, epochs, optimizer=tf.keras.optimizers.Adam(learning_rate=0.1)):
    """Creates the optimizer once, as a default argument: it is bound to the first call's variables."""
    X, y = tf.constant(X, tf.float32), tf.constant(y, tf.float32)
    w, b = tf.Variable(tf.zeros([X.shape[1]])), tf.Variable(0.0)
    for epoch in range(epochs):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.linalg.matvec(X, w) + b - y))
        optimizer.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
    return w.numpy(), b.numpy()


__all__ = [name for name in dir() if "__" in name.strip("_")]
