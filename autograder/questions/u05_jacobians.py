"""Unit 05, Vectors and Jacobians: the graded questions.

The functions handed to students are drawn from one random family of maps f: R^n -> R^m,
described as plain data: a list of terms, each an m-vector (``A·x``, ``P·x²``,
``c⊙tanh(W·x + b)``, ``c⊙x[i]⊙x[j]``, a constant). For jacobian, vjp and jacobian_by_rows f is
served as an oracle (`student_args`), so the grader logs every evaluation (`got["calls"]`, one
entry per evaluation); jvp and jacobian_by_columns use forward mode, which cannot see through an
oracle, so their steps build f from the plain terms and count its calls in the student's process
(`got["calls"]`, an int). `expected` differentiates the same terms in closed form in float64
NumPy. The models of `per_example_input_grads` are small Keras models (Dense layers, sometimes a
BatchNormalization layer) described by their weights, built by the step and differentiated here
in closed form likewise.

Process checks make the technique necessary; the steps (autograder/student/u05_jacobians.py)
count the backward sweeps (`tape.gradient` calls) and the forward evaluations with a tangent
(`ForwardAccumulator`s), log `tape.jacobian` calls and switch off the API a question forbids
(`tape.jacobian` for the VJP, `tf.GradientTape` for forward mode) while the student's function
runs; an API switched off raises NotAllowedHere. Those logs come from the student's process
(forgeable) and only name a wrong technique. The budgets are the statements': jacobian and vjp
one call of f (vjp one backward sweep), jvp one call, jacobian_by_columns n forward evaluations with a tangent and
at most n + 1 calls of f, jacobian_by_rows m backward sweeps and at most m + 1 calls (one more
call may learn m), per_example_input_grads one call of the model.

The hidden cases are stratified (`_kinded`): each stream has two tall and two wide maps and
every polynomial term, so a transposed J, a loop over the wrong count, a summed target or a
tangent of ones is caught for every student, not on average. Helpers defined here rather than
in compare.py: `_compare` (values with the shared formatters, then the float32 the statements
ask for) and `_ints` (a described shape as a tuple of ints).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..student.compare import error_cause
from ..student.oracles import Oracle
from ..question import Question
from ..student.u05_jacobians import family_tf
from ..student.values import Plain, as_array, is_error, number_text, show, tensor_text, value_text

UNIT = "05_jacobians"
ATOL, RTOL = 1e-4, 1e-4  # float32 derivatives of values O(1-100)


# --- the random family of maps f: R^n -> R^m ------------------------------------------
_ACT = {"tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
        "sin": (np.sin, np.cos),
        "exp": (np.exp, np.exp)}


def _f_jac(desc: dict, x: Any) -> np.ndarray:
    """The m×n Jacobian of a family description at x, in closed form (float64)."""
    x = np.asarray(x, np.float64)
    J = np.zeros((desc["m"], desc["n"]))
    for t in desc["terms"]:
        k = t["kind"]
        if k == "lin":
            J += np.asarray(t["A"], np.float64)
        elif k == "sq":
            J += np.asarray(t["P"], np.float64) * 2 * x[None, :]
        elif k == "act":
            W = np.asarray(t["W"], np.float64)
            z = W @ x + np.asarray(t["b"], np.float64)
            J += (np.asarray(t["c"], np.float64) * _ACT[t["fn"]][1](z))[:, None] * W
        elif k == "prod":
            for row, (c, i, j) in enumerate(zip(t["c"], t["i"], t["j"])):
                J[row, i] += c * x[j]
                J[row, j] += c * x[i]
    return J


_TERM_TEXT = {"lin": "A·x", "sq": "P·x²", "prod": "c⊙x[i]⊙x[j]", "const": "b"}


def _f_text(desc: dict) -> str:
    if desc.get("text"):
        return f"f(x) = {desc['text']}"
    parts = [f"c⊙{t['fn']}(W·x + b)" if t["kind"] == "act" else _TERM_TEXT[t["kind"]]
             for t in desc["terms"]]
    return f"f: R^{desc['n']} → R^{desc['m']}, f(x) = {' + '.join(parts)}"


def _coef(rng: np.random.Generator, lo: float, hi: float, size: Any = None) -> Any:
    v = np.round(rng.uniform(lo, hi, size=size) * rng.choice([-1, 1], size=size), 2)
    return v.tolist() if size is not None else float(v)


def _f_random(rng: np.random.Generator, n: int, m: int, extra: str | None = None) -> dict:
    """A random map R^n -> R^m: one c⊙act(W·x + b) term and one or two of A·x, P·x², c⊙x[i]⊙x[j]
    (`extra` among them when given), sometimes a constant."""
    fn = str(rng.choice(["tanh", "sin", "exp"]))
    scale = (0.4 if fn == "exp" else 1.0) / np.sqrt(n)
    terms = [{"kind": "act", "fn": fn, "c": _coef(rng, 0.5, 2.5, m),
              "W": np.round(rng.uniform(-scale, scale, size=(m, n)), 2).tolist(),
              "b": np.round(rng.uniform(-0.5, 0.5, size=m), 2).tolist()}]
    kinds = [str(k) for k in rng.choice(["lin", "sq", "prod"], size=int(rng.integers(1, 3)), replace=False)]
    if extra is not None and extra not in kinds:
        kinds[0] = extra
    for kind in kinds:
        if kind == "lin":
            terms.append({"kind": "lin", "A": np.round(rng.uniform(-1.5, 1.5, size=(m, n)), 2).tolist()})
        elif kind == "sq":
            terms.append({"kind": "sq", "P": np.round(rng.uniform(-1.5, 1.5, size=(m, n)), 2).tolist()})
        else:
            terms.append({"kind": "prod", "c": _coef(rng, 0.5, 2.0, m),
                          "i": rng.integers(0, n, size=m).tolist(), "j": rng.integers(0, n, size=m).tolist()})
    if rng.random() < 0.5:
        terms.append({"kind": "const", "b": np.round(rng.uniform(-3, 3, size=m), 2).tolist()})
    rng.shuffle(terms)
    return {"n": n, "m": m, "terms": terms}


# The hidden cases' kinds. Each stream (random, hidden) draws four maps: two tall (m > n) and two
# wide (n > m), so J is never square (its transpose has another shape) and its rows and columns
# differ in number (a loop over the wrong count of evaluations or sweeps shows), and each of the three polynomial
# terms A·x, P·x², c⊙x[i]⊙x[j] appears: every student meets every kind, not on average.
TERMS = ("lin", "sq", "prod")


def _dims(rng: np.random.Generator, shape: str) -> tuple[int, int]:
    """(n, m) with m > n ("tall") or n > m ("wide"), between 2 and 5."""
    small = int(rng.integers(2, 5))
    big = int(rng.integers(small + 1, 6))
    return (small, big) if shape == "tall" else (big, small)


def _kinded(rng: np.random.Generator) -> list[tuple[int, int, dict]]:
    """Four random maps, two tall and two wide, with every polynomial term: (n, m, description)."""
    extras = [str(t) for t in rng.permutation(TERMS)] + [str(rng.choice(TERMS))]
    shapes = [("tall", "wide")[int(k) % 2] for k in rng.permutation(4)]
    out = []
    for shape, extra in zip(shapes, extras):
        n, m = _dims(rng, shape)
        out.append((n, m, _f_random(rng, n, m, extra)))
    return out


def _point(rng: np.random.Generator, size: int) -> np.ndarray:
    return np.round(rng.uniform(-1.5, 1.5, size=size), 2)


def _direction(rng: np.random.Generator, size: int) -> np.ndarray:
    """A vector whose entries differ from 1 and whose norm is far from 1 (a tangent or weights)."""
    while True:
        v = np.round(rng.uniform(-2, 2, size=size), 2)
        if abs(np.linalg.norm(v) - 1) > 0.3 and np.all(np.abs(v - 1) > 0.05):
            return v


# The lecture's functions (course/05_jacobians.ipynb), in the family's terms.
def _eye(n: int) -> list:
    return np.eye(n).tolist()


SEED_F = {"n": 3, "m": 3, "text": "x**2 + 2*y**2 + 1, y = [4, 5, 6]",   # seed 001
          "terms": [{"kind": "sq", "P": _eye(3)}, {"kind": "const", "b": [33.0, 51.0, 73.0]}]}
RUNNING_SUM = {"n": 3, "m": 3, "text": "tf.cumsum(x**2)",
               "terms": [{"kind": "sq", "P": np.tril(np.ones((3, 3))).tolist()}]}
MATVEC_W = {"n": 3, "m": 2, "text": "W @ x, W = [[1, 2, 3], [4, 5, 6]]",
            "terms": [{"kind": "lin", "A": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]}]}
SEED_002 = {"n": 2, "m": 3, "text": "tf.stack([f2(x[0], x[1] + c) for c in (2, 5, 7)]), "
                                    "f2(w1, w2) = 3*w1**2 + 2*w1*w2",
            "terms": [{"kind": "sq", "P": [[3.0, 0.0]] * 3},
                      {"kind": "prod", "c": [2.0, 2.0, 2.0], "i": [0, 0, 0], "j": [1, 1, 1]},
                      {"kind": "lin", "A": [[4.0, 0.0], [10.0, 0.0], [14.0, 0.0]]}]}
MATVEC_A = {"n": 2, "m": 2, "text": "A @ x, A = [[3, 1], [8, 2]]",                 # seed 002
            "terms": [{"kind": "lin", "A": [[3.0, 1.0], [8.0, 2.0]]}]}
COUNTING = {"n": 6, "m": 2, "text": "tanh(A @ x), A = reshape(range(12), (2, 6)) / 10",
            "terms": [{"kind": "act", "fn": "tanh", "c": [1.0, 1.0],
                       "W": (np.arange(12).reshape(2, 6) / 10).tolist(), "b": [0.0, 0.0]}]}
COUNTING_X = np.array([0.5, -1.0, 0.0, 1.0, 2.0, -0.5])


# --- the values the student receives, and messages -----------------------------------
def _f32(a: Any) -> np.ndarray:
    """The float64 values of a float32 tensor made from a (the values the student receives)."""
    return np.asarray(a, np.float64).astype(np.float32).astype(np.float64)


def _disabled(got: Plain) -> bool:
    return is_error(got) and got["type"] == "NotAllowedHere"


def _raised(value: Plain, passes: bool = True) -> str:
    """An error the student's function raised, with our reading in front of TensorFlow's words
    (`passes`: the question builds J from one-hot tangents or output_gradients)."""
    text = error_cause(value)
    if text.endswith(")"):  # compare.KNOWN_ERRORS named the cause
        return text
    message = str(value.get("message", ""))
    if passes and ("shape" in message.lower() or "must be equal" in message):
        return ("your function stopped on a shape mismatch: a tangent must have x's shape (n,), "
                "output_gradients the shape (m,) of f(x); check which of n and m each loop and one-hot "
                f"uses (TensorFlow said: {show(value)})")
    return f"your function stopped with an error on this case; run it on these values to see where ({text})"


def _no_call(value: Plain, what: str = "f") -> str:
    return f"returned {_shown(value)} without calling {what}: the answer has to come from {what} itself"


def _none(calls: list | None, source: str = "x") -> str:
    """Why a gradient came back None, from the log of f's calls (whether a tape was recording)."""
    if calls and all(c.get("taped") is False for c in calls):
        return (f"returned None: f was called while no tape was recording, so nothing connects the result "
                f"to {source}; compute y = f({source}) inside the `with tf.GradientTape() as tape:` block")
    return (f"returned None: the tape did not connect the result to {source}. {source} is a tf.constant, "
            f"and a tape records only what it watches: call tape.watch({source}) on the very tensor you "
            f"pass to f, before y = f({source}), inside the `with` block")


