"""Unit 08, Linear regression (capstone): the graded questions.

Every question works on linear-regression data: NumPy arrays X (n, d) and y (n,) drawn here
from seeded generators. The references are float64 NumPy: the plane X @ w + b, the mean squared
error and its gradient 2/n·Xᵀ(Xw + b - y), gradient descent iterated exactly (every iterate θ_t),
and `np.linalg.lstsq` on [X 1] as the judge of a trained model.

Every hidden stream is stratified: it is built from a fixed list of case kinds (KINDS, each drawn
with random values), so every student's cases separate each misconception of samples/wrong/08_*.

Processes judged: `fit` is compared with the gradient-descent iterate after exactly `epochs`
steps of size lr; most of its hidden cases stop after 8 to 30 steps, far from the optimum and
drawn so that one step more or fewer, twice the steps, half the step size (a ½ in the loss),
mini-batches or an untrained b all end farther than 20 tolerances away (`_early_case`).
`make_data`'s noise must be independent of X (`_dependence`: no correlation with X's columns or
with X's own first n draws, which a second generator seeded alike repeats).

Evidence, all from the steps (autograder/student/u08_linear_regression.py), so all the student
process's word: `make_data` is called twice with one seed and once with another (same seed same
data, another seed other data); `LinearRegression` is instantiated and its Variables inspected
before and after the first call (a tf.Module, w and b created in __init__, none created by
__call__); `mse` is differentiated with a tape (the loss must stay a TensorFlow tensor);
`train_step` gets a model built there and must update its Variables in place (object identity);
`fit` and `fit_with_optimizer` run with least-squares solvers switched off (`np.linalg` and
`tf.linalg` lstsq/solve/inv/pinv, probes.switched_off: NotAllowedHere), and `fit_with_optimizer`
must make a Keras optimizer apply gradients (counted in the student's process). These are used
to name mistakes and to refuse answers, never to award points to a wrong value. No black box is
handed to the student here, so no evidence comes from an oracle. Generic helper defined here
rather than in compare.py: `_array_problem` (dtype and shape of a described array).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..student.compare import close, error_cause, first_problem
from ..question import Question
from ..student.values import Plain, as_array, is_error, number_text, show, value_text

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

    # (d range, noise range): noise 0 puts the points on the plane; small noise separates a
    # standard deviation from a variance; one feature makes noise that repeats X exactly X's column
    KINDS = (((1, 6), (0.0, 0.0)), ((1, 2), (0.05, 0.3)), ((2, 6), (0.3, 1.0)), ((1, 6), (0.05, 1.0)))

    def hidden(self, rng):
        cases = []
        for (d_lo, d_hi), (lo, hi) in self.KINDS:
            d = int(rng.integers(d_lo, d_hi))
            w = np.round(rng.normal(0, 3, d), 2).tolist()
            b = float(np.round(rng.choice([-1, 1]) * rng.uniform(0.5, 3), 2))
            noise = float(np.round(rng.uniform(lo, hi), 2))
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
                return (f"X's entries have mean {number_text(m, 3)} and standard deviation "
                        f"{number_text(s, 3)}: draw them from a standard normal distribution, "
                        "rng.normal(size=(n, d))")
        residual = y - _plane(X, w, b)
        scale = 1.0 + float(np.max(np.abs(_plane(X, w, b))))
        if noise == 0:
            err = float(np.max(np.abs(residual)))
            if err > 1e-4 * scale:
                return (f"with noise=0 the points are not on the plane X @ w + b (largest distance "
                        f"{number_text(err, 3)}): y must be X @ w + b exactly, plus noise")
            return None
        problem = _dependence(X, residual, n)
        if problem:
            return problem
        mean, std = float(residual.mean()), float(residual.std())
        if not 0.65 < std / noise < 1.35:
            cause = ""
            if abs(std - noise ** 2) < 0.35 * noise ** 2:
                cause = ": `noise` is the standard deviation, rng.normal(0, noise, n), not the variance"
            elif abs(std - math.sqrt(noise)) < 0.35 * math.sqrt(noise):
                cause = (f": that is about sqrt(noise) = {number_text(math.sqrt(noise), 3)}; `noise` is "
                         "the standard deviation, rng.normal(0, noise, n), not the variance")
            return (f"the noise y - (X @ w + b) has standard deviation {number_text(std, 3)}, "
                    f"expected about noise = {number_text(noise)}{cause}")
        if abs(mean) > 5 * noise / math.sqrt(n) + 1e-4:
            return (f"y - (X @ w + b) has mean {number_text(mean, 3)}, expected about 0: y is not "
                    "the plane X @ w + b plus zero-mean noise (is b added?)")
        return None


DEPENDENT = 0.6  # |correlation| of noise with X: about 0.1 (1/sqrt(n)) when independent, 1 when it repeats X


def _dependence(X: np.ndarray, residual: np.ndarray, n: int) -> str | None:
    """Whether the noise y - (X @ w + b) repeats X's draws or follows a column of X (None if independent)."""
    def corr(a, c):
        a, c = a - a.mean(), c - c.mean()
        den = float(np.sqrt(np.sum(a * a) * np.sum(c * c)))
        return float(np.sum(a * c) / den) if den > 0 else 0.0

    repeat = corr(residual, X.reshape(-1)[:n])
    if abs(repeat) > 0.99:
        return (f"the noise y - (X @ w + b) repeats X's own numbers (correlation "
                f"{number_text(repeat, 3)} with the first {n} entries of X): a second generator made "
                "from the same seed draws the same numbers again; draw X and then the noise from "
                "one generator, rng = np.random.default_rng(seed)")
    for j in range(X.shape[1]):
        r = corr(residual, X[:, j])
        if abs(r) > DEPENDENT:
            return (f"the noise y - (X @ w + b) is correlated with column {j} of X (correlation "
                    f"{number_text(r, 3)}): the noise must be drawn independently of X, after it, "
                    "from the same generator")
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

    # (d range, n range): one feature, several, many; and a single example (n = 1)
    KINDS = (((1, 2), (2, 9)), ((2, 4), (2, 9)), ((4, 7), (2, 9)), ((1, 7), (1, 2)))

    def hidden(self, rng):
        cases = []
        for (d_lo, d_hi), (n_lo, n_hi) in self.KINDS:
            d, n = int(rng.integers(d_lo, d_hi)), int(rng.integers(n_lo, n_hi))
            X = np.round(rng.normal(size=(n, d)), 3).tolist()
            w = np.round(rng.normal(0, 2, d), 3).tolist()
            b = float(np.round(rng.choice([-1, 1]) * rng.uniform(0.3, 3), 3))
            cases.append(self.case(d, X, w, b))
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
                return f"{what} starts at {value_text(as_array(value))}, expected zeros (tf.zeros)"
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
        """Every combination of flat and column shapes once (in a random order), then one more."""
        combos = [(a, c) for a in SHAPES for c in SHAPES]
        combos = [combos[i] for i in rng.permutation(len(combos))]
        combos.append((str(rng.choice(SHAPES)), str(rng.choice(SHAPES))))
        cases = []
        for y_shape, y_hat_shape in combos:
            n = int(rng.integers(2, 51))
            y = np.round(rng.normal(0, 2, n), 3)
            y_hat = np.round(y + rng.normal(0, rng.uniform(0.3, 2), n), 3)
            cases.append(self.case(y.tolist(), y_hat.tolist(), y_shape, y_hat_shape))
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

        def root(g, w):
            return ("that is the square root of the mean squared error (the RMSE): leave out the tf.sqrt"
                    if np.isclose(g, np.sqrt(w), rtol=1e-4) else None)

        value = got["value"]
        if isinstance(value, dict) and value.get("shape") == [len(y)]:
            per = np.asarray(as_array(value)).reshape(-1)
            if np.allclose(per, (y64 - yh64) ** 2, atol=1e-5, rtol=1e-4):
                return (f"returned {len(y)} numbers, the squared error of each example, not one "
                        "mean: a mean over the last axis of (n, 1) columns (as tf.keras.losses.MSE "
                        "takes) leaves one number per row; reduce over all of them")
        problem = close(value, want["value"], atol=1e-5, rtol=RTOL, hints=[broadcast, half, summed, root])
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

    # (d range, start): one feature or several, from zero or from random parameters
    KINDS = (((1, 2), "random"), ((2, 5), "random"), ((1, 5), "zero"), ((1, 5), "random"))

    def hidden(self, rng):
        cases = []
        for (d_lo, d_hi), start in self.KINDS:
            n, d = int(rng.integers(5, 41)), int(rng.integers(d_lo, d_hi))
            X = np.round(rng.normal(size=(n, d)), 3)
            y = np.round(X @ rng.normal(0, 2, d) + rng.choice([-1, 1]) * rng.uniform(0.5, 3)
                         + rng.normal(0, 0.3, n), 3)
            w0 = np.round(rng.normal(0, 1, d), 2).tolist() if start == "random" else [0.0] * d
            b0 = float(np.round(rng.normal(), 2)) if start == "random" else 0.0
            cases.append(self.case(X.tolist(), y.tolist(), w0, b0, float(np.round(rng.uniform(0.01, 0.2), 3))))
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
        found = (f"after the step model.w = {value_text(theta[:-1])}, model.b = {number_text(theta[-1])}, "
                 f"expected {value_text(want['theta'][:-1])} and {number_text(want['theta'][-1])}")
        for factor, cause in causes.items():
            if np.allclose(theta, theta0 + factor * step, atol=ATOL, rtol=RTOL):
                return f"{found}: {cause}"
        if np.allclose(theta[:-1], want["theta"][:-1], atol=ATOL, rtol=RTOL) and theta[-1] == theta0[-1]:
            return f"{found}: model.b did not move; update b as well as w"
        if np.allclose(theta, want["theta"], atol=ATOL, rtol=RTOL):
            return None
        err = float(np.max(np.abs(theta - want["theta"])))
        return (f"{found} (largest difference {number_text(err, 3)}): the step is "
                "w - lr * dL/dw, b - lr * dL/db with L the mean squared error before the step")

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


