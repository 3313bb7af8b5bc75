"""Answers of the sample class's similarity pairs in exercise 08 (autograder/sample_class.py).

The similarity report (`./course.sh similarity 08_linear_regression`) must rank the copied pair
first and the honest close pair below it:

- sample-own-style writes every answer the first other way of samples/right/08_linear_regression.py;
  sample-copier hands in those answers copied, with local variables renamed, statements and
  methods reordered and comments changed: the functions `<question>__copier` below. It must score
  exactly what sample-own-style scores (full marks).
- sample-close-1 writes the second other way of samples/right/; sample-close-2 writes the solution
  independently in a slightly different style: the functions `<question>__close` below. The two
  never saw each other's work; their answers are close because the questions are small.

The answers to the class `LinearRegression` are functions that build and return the model, as in
samples/right/.
"""

import numpy as np
import tensorflow as tf


# --- sample-copier: sample-own-style's answers, disguised ---------------------------------------

def make_data__copier(n, w, b, noise, seed):
    """make_data__random_state with its variables renamed and a comment added."""
    # legacy generator seeded once; the features come before the noise
    gen = np.random.RandomState(seed)
    feats = gen.normal(size=(n, len(w))).astype(np.float32)
    target = feats @ np.asarray(w, np.float32) + np.float32(b) + gen.normal(0, noise, n).astype(np.float32)
    return feats, target.astype(np.float32)


def LinearRegression__copier(n_features):
    """LinearRegression__reduce_sum with its methods swapped and the input renamed."""
    class LinearRegression(tf.Module):
        def __call__(self, inputs):
            # weighted sum of each row, plus the intercept
            return tf.reduce_sum(inputs * self.w, axis=1) + self.b

        def __init__(self, n_features):
            super().__init__()
            self.w = tf.Variable(np.zeros(n_features, np.float32), name="w")
            self.b = tf.Variable(np.float32(0), name="b")

    return LinearRegression(n_features)


def mse__copier(y, y_hat):
    """mse__keras_class with a comment."""
    # Keras flattens (n, 1) for us
    return tf.keras.losses.MeanSquaredError()(tf.reshape(y, [-1]), tf.reshape(y_hat, [-1]))


def train_step__copier(model, X, y, lr):
    """train_step__keras_sgd with the tape, loss and gradients renamed."""
    opt = tf.keras.optimizers.SGD(learning_rate=lr)  # plain SGD, one step
    with tf.GradientTape() as g:
        cost = tf.reduce_mean(tf.square(model(X) - y))
    gradients = g.gradient(cost, [model.w, model.b])
    opt.apply_gradients(zip(gradients, [model.w, model.b]))
    return cost


def fit__copier(X, y, lr, epochs):
    """fit__tf_function renamed throughout, b updated before w."""
    inputs, targets = tf.constant(X, tf.float32), tf.constant(y, tf.float32)
    weights, bias = tf.Variable(tf.zeros([inputs.shape[1]])), tf.Variable(0.0)

    @tf.function
    def one_step():
        with tf.GradientTape() as t:
            err = tf.reduce_mean(tf.square(tf.linalg.matvec(inputs, weights) + bias - targets))
        g_w, g_b = t.gradient(err, [weights, bias])
        bias.assign_sub(lr * g_b)
        weights.assign_sub(lr * g_w)

    for _ in range(epochs):
        one_step()
    return weights.numpy(), bias.numpy()


def fit_with_optimizer__copier(X, y, epochs):
    """fit_with_optimizer__tf_function renamed throughout, the optimizer made first."""
    momentum_sgd = tf.keras.optimizers.SGD(learning_rate=0.1, momentum=0.5)
    data, labels = tf.constant(X, tf.float32), tf.constant(y, tf.float32)
    coef, intercept = tf.Variable(tf.zeros([data.shape[1]])), tf.Variable(0.0)

    @tf.function
    def update():
        with tf.GradientTape() as tp:
            objective = tf.reduce_mean(tf.square(tf.linalg.matvec(data, coef) + intercept - labels))
        momentum_sgd.apply_gradients(zip(tp.gradient(objective, [coef, intercept]), [coef, intercept]))

    for it in range(epochs):
        update()
    return coef.numpy(), intercept.numpy()


# --- sample-close-2: the solution, written independently -----------------------------------------

def make_data__close(n, w, b, noise, seed):
    """One default_rng, X then the noise, weights as float64."""
    rng = np.random.default_rng(seed)
    w = np.asarray(w, dtype=np.float64)
    X = rng.normal(size=(n, w.shape[0]))
    eps = rng.normal(0, noise, n)
    y = X @ w + b + eps
    return X.astype(np.float32), y.astype(np.float32)


def LinearRegression__close(n_features):
    """Zeros of shape (n_features,), matvec for the forward pass."""
    class LinearRegression(tf.Module):
        def __init__(self, n_features):
            super().__init__()
            self.w = tf.Variable(tf.zeros((n_features,), dtype=tf.float32), name="w")
            self.b = tf.Variable(tf.constant(0.0), name="b")

        def __call__(self, X):
            return tf.linalg.matvec(X, self.w) + self.b

    return LinearRegression(n_features)


def mse__close(y, y_hat):
    """Both flattened to (n,), then the mean of the squared differences."""
    y = tf.reshape(y, [-1])
    y_hat = tf.reshape(y_hat, [-1])
    return tf.reduce_mean((y - y_hat) ** 2)


def train_step__close(model, X, y, lr):
    """The prediction named, the square written as ** 2."""
    with tf.GradientTape() as tape:
        y_pred = model(X)
        loss = tf.reduce_mean((y_pred - y) ** 2)
    grad_w, grad_b = tape.gradient(loss, [model.w, model.b])
    model.w.assign_sub(lr * grad_w)
    model.b.assign_sub(lr * grad_b)
    return loss


def fit__close(X, y, lr, epochs):
    """convert_to_tensor, the prediction named, ** 2."""
    X = tf.convert_to_tensor(X, dtype=tf.float32)
    y = tf.convert_to_tensor(y, dtype=tf.float32)
    w = tf.Variable(tf.zeros([X.shape[1]]))
    b = tf.Variable(0.0)
    for _ in range(epochs):
        with tf.GradientTape() as tape:
            y_pred = tf.linalg.matvec(X, w) + b
            loss = tf.reduce_mean((y_pred - y) ** 2)
        grad_w, grad_b = tape.gradient(loss, [w, b])
        w.assign_sub(lr * grad_w)
        b.assign_sub(lr * grad_b)
    return w.numpy(), b.numpy()


def fit_with_optimizer__close(X, y, epochs):
    """Adam at 0.1 as the lecture shows, the loop written as in fit__close."""
    X = tf.convert_to_tensor(X, dtype=tf.float32)
    y = tf.convert_to_tensor(y, dtype=tf.float32)
    w = tf.Variable(tf.zeros([X.shape[1]]))
    b = tf.Variable(0.0)
    opt = tf.keras.optimizers.Adam(learning_rate=0.1)
    for _ in range(epochs):
        with tf.GradientTape() as tape:
            y_pred = tf.linalg.matvec(X, w) + b
            loss = tf.reduce_mean((y_pred - y) ** 2)
        grads = tape.gradient(loss, [w, b])
        opt.apply_gradients(zip(grads, [w, b]))
    return w.numpy(), b.numpy()