def _float32(value: Plain) -> str | None:
    """A message if a right-valued answer is not float32 (the statement asks for float32)."""
    dtype = value.get("dtype") if isinstance(value, dict) else None
    if dtype is not None and dtype != "float32":
        return (f"the values are right but the dtype is {dtype}: return a float32 tensor (x is float32; "
                "compute in float32, or tf.cast the result)")
    if isinstance(value, (list, float, int)):
        return ("the values are right but came back as a Python list or number: return one float32 tensor "
                "(tf.stack a list of rows or columns)")
    return None


def _transposed(value: Plain, J: np.ndarray, what: str) -> str | None:
    """The message for an answer that is Jᵀ instead of J (None unless it is exactly that)."""
    g = as_array(value)
    if J.shape == J.T.shape and np.allclose(J, J.T, atol=ATOL, rtol=RTOL):
        return None  # a symmetric J is its own transpose
    if g is not None and g.shape == J.T.shape and np.allclose(g, J.T, atol=ATOL, rtol=RTOL):
        return (f"returned Jᵀ (shape {tuple(g.shape)}) instead of J (shape {tuple(J.shape)}: target + source, "
                f"m × n): {what}")
    return None


def _summed(value: Plain, J: np.ndarray) -> str | None:
    g = as_array(value)
    if g is not None and g.shape == (J.shape[1],) and np.allclose(g, J.sum(axis=0), atol=ATOL, rtol=RTOL):
        return (f"returned {value_text(g)}, shape {tuple(g.shape)}: that is 1ᵀJ, the gradient of the *sum* of "
                "the outputs (tape.gradient of a vector target, or of tf.reduce_sum(y), sums it)")
    return None


