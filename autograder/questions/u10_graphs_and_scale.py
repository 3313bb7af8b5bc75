"""Unit 10, Autodiff inside graphs and at scale: the graded questions.

Every function handed to a student here is a TensorFlow op built in the student's process from
plain terms (autograder/student/u10_graphs_and_scale.py): `tf.vectorized_map` must be able to
vectorise it, its float16 underflow is the point, or the student's `tf.function` must trace it.
The step counts its *Python* calls (a trace, or one eager evaluation): that count is the process
check of `per_example_grads` (no Python loop over the examples), `value_and_grad_fn` (traced once,
not retraced per call) and, with a probe of `tf.custom_gradient`, of `swish`. The counts are the
student process's word: they refuse a technique and name it, and never turn a wrong value into
points. Every reference is computed in float64 NumPy from closed forms: per-example gradients of
three linear-model losses, the entropy and its masked gradient, the gradient of a float16 model's
loss (inputs rounded to float16 as the model sees them), a random smooth function's value and
gradient (autograder/families.py), swish's first and second derivatives, and Heron's iteration
differentiated in forward mode (a second method to the student's reverse pass through
`tf.while_loop`). `heron_grad` is also run inside a `tf.function` whose input signature makes `n`
symbolic: a loop that needs n's value fails there.

Hidden streams are stratified (a fixed list of case kinds per question, random values) so that
every student's cases separate every fixture in samples/wrong/10_graphs_and_scale.py.
"""

from __future__ import annotations

import numpy as np

from ..student.compare import close, error_cause
from ..families import vector_grad, vector_value
from ..question import Question
from ..student.values import as_array, is_error, number_text, show, value_text

UNIT = "10_graphs_and_scale"
ATOL, RTOL = 1e-4, 1e-4


def _f32(a) -> np.ndarray:
    return np.asarray(a, np.float64).astype(np.float32).astype(np.float64)


def _raised(value) -> str:
    text = error_cause(value)
    if text.endswith(")"):
        return text
    return f"your function stopped with an error on this case; run it on these values to see where ({text})"


def _float32(got) -> str | None:
    dtype = got.get("dtype") if isinstance(got, dict) else None
    if dtype and dtype != "float32":
        return f"the values are right but the dtype is {dtype}; return float32"
    return None


# --- 1. per_example_grads ------------------------------------------------------------------
def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def _per_example(kind: str, w, X, y, wrt: str = "w") -> np.ndarray:
    """Row b: ∂loss_b/∂w (or ∂loss_b/∂x_b with wrt="x"), float64."""
    w, X, y = (np.asarray(a, np.float64) for a in (w, X, y))
    z = X @ w
    if kind == "squared":
        d = 2 * (z - y)
    elif kind == "logistic":
        d = -y * _sigmoid(-y * z)
    else:
        t = np.tanh(z)
        d = 2 * (t - y) * (1 - t * t)
    return d[:, None] * (X if wrt == "w" else np.broadcast_to(w, X.shape))


LOSS_TEXT = {"squared": "(x·w − y)²", "logistic": "softplus(−y·x·w)", "tanh": "(tanh(x·w) − y)²"}
PER_EXAMPLE_KINDS = ("squared", "logistic", "tanh", "squared")