TRAJ_ATOL, TRAJ_RTOL = 1e-4, 1e-4  # a float32 loop of at most 30 steps against the float64 iterate


def _early_case(rng: np.random.Generator, d: int, dtype: type) -> tuple:
    """(X, y, lr, epochs) where gradient descent is still far from least squares after `epochs`
    steps: features of unequal scales and offsets make the loss's valleys long, so one step more
    or fewer, twice the steps or half the step size (a ½ in the loss), mini-batches or another
    start all end elsewhere, by far more than the tolerance (checked, or drawn again)."""
    for _ in range(100):
        n = int(rng.integers(30, 81))
        X = (rng.normal(size=(n, d)) * rng.uniform(0.3, 2.0, d) + rng.uniform(-2, 2, d)).astype(dtype)
        b = float(rng.choice([-1, 1]) * rng.uniform(0.5, 3))
        y = (X @ rng.normal(0, 2, d) + b + rng.normal(0, 0.3, n)).astype(dtype)
        lam_max, _ = _curvature(X)
        lr = float(f"{rng.uniform(0.5, 0.9) / lam_max:.2g}")
        epochs = int(rng.integers(8, 31))
        path, half = _gd_path(X, y, lr, 2 * epochs + 1), _gd_path(X, y, lr / 2, epochs)
        end = path[epochs]
        tol = 20 * (TRAJ_ATOL + TRAJ_RTOL * float(np.max(np.abs(end))))
        others = (path[epochs - 1], path[epochs + 1], path[2 * epochs], half[epochs], _lstsq(X, y),
                  np.append(end[:-1], 0.0))
        if min(float(np.max(np.abs(end - o))) for o in others) > tol:
            return X, y, lr, epochs
    raise RuntimeError("no separating fit case drawn")  # never seen: the draws above almost always separate