def _flattened(value: Plain, J: np.ndarray, how: str) -> str | None:
    g = as_array(value)
    if g is not None and g.ndim == 1 and g.size == J.size and g.size != J.shape[1]:
        return (f"returned a flat vector of {g.size} numbers, expected the {J.shape[0]} × {J.shape[1]} "
                f"matrix J: {how}")
    return None


def _shown(value: Plain) -> str:
    """An answer's values as they would be typed ([[1.0, 2.0], ...]); other answers as described."""
    g = as_array(value)
    return value_text(g) if g is not None else show(value)


def _compare(value: Plain, want: np.ndarray, *hints: Any) -> str | None:
    """Values against the reference (float32 tolerances), then the dtype. `hints` are messages
    (str or None) or functions (g, want) -> message or None, tried only when the values are wrong."""
    g = as_array(value)
    if g is None and isinstance(value, list):
        return (f"returned a Python list of {len(value)} items, expected one float32 tensor of shape "
                f"{tuple(want.shape)}: tf.stack the list")
    if g is None:
        return f"returned {show(value)}, expected a float32 tensor of shape {tuple(want.shape)}"
    ok = g.shape == want.shape and np.all(np.isfinite(g)) and np.allclose(g, want, atol=ATOL, rtol=RTOL)
    if ok:
        return _float32(value)
    for hint in hints:
        message = hint(g, want) if callable(hint) else hint
        if message:
            return message
    if g.shape != want.shape:
        return f"returned shape {tuple(g.shape)}, expected {tuple(want.shape)} (returned {_shown(value)})"
    err = float(np.max(np.abs(g - want))) if np.all(np.isfinite(g)) else float("inf")
    return (f"returned {value_text(g)}, expected {value_text(want)} (largest difference {number_text(err)})"
            + ("" if np.isfinite(err) else ": the result is not finite"))


def _call_text(name: str, *vectors: Any) -> str:
    return f"{name}(f, {', '.join(tensor_text(_f32(v)) for v in vectors)})"