class PerExampleGrads(Question):
    """per_example_grads(loss_fn, w, X, y) -> (N, d): row b is ∂loss_fn(w, X[b], y[b])/∂w."""

    name, unit = "per_example_grads", UNIT
    summary = "per-example parameter gradients without a Python loop (vectorized_map or jacobian)"

    def public(self):
        X = [[1.0, 2.0, 0.0], [0.0, 1.0, -1.0], [2.0, 0.0, 1.0]]
        return [self.case("squared", [0.5, -1.0, 2.0], X, [1.0, 0.0, 2.0]),
                self.case("logistic", [0.5, -1.0, 2.0], X, [1.0, -1.0, 1.0])]

    def hidden(self, rng):
        """One case per kind: the three losses and a second squared one; N from 4 to 7 examples
        (a Python loop makes N calls), d from 2 to 5, y of both signs, no two rows alike."""
        cases = []
        for kind in PER_EXAMPLE_KINDS:
            n, d = int(rng.integers(4, 8)), int(rng.integers(2, 6))
            w = np.round(rng.uniform(-1, 1, size=d), 2)
            X = np.round(rng.uniform(-2, 2, size=(n, d)), 2)
            if kind == "logistic":
                y = rng.permutation(np.resize([1.0, -1.0], n))
            elif kind == "tanh":
                y = np.round(rng.uniform(-0.9, 0.9, size=n), 2)
            else:
                y = np.round(rng.uniform(-3, 3, size=n), 2)
            cases.append(self.case(kind, w, X, y))
        return cases

    def case(self, kind, w, X, y):
        X = np.asarray(X, np.float64)
        return super().case(kind, list(np.asarray(w, float)), X, np.asarray(y, np.float64),
                            label=f"per_example_grads(loss_fn, w, X, y) with loss_fn = {LOSS_TEXT[kind]}, "
                                  f"w = {value_text(w)}, X of shape {X.shape}")

    def expected(self, kind, w, X, y):
        return _per_example(kind, _f32(w), _f32(X), _f32(y))

    def judge(self, got, want, kind, w, X, y):
        value, calls = got["value"], got["calls"]
        n, d = want.shape
        if is_error(value):
            return _raised(value)
        if calls == 0:
            return f"returned {show(value)} without calling loss_fn: the gradients must come from loss_fn"
        if calls > 2:
            return (f"loss_fn ran {calls} times in Python for N = {n} examples: that is a loop over the "
                    "examples (a Python for, a list comprehension, or tf.map_fn run eagerly, which calls "
                    "its function once per example). Trace it once: tf.vectorized_map over (X, y), or "
                    "tape.jacobian of the vector of N losses with respect to w")
        g = as_array(value)
        if value is None:
            return ("returned None: the gradient is taken with respect to w, the Variable; it must be "
                    "computed from a loss recorded on the tape")
        if g is not None and g.shape == (d,):
            if np.allclose(g, want.sum(axis=0), atol=ATOL, rtol=RTOL):
                return (f"shape {g.shape}: that is the gradient of the summed loss, one row for the whole "
                        f"batch; per-example gradients keep one row per example, shape {want.shape}: "
                        "tape.jacobian(losses, w) or tf.vectorized_map")
            if np.allclose(g, want.mean(axis=0), atol=ATOL, rtol=RTOL):
                return (f"shape {g.shape}: that is the gradient of the mean loss; per-example gradients "
                        f"keep one row per example, shape {want.shape}")
        if g is not None and g.shape == want.shape:
            if np.allclose(g, np.tile(want.mean(axis=0), (n, 1)), atol=ATOL, rtol=RTOL):
                return ("every row is the same, the gradient of the mean loss: the tape summed the batch "
                        "before differentiating; differentiate each example's loss (tape.jacobian of the "
                        "loss vector, or tf.vectorized_map)")
            if np.allclose(g, want / n, atol=ATOL, rtol=RTOL):
                return (f"every row is 1/N = 1/{n} of the expected one: that is the Jacobian of the *mean* "
                        "loss; differentiate the vector of per-example losses, not its mean")
            wx = _per_example(kind, _f32(w), _f32(X), _f32(y), wrt="x")
            if np.allclose(g, wx, atol=ATOL, rtol=RTOL):
                return ("those are the gradients with respect to the inputs x_b, not the parameters w: "
                        "the source of the gradient is w")
        if g is not None and g.shape == (n, n, d):
            return (f"shape {g.shape} = (N, N, d): the Jacobian of an (N, N) array, the (N,) losses "
                    "broadcast against an (N, 1) label column or similar; the loss vector must have shape (N,)")
        problem = close(value, want, atol=ATOL, rtol=RTOL)
        return problem or _float32(value)


