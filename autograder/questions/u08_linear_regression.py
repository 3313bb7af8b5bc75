"""Unit 08, Linear regression (capstone): the graded questions.

Every question works on linear-regression data: NumPy arrays X (n, d) and y (n,) drawn here
from seeded generators. The references are float64 NumPy: the plane X @ w + b, the mean squared
error and its gradient 2/n·Xᵀ(Xw + b - y), gradient descent iterated in closed form, and
`np.linalg.lstsq` on [X 1] as the judge of a trained model.

Process checks, all in the steps (autograder/student/u08_linear_regression.py), so all the
student process's word: `make_data` is called twice with one seed and once with another (same
seed same data, another seed other data); `LinearRegression` is instantiated and its Variables
inspected before and after the first call (a tf.Module, w and b created in __init__, none created
by __call__); `mse` is differentiated with a tape (the loss must stay a TensorFlow tensor);
`train_step` gets a model built there and must update its Variables in place (object identity);
`fit` and `fit_with_optimizer` run with least-squares solvers switched off (`np.linalg` and
`tf.linalg` lstsq/solve/inv/pinv, probes.switched_off: NotAllowedHere), and `fit_with_optimizer`
must make a Keras optimizer apply gradients (counted in the student's process). No black box is
handed to the student here, so no evidence comes from an oracle. Generic helper defined here
rather than in compare.py: `_array_problem` (dtype and shape of a described array).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..compare import close, error_cause, first_problem
from ..question import Question
from ..student.values import Plain, as_array, describe, is_error, show

UNIT = "08_linear_regression"
ATOL, RTOL = 1e-4, 1e-4      # float32 arithmetic on values O(1-100)
FIT_ATOL, FIT_RTOL = 1e-3, 1e-3  # a float32 training loop against float64 least squares
R2_MIN = 0.99


# --- the seed-003 data and the lecture's section-12 data ----------------------------------
def _seed_data() -> tuple[np.ndarray, np.ndarray]:
    """Seed post 003's five prices, min-max normalised, float32: X (5, 1) and y (5,)."""
    x_raw = np.array([2013, 2014, 2015, 2016, 2017], dtype=np.float32)
    y_raw = np.array([12000, 14000, 15000, 16500, 17500], dtype=np.float32)
    x = (x_raw - x_raw.min()) / (x_raw.max() - x_raw.min())
    y = (y_raw - y_raw.min()) / (y_raw.max() - y_raw.min())
    return x.reshape(-1, 1), y


def _lecture_data() -> tuple[np.ndarray, np.ndarray]:
    """The lecture's section 12: 200 examples, w = [2, -3, 0.5], b = 1, noise 0.1, seed 1 (float64)."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3))
    y = X @ np.array([2.0, -3.0, 0.5]) + 1.0 + rng.normal(0, 0.1, 200)
    return X, y


SEED_A, SEED_B = 0.97637, 0.057565  # the seed post's line after 10000 epochs


def _plane(X: np.ndarray, w: Any, b: float) -> np.ndarray:
    return np.asarray(X, np.float64) @ np.asarray(w, np.float64) + float(b)


def _design(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, np.float64)
    return np.column_stack([X, np.ones(len(X))])


def _lstsq(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """θ = (w, b) of least squares on [X 1], float64."""
    return np.linalg.lstsq(_design(X), np.asarray(y, np.float64), rcond=None)[0]


def _r2(X: np.ndarray, y: np.ndarray, theta: np.ndarray) -> float:
    y = np.asarray(y, np.float64)
    residual = y - _design(X) @ theta
    return float(1 - np.sum(residual ** 2) / np.sum((y - y.mean()) ** 2))


# --- helpers ------------------------------------------------------------------------------
def _array_problem(d: Plain, what: str, shape: tuple, dtype: str | None = "float32") -> str | None:
    """What is wrong with a described array's kind, dtype or shape (None if nothing)."""
    if is_error(d):
        return error_cause(d)
    if not (isinstance(d, dict) and d.get("kind") in ("ndarray", "Tensor", "Variable")):
        return f"{what} is {show(d)}, expected a NumPy array or a tensor"
    if dtype and d["dtype"] != dtype:
        cause = (": NumPy draws float64 by default; cast with .astype(np.float32)"
                 if d["dtype"] == "float64" else "")
        return f"{what} has dtype {d['dtype']}, expected {dtype}{cause}"
    if tuple(d["shape"]) != tuple(shape):
        if len(shape) == 1 and tuple(d["shape"]) == (shape[0], 1):
            return (f"{what} has shape {tuple(d['shape'])}, expected {tuple(shape)}: an (N, 1) column "
                    "meets an (N,) vector in the loss and broadcasts to (N, N); keep it flat")
        return f"{what} has shape {tuple(d['shape'])}, expected {tuple(shape)}"
    return None