# --- 1. jacobian --------------------------------------------------------------------------
class Jacobian(Question):
    """jacobian(f, x) -> the m×n Jacobian of f: R^n -> R^m at x, from one call of f."""

    name, unit = "jacobian", UNIT
    summary = "the full Jacobian of a black-box f of a float32 vector, with one call of f"

    def public(self):
        return [self.case(SEED_F, np.array([1.0, 2.0, 3.0])),
                self.case(RUNNING_SUM, np.array([1.0, 2.0, 3.0])),
                self.case(MATVEC_W, np.array([1.0, -1.0, 2.0])),
                self.case(SEED_002, np.array([5.0, 3.0])),
                self.case(MATVEC_A, np.array([1.0, 2.0]))]

    def hidden(self, rng):
        return [self.case(desc, _point(rng, n)) for n, m, desc in _kinded(rng)]

    def case(self, desc, x):
        return super().case(desc, x, label=f"{_call_text('jacobian', x)} with {_f_text(desc)}")

    def student_args(self, desc, *rest):
        return (Oracle(family_tf(desc), out=[desc["m"]]), *rest)

    def expected(self, desc, x):
        return _f_jac(desc, _f32(x))

    def judge(self, got, want, desc, x):
        value, log = got["value"], got["calls"]
        if is_error(value):
            return _raised(value)
        if not log:
            return _no_call(value)
        if len(log) > 1:
            return (f"called f {len(log)} times: the question allows one call; record y = f(x) once under "
                    "a tape, then tape.jacobian(y, x) gives every row at once")
        if value is None:
            return _none(log)
        g = as_array(value)
        diagonal = None
        if g is not None and g.shape == (desc["n"], desc["n"]) and np.allclose(
                g, np.diag(want.sum(axis=0)), atol=ATOL, rtol=RTOL):
            diagonal = (f"returned a diagonal {g.shape[0]} × {g.shape[1]} matrix, expected J, "
                        f"{want.shape[0]} × {want.shape[1]}: that is diag(1ᵀJ); tape.gradient of a vector "
                        "target gives the column sums, which are the element-wise derivatives only when J "
                        "is diagonal; tape.jacobian(y, x) gives J itself")
        return _compare(value, want, _summed(value, want), diagonal,
                       _transposed(value, want, "row i of J is the gradient of f_i, J[i, j] = ∂f_i/∂x_j; "
                                                "tape.jacobian(y, x) is already in that order"))


# --- 2. vjp -------------------------------------------------------------------------------
class Vjp(Question):
    """vjp(f, x, u) -> uᵀJ in one backward sweep, without building J (tape.jacobian disabled)."""

    name, unit = "vjp", UNIT
    summary = "the vector-Jacobian product uᵀJ with output_gradients, never forming J"

    def public(self):
        x = np.array([1.0, 2.0, 3.0])
        lecture = [self.case(RUNNING_SUM, x, np.array(u))
                   for u in ([1.0, 1.0, 1.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.5, 0.0, -1.0])]
        return lecture + [self.case(SEED_002, np.array([5.0, 3.0]), np.array([1.0, 1.0, 1.0]))]  # [136, 30]

    def hidden(self, rng):
        return [self.case(desc, _point(rng, n), _direction(rng, m)) for n, m, desc in _kinded(rng)]

    def case(self, desc, x, u):
        return super().case(desc, x, u, label=f"{_call_text('vjp', x, u)} with {_f_text(desc)}")

    def student_args(self, desc, *rest):
        return (Oracle(family_tf(desc), out=[desc["m"]]), *rest)

    def expected(self, desc, x, u):
        return _f32(u) @ _f_jac(desc, _f32(x))

    def judge(self, got, want, desc, x, u):
        value, log, backward = got["value"], got["calls"], got["backward"]
        J = _f_jac(desc, _f32(x))
        if _disabled(value):
            return ("tried to build the whole Jacobian (tape.jacobian is disabled in this check): "
                    "tape.gradient(y, x, output_gradients=u) gives uᵀJ in one backward sweep without "
                    "forming J")
        if is_error(value):
            return _raised(value)
        if not log:
            return _no_call(value)
        if len(log) > 1:
            return (f"called f {len(log)} times: one recorded evaluation under a tape and one backward sweep "
                    "(tape.gradient with output_gradients=u) give uᵀJ")
        if backward > 1:
            return (f"ran {backward} backward sweeps (tape.gradient calls), building J row by row: "
                    "one tape.gradient(y, x, output_gradients=u) gives uᵀJ directly")
        if value is None:
            return _none(log)
        if not np.allclose(_f32(u), 1.0):
            hint = _summed(value, J)
            if hint:
                return hint + "; pass output_gradients=u to weight output i by u[i]"
        return _compare(value, want)