# --- 2. entropy ----------------------------------------------------------------------------
def _entropy(p) -> tuple[np.ndarray, np.ndarray]:
    """H = −Σ p log p per row (0 log 0 = 0), and ∂(ΣH)/∂p = −(log p + 1) where p > 0, else 0."""
    p = np.asarray(p, np.float64)
    pos = p > 0
    safe = np.where(pos, p, 1.0)
    h = -np.sum(np.where(pos, p * np.log(safe), 0.0), axis=-1)
    g = np.where(pos, -(np.log(safe) + 1), 0.0)
    return h, g


def _probabilities(rng, rows: int, k: int, zeros: int, tiny: bool) -> np.ndarray:
    p = np.zeros((rows, k))
    for r in range(rows):
        z = rng.choice(k, size=zeros, replace=False) if zeros else []
        v = rng.uniform(0.05, 1, size=k)
        v[list(z)] = 0
        p[r] = v / v.sum()
    p = np.round(p, 4)
    if tiny:
        r = int(rng.integers(0, rows))
        p[r, np.flatnonzero(p[r])[0]] = 1e-30
    return _f32(p)


class Entropy(Question):
    """entropy(p) -> H of shape (batch,), −Σ_j p log p with 0·log 0 = 0; finite gradient everywhere."""

    name, unit = "entropy", UNIT
    summary = "a masked log whose gradient is finite where the masked branch would give NaN"

    def public(self):
        return [self.case([[0.5, 0.5, 0.0], [0.25, 0.25, 0.5]]),
                self.case([[1.0, 0.0], [0.0, 1.0]])]

    def hidden(self, rng):
        """Rows with one and with several zero probabilities, a one-hot row, and a probability of
        1e-30 (positive: its gradient is −(log p + 1) ≈ 68, which an epsilon inside the log misses)."""
        cases = []
        for rows, k, zeros, tiny in ((2, 4, 1, False), (3, 5, 2, True), (2, 3, 2, False), (3, 4, 1, True)):
            cases.append(self.case(_probabilities(rng, rows, k, zeros, tiny).tolist()))
        return cases

    def case(self, p):
        return super().case(p, label=f"entropy(tf.constant({value_text(np.asarray(p))}))")

    def expected(self, p):
        h, g = _entropy(_f32(p))
        return {"value": h, "grad": g}

    def judge(self, got, want, p):
        value, grad = got["value"], got["grad"]
        if is_error(value):
            return _raised(value)
        problem = close(value, want["value"], atol=ATOL, rtol=RTOL,
                        none_hint="return the entropy of every row, a tensor of shape (batch,)",
                        hints=[lambda g, w: "the sign is flipped: H = −Σ p log p" if np.allclose(g, -w, atol=ATOL)
                               else None])
        if problem:
            v = as_array(value)
            if v is not None and v.shape != want["value"].shape and v.shape == (np.shape(p)[1],):
                return (f"shape {v.shape}: summed over the batch axis; H sums over the last axis, one "
                        f"entropy per row, shape {want['value'].shape}")
            if v is not None and not np.all(np.isfinite(v)):
                return (f"the value is {show(value)}: 0·log 0 came out as NaN; mask it with tf.where "
                        "(its value at p = 0 is 0)")
            return "the entropy " + problem
        if grad is None:
            return "the gradient of H with respect to p is None: compute H from p with TensorFlow ops"
        g = as_array(grad)
        w = want["grad"]
        zero = np.asarray(p) == 0
        if g is not None and g.shape == w.shape and not np.all(np.isfinite(g)):
            bad = ~np.isfinite(g)
            where = "exactly where p = 0" if np.array_equal(bad, zero) else "at some entries"
            return (f"the value is right but the gradient is NaN {where}: tf.where(p > 0, p * log(p), 0) "
                    "still differentiates the branch it does not pick, and at p = 0 that branch's "
                    "gradient is 0 · (−inf) = NaN. The fix is a second where on the input: "
                    "log(tf.where(p > 0, p, 1.0)), so the unused branch is finite")
        if g is not None and g.shape == w.shape and np.allclose(g, w, atol=1e-3, rtol=1e-4):
            return _float32(value)
        if g is not None and g.shape == w.shape and np.allclose(g[~zero], w[~zero], atol=1e-3, rtol=1e-4):
            return (f"the gradient at p = 0 is {value_text(g[zero][:3])}, expected 0: an epsilon inside "
                    "the log (log(p + eps), log(maximum(p, eps)), clip) keeps it finite but not 0, and "
                    "changes the gradient of tiny p too; mask with a double tf.where instead")
        if g is not None and g.shape == w.shape and np.allclose(g[zero], 0) and not np.allclose(
                g[~zero], w[~zero], atol=1e-3, rtol=1e-4):
            return (f"the gradient is {show(grad)}, expected {show(w)}: where p is tiny (1e-30) an epsilon "
                    "inside the log changes the gradient −(log p + 1); only p = 0 is masked")
        problem = close(grad, w, atol=1e-3, rtol=1e-4)
        return ("the gradient " + problem) if problem else _float32(value)