def _pair_problem(got: Plain, d: int) -> str | None:
    if is_error(got):
        return _error(got)
    if "returned" in got:
        return f"returned {show(got['returned'])}; return the pair (w, b)"
    if isinstance(got["w"], list) and as_array(got["w"]) is not None:  # a plain list of numbers
        got["w"] = {"kind": "ndarray", "dtype": "float64", "shape": [len(got["w"])], "value": as_array(got["w"])}
    return first_problem(_array_problem(got["w"], "w", (d,), dtype=None),
                         _number_problem(got["b"], "b"))


def _number_problem(d: Plain, what: str) -> str | None:
    if isinstance(d, (int, float)) and not isinstance(d, bool):
        return None
    if isinstance(d, dict) and d.get("kind") in ("ndarray", "Tensor", "Variable"):
        return None if d["shape"] == [] else f"{what} has shape {tuple(d['shape'])}, expected a scalar ()"
    return f"{what} is {show(d)}, expected a number"


def _theta(got: dict) -> np.ndarray:
    return np.concatenate([as_array(got["w"]).reshape(-1), as_array(got["b"]).reshape(-1)])


def _error(got: Plain) -> str:
    """error_cause, plus the causes specific to training loops."""
    message = f"{got['type']}: {got['message']}"
    if got["type"] == "NotAllowedHere":
        return got["message"]
    if "No gradients provided" in message:
        return (f"raised {message} (every gradient was None: compute the loss inside the "
                "`with tf.GradientTape()` block, from the Variables themselves)")
    if "Unknown variable" in message:
        return (f"raised {got['type']}: a Keras optimizer is bound to the variables it first updated "
                "(create a new optimizer inside the function, for each new model)")
    return error_cause(got)


# --- 1. make_data ---------------------------------------------------------------------------
class MakeData(Question):
    """make_data(n, w, b, noise, seed) -> (X, y): X (n, d) float32 standard normal, y = X @ w + b + noise."""

    name, unit = "make_data", UNIT
    summary = "a reproducible synthetic regression data set: X (n, d) and y (n,), float32"

    def public(self):
        return [self.case(200, [2.0, -3.0, 0.5], 1.0, 0.1, 1),
                self.case(20, [2.0, -3.0, 0.5], 1.0, 0.0, 1)]

    def hidden(self, rng):
        cases = []
        for _ in range(self.n_hidden):
            d = int(rng.integers(1, 6))
            w = np.round(rng.normal(0, 3, d), 2).tolist()
            b = float(np.round(rng.normal(0, 2), 2))
            noise = 0.0 if rng.random() < 0.25 else float(np.round(rng.uniform(0.05, 1.0), 2))
            cases.append(self.case(int(rng.integers(100, 201)), w, b, noise, int(rng.integers(0, 10_000))))
        return cases

    def case(self, n, w, b, noise, seed):
        return super().case(n, w, b, noise, seed, label=f"make_data({n}, {w}, {b}, {noise}, seed={seed})")

    def expected(self, n, w, b, noise, seed):
        return {"X_shape": (n, len(w)), "y_shape": (n,)}

    def judge(self, got, want, n, w, b, noise, seed):
        if is_error(got):
            return error_cause(got)
        problem = first_problem(_array_problem(got["X"], "X", want["X_shape"]),
                                _array_problem(got["y"], "y", want["y_shape"]))
        if problem:
            return problem
        if not got["same_again"]:
            return (f"two calls with seed={seed} gave different data: draw everything from one "
                    "generator made from the seed, np.random.default_rng(seed)")
        if not got["other_differs"]:
            return (f"seed={seed} and seed={seed + 1} gave the same data: the seed argument is "
                    "ignored (is a fixed seed written inside the function?)")
        X, y = as_array(got["X"]), as_array(got["y"])
        if X.size >= 100:
            m, s = float(X.mean()), float(X.std())
            if abs(m) > 0.4 or not 0.7 < s < 1.3:
                return (f"X's entries have mean {m:.3g} and standard deviation {s:.3g}: draw them "
                        "from a standard normal distribution, rng.normal(size=(n, d))")
        residual = y - _plane(X, w, b)
        scale = 1.0 + float(np.max(np.abs(_plane(X, w, b))))
        if noise == 0:
            err = float(np.max(np.abs(residual)))
            if err > 1e-4 * scale:
                return (f"with noise=0 the points are not on the plane X @ w + b (largest distance "
                        f"{err:.3g}): y must be X @ w + b exactly, plus noise")
            return None
        mean, std = float(residual.mean()), float(residual.std())
        if abs(mean) > 5 * noise / math.sqrt(n) + 1e-4:
            return (f"y - (X @ w + b) has mean {mean:.3g}, expected about 0: y is not the plane "
                    "X @ w + b plus zero-mean noise")
        if not 0.65 < std / noise < 1.35:
            cause = (": `noise` is the standard deviation, rng.normal(0, noise, n)"
                     if abs(std - noise ** 2) < 0.35 * noise ** 2 else "")
            return (f"the noise y - (X @ w + b) has standard deviation {std:.3g}, expected about "
                    f"noise = {noise}{cause}")
        return None