# --- 3. jvp -------------------------------------------------------------------------------
class Jvp(Question):
    """jvp(f, x, v) -> Jv in one forward evaluation with a tangent (tf.GradientTape disabled)."""

    name, unit = "jvp", UNIT
    summary = "the Jacobian-vector product Jv with tf.autodiff.ForwardAccumulator, no tape"

    def public(self):
        x = np.array([1.0, 2.0, 3.0])
        return [self.case(desc, x, np.array(v)) for v in ([1.0, 0.0, 0.0], [1.0, 1.0, 1.0])
                for desc in (SEED_F, RUNNING_SUM)]

    def hidden(self, rng):
        return [self.case(desc, _point(rng, n), _direction(rng, n)) for n, m, desc in _kinded(rng)]

    def case(self, desc, x, v):
        return super().case(desc, x, v, label=f"{_call_text('jvp', x, v)} with {_f_text(desc)}")

    def expected(self, desc, x, v):
        return _f_jac(desc, _f32(x)) @ _f32(v)

    def judge(self, got, want, desc, x, v):
        value, calls = got["value"], got["calls"]
        if _disabled(value):
            return ("used a tf.GradientTape, which this check disables: reverse mode gives uᵀJ; forward "
                    "mode gives Jv: `with tf.autodiff.ForwardAccumulator(primals=x, tangents=v) as acc:` "
                    "y = f(x), then acc.jvp(y)")
        if is_error(value):
            return _raised(value)
        if calls == 0:
            return _no_call(value)
        if calls > 1:
            return (f"called f {calls} times: one evaluation of f inside one ForwardAccumulator with "
                    "tangents=v gives Jv (one evaluation per column would build all of J)")
        if value is None:
            return ("returned None: acc.jvp(y) is None when y was not computed inside the "
                    "`with tf.autodiff.ForwardAccumulator(primals=x, tangents=v) as acc:` block "
                    "from the very tensor x given as primals")
        J = _f_jac(desc, _f32(x))
        vv = _f32(v)

        def ones_tangent(g, w):
            if not np.allclose(vv, 1.0) and g.shape == w.shape and np.allclose(g, J.sum(axis=1), atol=ATOL,
                                                                                rtol=RTOL):
                return (f"returned {value_text(g)}, expected Jv = {value_text(w)}: that is J·1 (the row sums); "
                        "the tangent must be v, not a vector of ones")
            return None

        def unit_tangent(g, w):
            norm = float(np.linalg.norm(vv))
            if abs(norm - 1) > 1e-3 and g.shape == w.shape and np.allclose(g, w / norm, atol=ATOL, rtol=RTOL):
                return (f"returned {value_text(g)}, expected Jv = {value_text(w)}: that is Jv/|v| "
                        f"(|v| = {number_text(norm)}); the tangent is v itself, not v normalised")
            return None

        return _compare(value, want, ones_tangent, unit_tangent)


# --- 4. jacobian_by_columns ---------------------------------------------------------------
class JacobianByColumns(Question):
    """jacobian_by_columns(f, x) -> J, one forward evaluation (tangent e_j) per column: n evaluations."""

    name, unit = "jacobian_by_columns", UNIT
    summary = "the Jacobian column by column in forward mode: n evaluations of f with a tangent, no tape"

    def public(self):
        return [self.case(COUNTING, COUNTING_X),                      # lecture: 6 forward evaluations
                self.case(SEED_002, np.array([5.0, 3.0])),
                self.case(RUNNING_SUM, np.array([1.0, 2.0, 3.0]))]

    def hidden(self, rng):
        return [self.case(desc, _point(rng, n)) for n, m, desc in _kinded(rng)]

    def case(self, desc, x):
        return super().case(desc, x, label=f"{_call_text('jacobian_by_columns', x)} with {_f_text(desc)}")

    def expected(self, desc, x):
        return _f_jac(desc, _f32(x))

    def judge(self, got, want, desc, x):
        value, calls, accs = got["value"], got["calls"], got["accumulators"]
        n, m = desc["n"], desc["m"]
        if _disabled(value):
            return ("used a tf.GradientTape (tape.jacobian or tape.gradient), which this check disables: "
                    "this question asks for forward mode, one evaluation in a ForwardAccumulator per column with "
                    "tangents=tf.one_hot(j, n)")
        if is_error(value):
            return _raised(value)
        if calls == 0:
            return _no_call(value)
        if accs == 0:
            return (f"called f {calls} times but never inside a tf.autodiff.ForwardAccumulator: column j "
                    "is acc.jvp(f(x)) with tangents=tf.one_hot(j, n)")
        if accs != n:
            count = f" (m = {m}, the number of outputs, is the reverse-mode count of rows)" if accs == m else ""
            return (f"ran {accs} forward evaluation{'s' if accs != 1 else ''} with a tangent (ForwardAccumulators) for "
                    f"n = {n} columns{count}: forward mode takes exactly one evaluation per column, tangent "
                    "tf.one_hot(j, n)")
        if calls > n + 1:
            return (f"called f {calls} times for n = {n} columns: one call of f per column, inside its "
                    "ForwardAccumulator (and at most one more, e.g. to learn m)")
        return _compare(value, want, _flattened(value, want, "tf.concat joined the columns end to end; "
                                                            "tf.stack(columns, axis=1) makes them columns"),
                       _transposed(value, want, "the columns were stacked as rows; use tf.stack(columns, axis=1)"))