# --- 3. scaled_gradients -------------------------------------------------------------------
def _f16(a) -> np.ndarray:
    return np.asarray(a, np.float64).astype(np.float16).astype(np.float64)


def _linear_grad(X, y, k, w) -> np.ndarray:
    """∇ of k·mean((Xw − y)²) in float64, on the float16 values the model sees."""
    X, y, w = _f16(X), _f16(y), _f16(_f32(w))
    return k * 2 * X.T @ (X @ w - y) / len(y)


SCALED_RTOL = 3e-2  # float16 forward and backward: a few 1e-3 relative, judged against the largest entry


class ScaledGradients(Question):
    """scaled_gradients(loss_fn, w, scale) -> ∂loss/∂w (float32), computed with loss scaling."""

    name, unit = "scaled_gradients", UNIT
    summary = "a loss-scaled gradient through a float16 model: scale the loss, unscale in float32"

    def public(self):
        X = [[1.0, 2.0, 0.5], [0.5, -1.0, 1.0], [2.0, 0.0, -1.0], [-1.0, 1.5, 1.0],
             [0.0, 1.0, 2.0], [1.5, -0.5, 0.0], [1.0, 1.0, 1.0], [-2.0, 0.5, 0.5]]
        y = [1.0, -1.0, 0.5, 2.0, 0.0, 1.0, -0.5, 1.5]
        return [self.case(X, y, 1e-7, [0.5, -0.25, 1.0], 2.0 ** 15, note="the lecture's model")]

    def hidden(self, rng):
        """Four models, N from 8 to 12 examples, k from 3e-8 to 1e-7 (the gradients ~1e-8, under
        float16's smallest subnormal 6e-8), scales 2^13 to 2^16."""
        cases = []
        for scale_exp in rng.permutation([13, 14, 15, 16]):
            n, d = int(rng.integers(8, 13)), int(rng.integers(2, 5))
            X = np.round(rng.uniform(-2, 2, size=(n, d)), 1)
            y = np.round(rng.uniform(-2, 2, size=n), 1)
            w = np.round(rng.uniform(-1, 1, size=d), 2)
            k = float(np.round(rng.uniform(3, 10), 1)) * 1e-8
            cases.append(self.case(X, y, k, w, float(2.0 ** int(scale_exp))))
        return cases

    def case(self, X, y, k, w, scale, note=""):
        X = np.asarray(X, np.float64)
        return super().case(X, np.asarray(y, np.float64), k, list(np.asarray(w, float)), scale,
                            label=f"scaled_gradients(loss_fn, w = {value_text(w)}, scale = 2**"
                                  f"{int(np.log2(scale))}) with loss_fn = {number_text(k)} · mean((X w − y)²), "
                                  f"X of shape {X.shape} in float16" + (f" ({note})" if note else ""))

    def expected(self, X, y, k, w, scale):
        return _linear_grad(X, y, k, w)

    def judge(self, got, want, X, y, k, w, scale):
        value = got["value"]
        if is_error(value):
            return _raised(value)
        if got["calls"] == 0:
            return f"returned {show(value)} without calling loss_fn: the gradient must come from loss_fn"
        if value is None:
            return "returned None: record loss = loss_fn(w) on a tape and differentiate with respect to w"
        g = as_array(value)
        if g is None or g.shape != want.shape:
            return close(value, want, atol=1e-12)
        top = float(np.max(np.abs(want)))
        atol = SCALED_RTOL * top

        def near(v):
            return bool(np.allclose(g, v, atol=SCALED_RTOL * float(np.max(np.abs(v))), rtol=SCALED_RTOL))

        dtype = value.get("dtype") if isinstance(value, dict) else None
        if np.allclose(g, want, atol=atol, rtol=SCALED_RTOL):
            if dtype and dtype != "float32":
                return (f"the values are right but the dtype is {dtype}: return the float32 gradient of the "
                        "float32 Variable w")
            return None
        if near(want * scale):
            return (f"that is the scaled gradient, {number_text(scale)} times too large: divide the gradient "
                    "by scale after tape.gradient")
        if near(want * scale * scale):
            return ("that is scale² times the gradient: the gradient was multiplied by scale instead of "
                    "divided to unscale it")
        if np.count_nonzero(g) <= g.size // 2 or not near(want):
            zeros = int(np.size(g) - np.count_nonzero(g))
            return (f"returned {show(value)}, expected {show(want)}"
                    + (f" ({zeros} of {g.size} entries are exactly 0)" if zeros else "")
                    + ": float16 underflow. The gradients here are about 1e-8, below float16's smallest "
                    "subnormal 6e-8, so the backward pass through the float16 model rounds them to 0 (or to "
                    "a few subnormal steps). Multiply the *loss* by scale before tape.gradient, so the "
                    "float16 gradients are scale times larger, then divide the float32 gradient by scale "
                    + ("(dividing in float16 underflows again)" if dtype == "float16" else
                       "(scaling the gradient after tape.gradient is too late)"))
        return close(value, want, atol=atol, rtol=SCALED_RTOL)