class Fit(Question):
    """fit(X, y, lr, epochs) -> (w, b) by full-batch gradient descent on the MSE from zero."""

    name, unit = "fit", UNIT
    summary = ("exactly `epochs` full-batch gradient-descent steps of size lr on the MSE from zero: "
               "short runs judged against the iterate, long ones against np.linalg.lstsq")
    # (features, dtype): short runs stopped far from the optimum, judged step by step, and one
    # long run that converges to least squares
    KINDS = (("early", (1, 2), np.float32), ("early", (2, 4), np.float64), ("early", (1, 4), None),
             ("converged", (1, 5), None))

    def public(self):
        X, y = _seed_data()
        X3, y3 = _lecture_data()
        return [self.case(X, y, 0.5, 200, where="the seed-003 prices; least squares a* = 0.98182, b* = 0.054545"),
                self.case(X3, y3, 0.3, 100, where="the lecture's section-12 data, float64")]

    def hidden(self, rng):
        cases = []
        for kind, (d_lo, d_hi), dtype in self.KINDS:
            d = int(rng.integers(d_lo, d_hi))
            dtype = dtype or (np.float32 if rng.random() < 0.5 else np.float64)
            if kind == "early":
                cases.append(self.case(*_early_case(rng, d, dtype)))
                continue
            n = int(rng.integers(30, 121))
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
        path = _gd_path(X, y, lr, 2 * epochs + 1)
        star = _lstsq(X, y)
        converged = bool(np.allclose(path[epochs], star, atol=1e-5, rtol=1e-5))
        return {"theta": path[epochs], "star": star, "path": path, "converged": converged,
                "half": _gd_path(X, y, lr / 2, epochs)[epochs]}

    def judge(self, got, want, X, y, lr, epochs):
        problem = _pair_problem(got, X.shape[1])
        if problem:
            return problem
        theta, end = _theta(got), want["theta"]
        atol, rtol = (FIT_ATOL, FIT_RTOL) if want["converged"] else (TRAJ_ATOL, TRAJ_RTOL)
        found = f"returned w = {value_text(theta[:-1])}, b = {number_text(theta[-1])}"
        if not np.all(np.isfinite(theta)):
            return (f"{found}: gradient descent diverged, although {epochs} steps of size {lr} on the "
                    "mean squared error converge here; a larger loss (a sum instead of a mean) or a "
                    "step added instead of subtracted diverges")
        if np.allclose(theta, end, atol=atol, rtol=rtol):
            return None
        where = (f"{epochs} steps of size {lr} from zero end at w = {value_text(end[:-1])}, "
                 f"b = {number_text(end[-1])}")
        if want["converged"]:
            where += " (the least-squares solution)"
        expected = f"{found}; {where}"
        path = want["path"]
        near = [t for t in range(len(path)) if np.allclose(theta, path[t], atol=atol, rtol=rtol)]
        if near and near[0] < epochs:
            t = near[0]
            return (f"{expected}: that is where gradient descent is after {t} step{'s' * (t != 1)}; "
                    f"the loop must take all {epochs} (is `return` inside the loop, or the loop "
                    "shorter than `epochs`?)")
        if near:
            t = near[0]
            twice = " (two steps per epoch: is the step called twice in the loop?)" if t == 2 * epochs else ""
            return (f"{expected}: that is where gradient descent is after {t} steps, not "
                    f"{epochs}{twice}")
        if np.allclose(theta, want["half"], atol=atol, rtol=rtol):
            return (f"{expected}: that is where steps of size lr/2 = {number_text(lr / 2)} lead; the "
                    "gradient came out half as large: the loss is the mean squared error, without "
                    "the 1/2 of the lecture's section 12")
        if theta[-1] == 0 and end[-1] != 0:
            return f"{expected}: b stayed 0; train b as well as w"
        err = float(np.max(np.abs(theta - end)))
        return (f"{expected} (largest difference {number_text(err, 3)}): start from w = 0, b = 0 and "
                f"take exactly {epochs} full-batch steps w <- w - lr * dL/dw, b <- b - lr * dL/db on "
                "the mean squared error")