# --- 5. jacobian_by_rows ------------------------------------------------------------------
class JacobianByRows(Question):
    """jacobian_by_rows(f, x) -> J, one backward sweep (output_gradients=e_i) per row: m sweeps."""

    name, unit = "jacobian_by_rows", UNIT
    summary = "the Jacobian row by row in reverse mode: m calls of tape.gradient, one per row"

    def public(self):
        return [self.case(COUNTING, COUNTING_X),                      # lecture: 1 recorded evaluation + 2 sweeps
                self.case(SEED_002, np.array([5.0, 3.0])),
                self.case(RUNNING_SUM, np.array([1.0, 2.0, 3.0]))]

    def hidden(self, rng):
        return [self.case(desc, _point(rng, n)) for n, m, desc in _kinded(rng)]

    def case(self, desc, x):
        return super().case(desc, x, label=f"{_call_text('jacobian_by_rows', x)} with {_f_text(desc)}")

    def student_args(self, desc, *rest):
        return (Oracle(family_tf(desc), out=[desc["m"]]), *rest)

    def expected(self, desc, x):
        return _f_jac(desc, _f32(x))

    def judge(self, got, want, desc, x):
        value, log, backward = got["value"], got["calls"], got["backward"]
        n, m = desc["n"], desc["m"]
        if got["jacobians"]:
            return ("used tape.jacobian, which does the m backward sweeps for you: this question asks "
                    "for them one at a time, tape.gradient(y, x, output_gradients=tf.one_hot(i, m)) for "
                    "row i")
        if got["accumulators"]:
            return ("used tf.autodiff.ForwardAccumulator, which gives columns (forward mode): rows come "
                    "from reverse mode, tape.gradient(y, x, output_gradients=tf.one_hot(i, m))")
        if is_error(value):
            return _raised(value)
        if not log:
            return _no_call(value)
        if backward != m:
            count = f" (n = {n}, the number of inputs, is the forward-mode count of columns)" if backward == n else ""
            return (f"ran {backward} backward sweep{'s' if backward != 1 else ''} (tape.gradient calls) "
                    f"for m = {m} rows{count}: reverse mode takes exactly one per row, with "
                    "output_gradients=tf.one_hot(i, m)")
        if len(log) > m + 1:
            return (f"called f {len(log)} times for m = {m} rows: at most one call per row, plus one to "
                    "learn m (or a single call on a persistent tape)")
        if value is None:
            return _none(log)
        g = as_array(value)
        if g is not None and g.shape == want.shape and np.allclose(g, np.tile(want.sum(axis=0), (m, 1)),
                                                                   atol=ATOL, rtol=RTOL):
            return ("every row is 1ᵀJ, the column sums: without output_gradients the tape sums the "
                    "outputs; pass output_gradients=tf.one_hot(i, m) for row i")
        return _compare(value, want, _flattened(value, want, "tf.concat joined the rows end to end; "
                                                            "tf.stack(rows, axis=0) keeps them rows"),
                       _transposed(value, want, "the rows were stacked as columns; use tf.stack(rows, axis=0)"))


# --- 6. per_example_input_grads -----------------------------------------------------------
# A model is a list of layers: {"kind": "dense", "W": ins×outs, "b": outs, "act": name} or
# {"kind": "bn", "gamma", "beta", "mean", "var"} (BatchNormalization, epsilon 1e-3).
BN_EPS = 1e-3
_DENSE_ACT = {"linear": (lambda z: z, lambda z: np.ones_like(z)),
              "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
              "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
              "softplus": (lambda z: np.logaddexp(0, z), lambda z: 1 / (1 + np.exp(-z)))}


def _model_jacobians(layers: list[dict], X: np.ndarray) -> np.ndarray:
    """The per-example Jacobians dY_b/dX_b of the model in inference mode, (batch, outs, ins), float64."""
    out = []
    for x in np.asarray(X, np.float64):
        J = np.eye(x.size)
        a = x
        for layer in layers:
            if layer["kind"] == "dense":
                W = np.asarray(layer["W"], np.float64)
                z = a @ W + np.asarray(layer["b"], np.float64)
                fn, d = _DENSE_ACT[layer["act"]]
                J = (d(z)[:, None] * W.T) @ J
                a = fn(z)
            else:
                var = np.asarray(layer["var"], np.float64)
                s = np.asarray(layer["gamma"], np.float64) / np.sqrt(var + BN_EPS)
                J = s[:, None] * J
                a = s * (a - np.asarray(layer["mean"], np.float64)) + np.asarray(layer["beta"], np.float64)
        out.append(J)
    return np.stack(out)


def _model_text(layers: list[dict], ins: int) -> str:
    parts, width = [], ins
    for layer in layers:
        if layer["kind"] == "dense":
            out = len(layer["b"])
            act = "" if layer["act"] == "linear" else f", {layer['act']}"
            parts.append(f"Dense({width}→{out}{act})")
            width = out
        else:
            parts.append("BatchNormalization")
    return " → ".join(parts)


LECTURE_X = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 2.0], [2.0, 2.0, 2.0]])
LECTURE_DENSE = [{"kind": "dense", "W": [[1.0, 0.0], [0.0, 2.0], [1.0, -1.0]], "b": [0.0, 0.0],
                  "act": "linear"}]