# --- 4. value_and_grad_fn ------------------------------------------------------------------
def _vector_terms(rng, n: int) -> list[dict]:
    a = rng.uniform(-1, 1, size=(n, n))
    return [{"kind": "quad", "A": np.round(a @ a.T / n + np.eye(n), 2).tolist()},
            {"kind": "lin", "b": np.round(rng.uniform(-2, 2, size=n), 2).tolist()},
            {"kind": "sin", "c": float(np.round(rng.uniform(0.5, 2), 2)),
             "w": np.round(rng.uniform(-1, 1, size=n), 2).tolist(), "phi": 0.0}]


LECTURE_TERMS = [{"kind": "quad", "A": [[2.0, 0.0], [0.0, 4.0]]}, {"kind": "lin", "b": [1.0, -1.0]},
                 {"kind": "sin", "c": 1.0, "w": [1.0, 1.0], "phi": 0.0}]


class ValueAndGradFn(Question):
    """value_and_grad_fn(f) -> a tf.function g with g(x) = (f(x), ∇f(x)), traced once."""

    name, unit = "value_and_grad_fn", UNIT
    summary = "a tf.function that returns value and gradient, traced once for calls of one signature"

    def public(self):
        return [self.case(LECTURE_TERMS, [[1.0, 2.0], [0.0, 0.0], [-1.0, 0.5]])]

    def hidden(self, rng):
        """Two functions of n = 2 to 5 variables, each called at four points of one shape."""
        cases = []
        for _ in range(2):
            n = int(rng.integers(2, 6))
            xs = np.round(rng.uniform(-2, 2, size=(4, n)), 2)
            cases.append(self.case(_vector_terms(rng, n), xs.tolist()))
        return cases

    def case(self, terms, xs):
        n = len(xs[0])
        return super().case(terms, xs, label=f"g = value_and_grad_fn(f) with f(x) = ½xᵀAx + b·x + "
                                              f"c·sin(v·x), then g(x) at {len(xs)} points x of shape ({n},)")

    def expected(self, terms, xs):
        return [(vector_value(terms, _f32(x)), vector_grad(terms, _f32(x))) for x in xs]

    def judge(self, got, want, terms, xs):
        value, calls, per_call = got["value"], got["calls"], got["per_call"]
        if is_error(value):
            return "value_and_grad_fn(f) itself " + _raised(value)
        if not isinstance(value, list):
            return f"value_and_grad_fn(f) returned {show(value)}; return a function g (a tf.function)"
        for i, (out, (fv, fg)) in enumerate(zip(value, want)):
            at = f"g(x) at x = {value_text(xs[i])}"
            if is_error(out):
                return f"{at}: " + _raised(out)
            if not (isinstance(out, list) and len(out) == 2):
                return f"{at} returned {show(out)}; return the pair (f(x), gradient)"
            problem = close(out[0], fv, atol=ATOL, rtol=RTOL, exact_shape=False,
                            none_hint="the first item is f(x)")
            if problem:
                return f"{at}: the value " + problem
            if out[1] is None:
                return (f"{at}: the gradient is None: x arrives as a tensor, not a Variable, so the tape "
                        "inside the tf.function must tape.watch(x) before computing f(x)")
            problem = close(out[1], fg, atol=ATOL, rtol=RTOL)
            if problem:
                return f"{at}: the gradient " + problem
        seq = ", ".join(str(c) for c in per_call)
        if calls > 1 and not got["graph"]:
            return (f"f ran {calls} times in Python for {len(xs)} calls of g (per call: {seq}): g is a plain "
                    "Python function that runs f eagerly, or makes a new tf.function on every call (each one "
                    "is traced again). Return one tf.function, made once, with the tape inside it")
        if calls > 1:
            return (f"f ran {calls} times in Python for {len(xs)} calls of g with float32 tensors of one "
                    f"shape (per call: {seq}): g was retraced. A tf.function traces once per input "
                    "signature; make it once (outside the function you return, not per call), and pass it "
                    "tensors, not Python numbers or lists (each new Python value is a new signature)")
        if not got["graph"]:
            return ("the values are right and f was traced once, but value_and_grad_fn returned a plain "
                    "Python function (a tape outside a traced f computes the gradient eagerly): return the "
                    "tf.function itself, with the tape inside it, so the forward and backward passes are "
                    "one graph")
        if calls == 0:
            return "f was never called: the value and gradient must come from f"
        return None