# --- 6. fit_with_optimizer -------------------------------------------------------------------------
class FitWithOptimizer(Question):
    """fit_with_optimizer(X, y, epochs) -> (w, b) trained by a Keras optimizer; R² > 0.99 on low-noise data."""

    name, unit = "fit_with_optimizer", UNIT
    summary = "training with a Keras optimizer of your choice; R² > 0.99 on low-noise data"

    def public(self):
        X3, y3 = _lecture_data()
        return [self.case(X3, y3, 100, where="the lecture's section-12 data (float64; its R² is 0.9990)")]

    # (features, dtype): one feature and several, float32 and float64 data (eager Keras updates
    # cost ~2 ms each: three cases per stream keep the check within seconds)
    KINDS = (((1, 2), np.float32), ((2, 5), np.float64), ((1, 5), None))

    def hidden(self, rng):
        cases = []
        for (d_lo, d_hi), dtype in self.KINDS:
            n, d = int(rng.integers(50, 201)), int(rng.integers(d_lo, d_hi))
            dtype = dtype or (np.float32 if rng.random() < 0.5 else np.float64)
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
            return (f"returned w = {value_text(theta[:-1])}, b = {number_text(theta[-1])}: training "
                    "diverged; lower the learning rate")
        r2 = _r2(X, y, theta)
        if r2 > R2_MIN:
            return None
        found = (f"R² = {number_text(r2)} (w = {value_text(theta[:-1])}, b = {number_text(theta[-1])}), "
                 f"expected > {R2_MIN}")
        y64 = np.asarray(y, np.float64)
        fitted = _design(X) @ theta
        if abs(theta[-1] - y64.mean()) < 0.05 * y64.std() and np.std(fitted) < 0.05 * y64.std():
            return (f"{found}: that is the flat line y = mean(y), where the (N, 1) - (N,) broadcasting "
                    "trap leads; make predictions and targets the same shape")
        return (f"{found}: after {epochs} epochs the fit is still far from the data; raise the learning "
                "rate (the seed's SGD 1e-3 needs thousands of epochs) or use Adam")