# --- 2. LinearRegression ----------------------------------------------------------------------
class LinearRegressionModel(Question):
    """LinearRegression(n_features): a tf.Module with w (n_features,) and b (), zeros; model(X) = X @ w + b."""

    name, unit = "LinearRegression", UNIT
    summary = "a tf.Module holding w (d,) and b (), zero-initialised; model(X) is X @ w + b of shape (n,)"

    def public(self):
        X, _ = _seed_data()
        lecture = [[0.5, -1.0, 2.0], [1.5, 0.0, -0.5], [-1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]
        return [self.case(1, X.tolist(), [SEED_A], SEED_B, seed=True),
                self.case(3, lecture, [2.0, -3.0, 0.5], 1.0)]

    def hidden(self, rng):
        cases = []
        for _ in range(self.n_hidden):
            d, n = int(rng.integers(1, 7)), int(rng.integers(1, 9))
            X = np.round(rng.normal(size=(n, d)), 3).tolist()
            w = np.round(rng.normal(0, 2, d), 3).tolist()
            cases.append(self.case(d, X, w, float(np.round(rng.normal(0, 2), 3))))
        return cases

    def case(self, d, X, w, b, seed=False):
        shape = np.shape(X)
        where = " (the seed-003 years and fitted line)" if seed else ""
        return super().case(d, X, w, b, label=f"LinearRegression({d}) with w <- {w}, b <- {b}, "
                                              f"called on X of shape {shape}{where}")

    def expected(self, d, X, w_new, b_new):
        return _plane(X, w_new, b_new)

    def judge(self, got, want, d, X, w_new, b_new):
        call = f"LinearRegression({d})"
        if is_error(got):
            return error_cause(got)
        if got.get("stage") == "create":
            return f"{call}: {error_cause(got['error'])}"
        if not got["is_module"]:
            return (f"{call} is a {got['type']}, not a tf.Module: write class LinearRegression(tf.Module) "
                    "and call super().__init__(), so the model collects its Variables")
        w, b = got["w"], got["b"]
        if got["n_vars"] == 0 and (w is None or b is None):
            return (f"{call} has no trainable variables before its first call: create w and b as "
                    "tf.Variables in __init__, not in __call__")
        for value, what, shape in ((w, "self.w", (d,)), (b, "self.b", ())):
            if value is None:
                return f"{call} has no attribute {what.split('.')[1]}: name the Variables self.w and self.b"
            if not (isinstance(value, dict) and value.get("kind") == "Variable"):
                return (f"{what} is {show(value)}, not a tf.Variable: a Tensor cannot be trained; "
                        "wrap the initial value in tf.Variable(...)")
            if what == "self.w" and len(value["shape"]) == 2:
                return (f"self.w has shape {tuple(value['shape'])}, expected ({d},): keep w a vector and "
                        "compute tf.linalg.matvec(X, self.w) + self.b, so predictions are (n,) like y "
                        "(an (n, 1) prediction broadcasts against (n,) targets)")
            problem = _array_problem(value, what, shape)
            if problem:
                return problem
            if not value.get("trainable", True):
                return f"{what} has trainable=False, so it is not in trainable_variables"
            if np.any(as_array(value) != 0):
                return f"{what} starts at {show(value)}, expected zeros"
        if not got["listed"] or got["n_vars"] != 2:
            return (f"model.trainable_variables holds {got['n_vars']} variables, expected exactly "
                    "self.w and self.b")
        if got.get("stage") in ("assign", "call"):
            return f"calling the model on X of shape {np.shape(X)}: {error_cause(got['error'])}"
        if got["new_vars"]:
            return (f"calling the model created {got['new_vars']} new Variables: create them once "
                    "in __init__; __call__ only computes X @ w + b")
        y_hat = got["y_hat"]
        if isinstance(y_hat, dict) and y_hat.get("shape") == [len(want), 1]:
            return (f"the output has shape ({len(want)}, 1), expected ({len(want)},): use "
                    "tf.linalg.matvec(X, self.w) + self.b, a flat vector like y")

        def ignores_variables(g, w_):
            return ("the output does not change when w and b are assigned: __call__ must read "
                    "self.w and self.b") if np.allclose(g, 0) else None

        return close(y_hat, want, atol=ATOL, rtol=RTOL, hints=[ignores_variables])


# --- 3. mse ----------------------------------------------------------------------------------
SHAPES = ("flat", "column")


class Mse(Question):
    """mse(y, y_hat): mean((y - y_hat)**2) as a float32 scalar, for y and y_hat of shape (n,) or (n, 1)."""

    name, unit = "mse", UNIT
    summary = "the mean squared error of (n,) or (n, 1) targets and predictions, never broadcast to (n, n)"

    def public(self):
        X, y = _seed_data()
        y_hat = (SEED_A * X[:, 0].astype(np.float64) + SEED_B).astype(np.float32)
        return [self.case(y.tolist(), y_hat.tolist(), "flat", "column", seed=True),
                self.case(y.tolist(), y_hat.tolist(), "column", "flat", seed=True),
                self.case(y.tolist(), y_hat.tolist(), "flat", "flat", seed=True)]

    def hidden(self, rng):
        cases = []
        for _ in range(self.n_hidden):
            n = int(rng.integers(2, 51))
            y = np.round(rng.normal(0, 2, n), 3)
            y_hat = np.round(y + rng.normal(0, 0.5, n), 3)
            cases.append(self.case(y.tolist(), y_hat.tolist(), str(rng.choice(SHAPES)), str(rng.choice(SHAPES))))
        return cases

    def case(self, y, y_hat, y_shape, y_hat_shape, seed=False):
        n = len(y)
        shape = {"flat": f"({n},)", "column": f"({n}, 1)"}
        where = " (the seed-003 targets and fitted line)" if seed else ""
        return super().case(y, y_hat, y_shape, y_hat_shape,
                            label=f"mse(y, y_hat) with y of shape {shape[y_shape]}, y_hat of shape "
                                  f"{shape[y_hat_shape]}{where}")

    def expected(self, y, y_hat, y_shape, y_hat_shape):
        y, y_hat = np.asarray(y, np.float64), np.asarray(y_hat, np.float64)
        grad = 2 / len(y) * (y_hat - y)
        return {"value": float(np.mean((y - y_hat) ** 2)),
                "grad": grad if y_hat_shape == "flat" else grad.reshape(-1, 1)}

    def judge(self, got, want, y, y_hat, y_shape, y_hat_shape):
        if is_error(got):
            return error_cause(got)
        y64, yh64 = np.asarray(y, np.float64), np.asarray(y_hat, np.float64)

        def broadcast(g, w):
            every_pair = np.mean((yh64[:, None] - y64[None, :]) ** 2)
            return ("that is the mean over all N x N pairs: an (N, 1) and an (N,) tensor broadcast "
                    "to (N, N); reshape both to (N,) first") if np.isclose(g, every_pair, rtol=1e-4) else None

        def half(g, w):
            return "that is half the mean squared error: no 1/2 here" if np.isclose(g, w / 2, rtol=1e-4) else None

        def summed(g, w):
            return ("that is the sum of the squared errors: take the mean"
                    if np.isclose(g, w * len(y), rtol=1e-4) else None)

        problem = close(got["value"], want["value"], atol=1e-5, rtol=RTOL, hints=[broadcast, half, summed])
        if problem:
            return problem
        if isinstance(got["value"], dict) and got["value"].get("dtype") not in ("float32", None):
            return f"returned dtype {got['value']['dtype']}, expected float32"
        grad = got["grad"]
        if grad is None or is_error(grad):
            return ("the value is right, but a tape gets no gradient through it: compute it with "
                    "TensorFlow ops (tf.reshape, tf.reduce_mean), not NumPy or .numpy(), so it can be trained")
        problem = close(grad, want["grad"], atol=ATOL, rtol=RTOL)
        return f"the gradient with respect to y_hat: {problem}" if problem else None


# --- 4. train_step -----------------------------------------------------------------------------
def _gd_step(X, y, w, b, lr) -> tuple[float, np.ndarray, float]:
    """(MSE before, w after, b after) of one gradient-descent step, float64."""
    X, y = np.asarray(X, np.float64), np.asarray(y, np.float64)
    r = X @ np.asarray(w, np.float64) + b - y
    n = len(y)
    return (float(np.mean(r ** 2)), np.asarray(w, np.float64) - lr * 2 / n * (X.T @ r),
            float(b - lr * 2 / n * r.sum()))


class TrainStep(Question):
    """train_step(model, X, y, lr): one gradient-descent step on the MSE, in place; returns the loss before it."""

    name, unit = "train_step", UNIT
    summary = "one gradient-descent step on the mean squared error, in place; returns the loss before the step"

    def public(self):
        X, y = _seed_data()
        X3, y3 = _lecture_data()
        return [self.case(X.tolist(), y.tolist(), [0.0], 0.0, 0.1, where="the seed-003 data"),
                self.case(np.round(X3, 4).astype(np.float32).tolist(), np.round(y3, 4).astype(np.float32).tolist(),
                          [0.5, 0.5, 0.5], 0.0, 0.1, where="the lecture's section-12 data")]

    def hidden(self, rng):
        cases = []
        for _ in range(self.n_hidden):
            n, d = int(rng.integers(5, 41)), int(rng.integers(1, 5))
            X = np.round(rng.normal(size=(n, d)), 3)
            y = np.round(X @ rng.normal(0, 2, d) + rng.normal(0, 2) + rng.normal(0, 0.3, n), 3)
            w0 = np.round(rng.normal(0, 1, d), 2).tolist()
            cases.append(self.case(X.tolist(), y.tolist(), w0, float(np.round(rng.normal(), 2)),
                                   float(np.round(rng.uniform(0.01, 0.2), 3))))
        return cases

    def case(self, X, y, w0, b0, lr, where=""):
        on = f" on {where}" if where else ""
        return super().case(X, y, w0, b0, lr,
                            label=f"train_step(model, X, y, lr={lr}) with X of shape {np.shape(X)}, "
                                  f"model.w = {w0}, model.b = {b0}{on}")

    def expected(self, X, y, w0, b0, lr):
        loss, w, b = _gd_step(X, y, w0, b0, lr)
        return {"loss": loss, "theta": np.append(w, b)}

    def judge(self, got, want, X, y, w0, b0, lr):
        if is_error(got):
            return error_cause(got)
        if not (got["same_w"] and got["same_b"]):
            return ("model.w or model.b is no longer the model's Variable: `model.w = model.w - ...` "
                    "rebinds it to a Tensor; update in place with model.w.assign_sub(...)")
        theta0 = np.append(np.asarray(w0, np.float64), b0)

        def after(g, w):
            later, _, _ = _gd_step(X, y, *self._split(want["theta"]), lr)
            return ("that is the loss after the step: compute the loss, then update"
                    if np.isclose(g, later, rtol=1e-4, atol=1e-6) else None)

        def half(g, w):
            return "that is half the MSE: the loss is mean((X @ w + b - y)**2), no 1/2" \
                if np.isclose(g, w / 2, rtol=1e-4) else None

        problem = close(got["loss"], want["loss"], atol=ATOL, rtol=RTOL, hints=[after, half])
        if problem:
            return f"the returned loss: {problem}"
        theta = np.append(as_array(got["w"]).reshape(-1), as_array(got["b"]).reshape(-1))
        if np.allclose(theta, theta0, atol=1e-7):
            return "model.w and model.b did not change: apply the step with assign_sub"
        step = want["theta"] - theta0
        n = len(y)
        causes = {-1.0: "the parameters moved uphill: subtract lr * gradient, do not add it",
                  float(n): (f"the step is {n} = n times too large: the loss was a sum of squared "
                             "errors, not their mean"),
                  0.5: ("the step is half the expected one: the loss was half the MSE (the seed "
                        "post's 1/2); use mean((X @ w + b - y)**2)")}
        for factor, cause in causes.items():
            if np.allclose(theta, theta0 + factor * step, atol=ATOL, rtol=RTOL):
                return (f"model.w, model.b = {show(list(theta.round(4)))}, expected "
                        f"{show(list(want['theta'].round(4)))}: {cause}")
        problem = close(describe(theta), want["theta"], atol=ATOL, rtol=RTOL)
        return f"(model.w, model.b) after the step: {problem}" if problem else None

    @staticmethod
    def _split(theta):
        return theta[:-1], float(theta[-1])


# --- 5. fit --------------------------------------------------------------------------------------
def _gd_path(X: np.ndarray, y: np.ndarray, lr: float, epochs: int) -> np.ndarray:
    """Every iterate θ_0 = 0, …, θ_epochs of full-batch gradient descent on the MSE, float64."""
    A, y = _design(X), np.asarray(y, np.float64)
    n = len(y)
    M = np.eye(A.shape[1]) - lr * 2 / n * A.T @ A
    c = lr * 2 / n * A.T @ y
    path = np.zeros((epochs + 1, A.shape[1]))
    for t in range(epochs):
        path[t + 1] = M @ path[t] + c
    return path


def _curvature(X: np.ndarray) -> tuple[float, float]:
    """(largest, smallest) eigenvalue of the MSE's Hessian 2/n·[X 1]ᵀ[X 1]."""
    A = _design(X)
    lam = np.linalg.eigvalsh(2 / len(A) * A.T @ A)
    return float(lam[-1]), float(lam[0])


class Fit(Question):
    """fit(X, y, lr, epochs) -> (w, b) by full-batch gradient descent on the MSE from zero."""

    name, unit = "fit", UNIT
    summary = "gradient descent from zero for `epochs` epochs; lands within 1e-3 of np.linalg.lstsq"
    n_hidden = 6

    def public(self):
        X, y = _seed_data()
        X3, y3 = _lecture_data()
        return [self.case(X, y, 0.5, 200, where="the seed-003 prices; least squares a* = 0.98182, b* = 0.054545"),
                self.case(X3, y3, 0.3, 100, where="the lecture's section-12 data, float64")]

    def hidden(self, rng):
        cases = []
        for _ in range(self.n_hidden):
            n, d = int(rng.integers(30, 121)), int(rng.integers(1, 5))
            dtype = np.float32 if rng.random() < 0.5 else np.float64
            X = rng.normal(size=(n, d)).astype(dtype)
            b = float(rng.choice([-1, 1]) * rng.uniform(0.5, 3))
            y = (X @ rng.normal(0, 2, d) + b + rng.normal(0, rng.uniform(0.1, 0.5), n)).astype(dtype)
            lam_max, lam_min = _curvature(X)  # lr below 1/λmax, epochs for a 1e-7 contraction
            lr = float(np.floor(rng.uniform(0.6, 1.0) / lam_max * 1000) / 1000)
            rho = max(abs(1 - lr * lam_min), abs(1 - lr * lam_max))
            epochs = max(20, int(10 * math.ceil(math.log(1e-7) / math.log(rho) / 10)))
            cases.append(self.case(X, y, lr, epochs))
        return cases

    def case(self, X, y, lr, epochs, where=""):
        on = f" on {where}" if where else f" with X of shape {X.shape}, {X.dtype.name}"
        return super().case(X, y, lr, epochs, label=f"fit(X, y, lr={lr}, epochs={epochs}){on}")

    def expected(self, X, y, lr, epochs):
        return {"theta": _lstsq(X, y), "path": _gd_path(X, y, lr, epochs),
                "no_bias": np.linalg.lstsq(np.asarray(X, np.float64), np.asarray(y, np.float64), rcond=None)[0]}

    def judge(self, got, want, X, y, lr, epochs):
        problem = _pair_problem(got, X.shape[1])
        if problem:
            return problem
        theta, star = _theta(got), want["theta"]
        if not np.all(np.isfinite(theta)):
            return (f"returned w = {show(got['w'])}, b = {show(got['b'])}: gradient descent diverged; "
                    "with a summed loss the step is n times larger than with the mean")
        if np.allclose(theta, star, atol=FIT_ATOL, rtol=FIT_RTOL):
            return None
        found = f"returned w = {show(got['w'])}, b = {show(got['b'])}, least squares gives {show(list(star.round(5)))}"
        path = want["path"]
        stopped = [t for t in range(epochs) if np.allclose(theta, path[t], atol=FIT_ATOL, rtol=FIT_RTOL)]
        if stopped:
            t = stopped[0]
            return (f"{found}: that is gradient descent stopped after {t} of the {epochs} epochs "
                    "(is `return` inside the loop, or the loop shorter than `epochs`?)")
        if abs(theta[-1]) < 1e-6 and np.allclose(theta[:-1], want["no_bias"], atol=1e-2, rtol=1e-2):
            return f"{found}: b stayed 0, the best line through the origin: train b as well as w"
        err = float(np.max(np.abs(theta - star)))
        return f"{found} (largest difference {err:.3g})"


# --- 6. fit_with_optimizer -------------------------------------------------------------------------
class FitWithOptimizer(Question):
    """fit_with_optimizer(X, y, epochs) -> (w, b) trained by a Keras optimizer; R² > 0.99 on low-noise data."""

    name, unit = "fit_with_optimizer", UNIT
    summary = "training with a Keras optimizer of your choice; R² > 0.99 on low-noise data"
    n_hidden = 4  # eager Keras updates cost ~2 ms each: keep the unit's checks within seconds

    def public(self):
        X3, y3 = _lecture_data()
        return [self.case(X3, y3, 100, where="the lecture's section-12 data (float64; its R² is 0.9990)")]

    def hidden(self, rng):
        cases = []
        for _ in range(self.n_hidden):
            n, d = int(rng.integers(50, 201)), int(rng.integers(1, 5))
            dtype = np.float32 if rng.random() < 0.5 else np.float64
            X = rng.normal(size=(n, d))
            w = rng.choice([-1, 1], d) * rng.uniform(0.5, 3, d)
            w *= max(1.0, 1 / np.linalg.norm(w))
            y = X @ w + rng.uniform(-2, 2) + rng.normal(0, rng.uniform(0.01, 0.05), n)
            cases.append(self.case(X.astype(dtype), y.astype(dtype), int(10 * rng.integers(6, 11))))
        return cases

    def case(self, X, y, epochs, where=""):
        on = f" on {where}" if where else f" with X of shape {X.shape}, {X.dtype.name}"
        return super().case(X, y, epochs, label=f"fit_with_optimizer(X, y, epochs={epochs}){on}")

    def expected(self, X, y, epochs):
        return {"r2_best": _r2(X, y, _lstsq(X, y))}

    def judge(self, got, want, X, y, epochs):
        problem = _pair_problem(got, X.shape[1])
        if problem:
            return problem
        if not got["optimizer_updates"]:
            return ("no Keras optimizer applied an update: create one (e.g. "
                    "tf.keras.optimizers.Adam(learning_rate=0.1)) and call its apply_gradients")
        theta = _theta(got)
        if not np.all(np.isfinite(theta)):
            return f"returned w = {show(got['w'])}, b = {show(got['b'])}: training diverged; lower the learning rate"
        r2 = _r2(X, y, theta)
        if r2 > R2_MIN:
            return None
        found = f"R² = {r2:.4f} (w = {show(got['w'])}, b = {show(got['b'])}), expected > {R2_MIN}"
        y64 = np.asarray(y, np.float64)
        fitted = _design(X) @ theta
        if abs(theta[-1] - y64.mean()) < 0.05 * y64.std() and np.std(fitted) < 0.05 * y64.std():
            return (f"{found}: that is the flat line y = mean(y), where the (N, 1) - (N,) broadcasting "
                    "trap leads; make predictions and targets the same shape")
        return (f"{found}: after {epochs} epochs the fit is still far from the data; raise the learning "
                "rate (the seed's SGD 1e-3 needs thousands of epochs) or use Adam")