# --- 5. swish ------------------------------------------------------------------------------
def _swish(x) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.asarray(x, np.float64)
    s = _sigmoid(x)
    return x * s, s + x * s * (1 - s), s * (1 - s) * (2 + x * (1 - 2 * s))


class Swish(Question):
    """swish(x) = x·sigmoid(x) with a tf.custom_gradient whose gradient is itself differentiable."""

    name, unit = "swish", UNIT
    summary = "a custom gradient that a second tape can differentiate again"

    def public(self):
        return [self.case([-2.0, 0.5, 3.0], [1.0, 1.0, 1.0]),
                self.case([-2.0, 0.5, 3.0], [2.0, -1.0, 0.5])]

    def hidden(self, rng):
        """Two vectors of 3 to 6 points in [−6, 6], with weights c of both signs (never all 1)."""
        cases = []
        for _ in range(2):
            n = int(rng.integers(3, 7))
            x = np.round(rng.uniform(-6, 6, size=n), 2)
            c = np.round(rng.uniform(0.5, 2.5, size=n) * rng.choice([-1, 1], size=n), 2)
            cases.append(self.case(x.tolist(), c.tolist()))
        return cases

    def case(self, x, c):
        return super().case(x, c, label=f"swish(x) at x = {value_text(x)}, differentiated twice "
                                        f"(first of sum(c * swish(x)), c = {value_text(c)})")

    def expected(self, x, c):
        y, d1, d2 = _swish(_f32(x))
        c = _f32(c)
        return {"value": y, "grad": c * d1, "second": c * d2}

    def judge(self, got, want, x, c):
        value = got["value"]
        if is_error(value):
            return _raised(value)
        problem = close(value, want["value"], atol=ATOL, rtol=RTOL)
        if problem:
            return "the value " + problem
        c = _f32(c)
        g = as_array(got["grad"])
        if got["grad"] is None:
            return "the first derivative is None: the custom gradient function must return dy times f'(x)"
        if g is not None and g.shape == want["grad"].shape and not np.allclose(g, want["grad"], atol=ATOL,
                                                                                rtol=RTOL):
            y, d1, _ = _swish(_f32(x))
            if np.allclose(g, d1, atol=ATOL, rtol=RTOL):
                return ("the first derivative ignores the upstream gradient dy: with a weight c on each "
                        "output the gradient function must return dy * f'(x), not f'(x)")
            if np.allclose(g, c * _sigmoid(_f32(x)), atol=ATOL, rtol=RTOL):
                return ("the first derivative is sigmoid(x) only: the product rule gives "
                        "f'(x) = s + x·s·(1 − s), with s = sigmoid(x)")
            return "the first derivative " + close(got["grad"], want["grad"], atol=ATOL, rtol=RTOL)
        if got["second"] is None:
            return ("the second derivative is None: the outer tape cannot see through your gradient "
                    "function. Compute it with TensorFlow ops of x (no .numpy(), no NumPy, no "
                    "tf.stop_gradient), or give the gradient a custom gradient of its own")
        h = as_array(got["second"])
        if h is not None and h.shape == want["second"].shape and np.allclose(h, 0) and not np.allclose(
                want["second"], 0, atol=ATOL):
            return ("the second derivative is 0 everywhere: the gradient function's result is cut from x "
                    "(tf.stop_gradient, or constants computed outside the tape); compute it from x with "
                    "TensorFlow ops")
        problem = close(got["second"], want["second"], atol=1e-3, rtol=1e-3)
        if problem:
            return ("the first derivative is right but the second " + problem
                    + "; the second derivative is c · s(1 − s)(2 + x(1 − 2s))")
        if got["custom"] == 0:
            return ("the values and both derivatives are right, but swish was not built with "
                    "tf.custom_gradient, which this question asks for (decorate swish with @tf.custom_gradient "
                    "and return (value, grad_fn))")
        return _float32(value)