LECTURE_BN_X = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 2.0], [2.0, -2.0, 1.0]])
LECTURE_BN = [{"kind": "dense", "W": [[0.5, -0.5, 0.0, 0.25], [0.0, 0.5, -0.25, 0.5], [0.25, 0.0, 0.5, -0.5]],
               "b": [0.0, 0.1, -0.1, 0.0], "act": "tanh"},
              {"kind": "bn", "gamma": [1.0, 1.5, 0.5, 1.0], "beta": [0.0, 0.1, 0.0, -0.1],
               "mean": [0.1, -0.2, 0.0, 0.2], "var": [0.25, 0.5, 1.0, 0.75]},
              {"kind": "dense", "W": [[1.0, 0.0], [0.5, -1.0], [0.0, 1.0], [-0.5, 0.5]], "b": [0.0, 0.0],
               "act": "linear"}]


def _model_random(rng: np.random.Generator, ins: int, outs: int, bn: bool) -> list[dict]:
    hidden = int(rng.integers(3, 7))
    layers = [{"kind": "dense", "W": np.round(rng.uniform(-1, 1, size=(ins, hidden)), 2).tolist(),
               "b": np.round(rng.uniform(-0.5, 0.5, size=hidden), 2).tolist(),
               "act": str(rng.choice(["tanh", "sigmoid", "softplus"]))}]
    if bn:
        layers.append({"kind": "bn", "gamma": np.round(rng.uniform(0.5, 2.0, size=hidden), 2).tolist(),
                       "beta": np.round(rng.uniform(-0.5, 0.5, size=hidden), 2).tolist(),
                       "mean": np.round(rng.uniform(-0.5, 0.5, size=hidden), 2).tolist(),
                       "var": np.round(rng.uniform(0.2, 2.0, size=hidden), 2).tolist()})
    layers.append({"kind": "dense", "W": np.round(rng.uniform(-1.5, 1.5, size=(hidden, outs)), 2).tolist(),
                   "b": np.round(rng.uniform(-0.5, 0.5, size=outs), 2).tolist(), "act": "linear"})
    return layers


class PerExampleInputGrads(Question):
    """per_example_input_grads(model, X) -> dY_b/dX_b for every example b, shape (batch, outs, ins)."""

    name, unit = "per_example_input_grads", UNIT
    summary = "per-example input Jacobians of a Keras model with batch_jacobian, axes (batch, outs, ins)"

    def public(self):
        return [self.case(LECTURE_DENSE, LECTURE_X), self.case(LECTURE_BN, LECTURE_BN_X)]

    def hidden(self, rng):
        # each stream: two models with a BatchNormalization layer (where training=True shows), one
        # tall (outs > ins) and one wide; two without, one of them with a single output
        kinds = [(True, "tall"), (True, "wide"), (False, "single"), (False, str(rng.choice(["tall", "wide"])))]
        cases = []
        for k in rng.permutation(len(kinds)):
            bn, shape = kinds[int(k)]
            if shape == "single":
                ins, outs = int(rng.integers(2, 6)), 1
            else:
                small = int(rng.integers(2, 5))
                big = int(rng.integers(small + 1, 6))
                ins, outs = (small, big) if shape == "tall" else (big, small)
            X = np.round(rng.uniform(-2, 2, size=(int(rng.integers(2, 6)), ins)), 2)
            cases.append(self.case(_model_random(rng, ins, outs, bn=bn), X))
        return cases

    def case(self, layers, X):
        return super().case(layers, X, label=f"per_example_input_grads(model, X) with model = "
                                             f"{_model_text(layers, X.shape[1])}, X of shape {X.shape}")

    def expected(self, layers, X):
        return _model_jacobians(layers, _f32(X))

    def judge(self, got, want, layers, X):
        value, calls = got["value"], got["calls"]
        batch, outs, ins = want.shape
        if is_error(value):
            return _raised(value, passes=False)
        if calls == 0:
            return _no_call(value, "the model")
        if calls > 1:
            return (f"called the model {calls} times: one call Y = model(X) on the whole batch under one "
                    "tape, then tape.batch_jacobian(Y, X), gives every example's Jacobian")
        if any(got["training"]) and any(layer["kind"] == "bn" for layer in layers):
            return ("called the model with training=True: BatchNormalization then normalises with the "
                    "batch's own mean and variance, the examples interact, and batch_jacobian is "
                    "well-shaped nonsense; call model(X) (inference mode)")
        if value is None:
            return _none(None, "X")
        g = as_array(value)
        if g is not None and g.shape == (batch, ins, outs) and (batch, ins, outs) != want.shape:
            return (f"shape {g.shape} = (batch, ins, outs): the axes are swapped; "
                    f"tape.batch_jacobian(Y, X) is already (batch, outs, ins) = {want.shape}, entry "
                    "[b, i, j] = ∂Y[b, i]/∂X[b, j]; do not transpose it")
        if g is not None and g.shape == (batch, outs, batch, ins):
            return (f"shape {g.shape} = (batch, outs, batch, ins) is the full tape.jacobian(Y, X), mostly "
                    "zero blocks between different examples: tape.batch_jacobian(Y, X) gives the "
                    f"per-example blocks, shape {want.shape}")
        if g is not None and g.shape == (batch, ins):
            what = f"sums over the {outs} outputs" if outs > 1 else "drops the outputs axis"
            return (f"shape {g.shape} = (batch, ins): tape.gradient(Y, X) {what}; "
                    f"tape.batch_jacobian(Y, X) keeps one row per output, shape {want.shape}")
        return _compare(value, want)