# --- 6. heron_grad -------------------------------------------------------------------------
def _heron(a, n: int, variant: str = "") -> tuple[np.ndarray, np.ndarray]:
    """y_n of y ← (y + a/y)/2 from y_0 = 1 and dy_n/da by forward mode in float64 (a second method
    to the tape's reverse pass); `variant` "truncated": the gradient of the last step only."""
    a = np.asarray(a, np.float64)
    y, dy = np.ones_like(a), np.zeros_like(a)
    for _ in range(n):
        if variant == "truncated":
            dy = 0.5 / y
        else:
            dy = 0.5 * (dy + 1 / y - a * dy / y**2)
        y = 0.5 * (y + a / y)
    return y, dy


# (n range, a range): one step, two, a few, many (near convergence)
HERON_KINDS = (((1, 2), (2, 9)), ((2, 3), (0.3, 9)), ((3, 5), (3, 20)), ((7, 10), (0.5, 9)))


class HeronGrad(Question):
    """heron_grad(a, n) -> (y_n, dy_n/da) for n steps of Heron's iteration, through a tf.while_loop."""

    name, unit = "heron_grad", UNIT
    summary = "a gradient through tf.while_loop, in eager mode and inside a tf.function with a symbolic n"

    def public(self):
        return [self.case([2.0], 1), self.case([2.0], 2), self.case([2.0, 9.0, 0.5], 3)]

    def hidden(self, rng):
        """One case per kind: n = 1, 2, 3 to 4, and 7 to 9 steps; two to four values of a, none
        near 1 (where every variant agrees)."""
        cases = []
        for ns, (lo, hi) in HERON_KINDS:
            m = int(rng.integers(2, 5))
            a = np.round(rng.uniform(lo, hi, size=m), 2)
            a = np.where(np.abs(a - 1) < 0.3, a + 1.5, a)
            cases.append(self.case(a.tolist(), int(rng.integers(*ns))))
        return cases

    def case(self, a, n):
        return super().case(a, n, label=f"heron_grad(tf.constant({value_text(a)}), tf.constant({n}))")

    def expected(self, a, n):
        y, dy = _heron(_f32(a), n)
        return {"y": y, "dy": dy}

    def judge(self, got, want, a, n):
        for mode in ("value", "graph"):
            out = got[mode]
            where = "called eagerly" if mode == "value" else (
                "inside a tf.function, where n is a symbolic int32 tensor")
            if is_error(out):
                message = str(out.get("message", ""))
                if mode == "graph":
                    return (f"right when called eagerly, but {where} it raised {out['type']}"
                            f"{': ' + message[:100] if message.strip() not in ('', 'in user code:') else ''}. "
                            "In a graph n has no value (no .numpy(), no Python int): loop with tf.while_loop "
                            "(or `for _ in tf.range(n)`)")
                return f"{where}: " + _raised(out)
            if not (isinstance(out, list) and len(out) == 2):
                return f"{where}, returned {show(out)}; return the pair (y_n, dy_n/da)"
            problem = close(out[0], want["y"], atol=1e-5, rtol=1e-5)
            if problem:
                a64 = _f32(a)

                def steps(g, _):
                    for k in (n - 1, n + 1):
                        if k >= 0 and np.allclose(g, _heron(a64, k)[0], atol=1e-5, rtol=1e-5):
                            return f"that is y after {k} steps, not {n}: check the loop condition (i < n)"
                    return None
                problem = close(out[0], want["y"], atol=1e-5, rtol=1e-5, hints=[steps])
                return f"{where}, y_n " + problem
            if out[1] is None:
                return (f"{where}, the gradient is None: a is a tensor, so tape.watch(a) before the loop, "
                        "and compute the loop inside the tape")
            a64 = _f32(a)

            def known(g, w):
                if np.allclose(g, _heron(a64, n, "truncated")[1], atol=1e-5, rtol=1e-5):
                    return ("that is the derivative of the last step only: the gradient was stopped between "
                            "iterations (tf.stop_gradient on y); let it flow through every iteration")
                if np.allclose(g, 0.5 / np.sqrt(a64), atol=1e-5, rtol=1e-5):
                    return (f"that is the limit 1/(2√a) of the converged iteration; after n = {n} steps the "
                            "derivative of y_n is not there yet: differentiate the loop itself")
                for k in (n - 1, n + 1):
                    if k >= 1 and np.allclose(g, _heron(a64, k)[1], atol=1e-5, rtol=1e-5):
                        return f"that is the derivative after {k} steps, not {n}"
                return None
            problem = close(out[1], want["dy"], atol=1e-5, rtol=1e-4, hints=[known])
            if problem:
                return f"{where}, dy_n/da " + problem
        return None