# --- 7. jacobian_shape --------------------------------------------------------------------
def _ints(got: Plain) -> tuple | None:
    """A described shape (list of ints, or of int scalars) as a tuple of ints, else None."""
    if not isinstance(got, list):
        a = as_array(got)
        if a is None or a.ndim != 1 or not np.all(a == np.round(a)):
            return None
        return tuple(int(v) for v in a)
    out = []
    for v in got:
        a = as_array(v)
        if a is None or a.size != 1 or float(a.reshape(-1)[0]) != round(float(a.reshape(-1)[0])):
            return None
        out.append(int(a.reshape(-1)[0]))
    return tuple(out)


def _shape_text(shape: tuple) -> str:
    return repr(tuple(shape))


class JacobianShape(Question):
    """jacobian_shape(target_shape, source_shape, batch) -> the shape jacobian/batch_jacobian returns."""

    name, unit = "jacobian_shape", UNIT
    summary = "the shape rule of tape.jacobian and tape.batch_jacobian, and when batch_jacobian refuses"

    def public(self):
        return [self.case((2,), (3,), False),          # y = W x, wrt x
                self.case((2,), (2, 3), False),        # y = W x, wrt W
                self.case((4, 2), (4, 3), False),      # Y = X W, full Jacobian wrt X
                self.case((4, 2), (4, 3), True),       # batch_jacobian(Y, X)
                self.case((4, 2), (3, 2), False),      # jacobian(Y, W)
                self.case((4, 2), (3, 2), True),       # batch_jacobian(Y, W): ValueError
                self.case((), (3,), False)]            # a scalar target: the gradient's shape

    def hidden(self, rng):
        kinds = ["full", "full", "full", "batch", "batch", "batch", "mismatch"]
        kinds += [str(rng.choice(["full", "batch", "mismatch"])) for _ in range(max(1, self.n_hidden - 7))]
        cases = []
        for kind in rng.permutation(kinds)[: self.n_hidden]:
            if kind == "full":
                t = tuple(int(d) for d in rng.integers(1, 7, size=int(rng.integers(0, 4))))
                s = tuple(int(d) for d in rng.integers(1, 7, size=int(rng.integers(1 if not t else 0, 4))))
                cases.append(self.case(t, s, False))
            else:
                b = int(rng.integers(2, 9))
                t = (b,) + tuple(int(d) for d in rng.integers(1, 7, size=int(rng.integers(1, 3))))
                s = (b,) + tuple(int(d) for d in rng.integers(1, 7, size=int(rng.integers(1, 3))))
                if kind == "mismatch":
                    s = (int(rng.choice([d for d in range(1, 9) if d != b])),) + s[1:]
                cases.append(self.case(t, s, True))
        return cases

    def case(self, target, source, batch):
        return super().case(target, source, batch,
                            label=f"jacobian_shape({_shape_text(target)}, {_shape_text(source)}, "
                                  f"batch={batch})")

    def expected(self, target, source, batch):
        if not batch:
            return list(target) + list(source)
        if target[0] != source[0]:
            return {"raises": "ValueError"}
        return list(target) + list(source[1:])

    def judge(self, got, want, target, source, batch):
        call = "tape.batch_jacobian" if batch else "tape.jacobian"
        if isinstance(want, dict):
            if is_error(got) and got["type"] == "ValueError":
                return None
            if is_error(got):
                return f"raised {got['type']}, expected ValueError ({got['message']})"
            shown = _ints(got)
            return (f"returned {shown if shown is not None else show(got)}, but tape.batch_jacobian "
                    "raises ValueError here: the first "
                    f"(batch) dimensions differ ({target[0]} and {source[0]}); raise ValueError")
        if is_error(got):
            return error_cause(got)
        shape = _ints(got)
        if shape is None:
            return f"returned {show(got)}; return the shape as a tuple of ints, like {tuple(want)}"
        want = tuple(want)
        if shape == want:
            return None
        hints = []
        if batch:
            if shape == tuple(target) + tuple(source):
                hints.append("that is the full tape.jacobian's shape; batch_jacobian keeps the batch axis "
                             "once: target + source[1:]")
            elif shape == tuple(target[1:]) + tuple(source[1:]) + (target[0],):
                hints.append("the batch axis comes first, not last: (batch, outs, ins)")
            elif shape == (target[0],) + tuple(source[1:]) + tuple(target[1:]):
                hints.append("the target's axes come before the source's: target + source[1:]")
        else:
            if shape == tuple(source) + tuple(target):
                hints.append("the target's axes come first: target + source")
            elif target and shape == tuple(target) + tuple(source[1:]):
                hints.append("that is batch_jacobian's rule; tape.jacobian keeps every axis: target + source")
        extra = f": {hints[0]}" if hints else f" ({call}'s shape is target + source" + \
            ("[1:])" if batch else ")")
        return f"returned {shape}, expected {want}{extra}"
