"""Unit 06, Hessians by nested tapes: the graded questions.

The functions handed to students are drawn from two random families described as plain data:
scalar functions of one number (a list of terms such as ``{"kind": "sin", "c": 2, "w": 1.5,
"phi": 0.3}``) and scalar functions of a vector x of shape (n,) (terms ½xᵀAx, ½Σdᵢxᵢ², b·x,
monomials, c·logsumexp(x), c·sin(w·x + φ), c·exp(w·x)). For second_derivative, hessian,
newton_step and taylor2 they are served as oracles (`student_args`), so the grader logs every
evaluation. hvp's f is built in the student's step from the terms, because forward mode
(allowed there) cannot see through an oracle; its call count comes from the student's process.
Every step also watches the student's tapes (which tapes were recording at each `gradient`
call, `jacobian` calls; for `hvp`'s n = 10,000 case jacobian is switched off and the call is
timed). `expected` evaluates values, gradients, Hessians and Hessian-vector products in closed
form in float64 NumPy, never through TensorFlow.
"""

from __future__ import annotations

import math

import numpy as np

from ..student.compare import close, error_cause
from ..families import join as _join, scaled as _scaled
from ..families import scalar_text as _s_text
from ..student.oracles import Oracle
from ..question import Question
from ..families import vector_grad, vector_hess, vector_hvp, vector_value
from ..student.families import vector_tf
from ..student.families import scalar_tf as _s_tf
from ..student.values import Plain, as_array, coef_text, describe, is_error, number_text, show, tensor_text, value_text

UNIT = "06_hessians"
ATOL, RTOL = 1e-4, 1e-4  # the work is float64, but float32 work is not what these questions test
TAYLOR_ATOL, TAYLOR_RTOL = (
    1e-7,
    1e-8,
)  # taylor2 must stay in float64: its test measures errors ~1e-4
BIG_N, BUDGET_S = 10_000, 10.0  # hvp's large case: the full Hessian takes ~34 s and 6.3 GB there
MAX_GRADIENT_CALLS = 8  # in the large case: more means H is being built row by row


# --- scalar family: f(x) = sum of terms of one number ------------------------------------
def _s_derivs(terms: list[dict], x: float) -> tuple[float, float, float]:
    """(f, f', f'') at x in float64."""
    x = float(x)
    f = d1 = d2 = 0.0
    for t in terms:
        k, c = t["kind"], t["c"]
        if k == "pow":
            p = t["p"]
            f += c * x**p
            d1 += c * p * x ** (p - 1)
            d2 += c * p * (p - 1) * x ** (p - 2) if p >= 2 else 0.0
        elif k == "sin":
            u = t["w"] * x + t["phi"]
            f += c * math.sin(u)
            d1 += c * t["w"] * math.cos(u)
            d2 -= c * t["w"] ** 2 * math.sin(u)
        elif k == "exp":
            e = math.exp(t["r"] * x)
            f += c * e
            d1 += c * t["r"] * e
            d2 += c * t["r"] ** 2 * e
        elif k == "tanh":
            th = math.tanh(t["w"] * x)
            f += c * th
            d1 += c * t["w"] * (1 - th**2)
            d2 -= 2 * c * t["w"] ** 2 * th * (1 - th**2)
        elif k == "const":
            f += c
    return f, d1, d2


def _s_random(rng: np.random.Generator) -> list[dict]:
    """Two or three terms; for |x| <= 2 values and second derivatives stay O(1-100)."""
    kinds = rng.choice(
        ["pow", "pow", "sin", "exp", "tanh"], size=int(rng.integers(2, 4)), replace=False
    )
    powers = iter(rng.choice([2, 3, 4], size=2, replace=False))
    terms = []
    for k in kinds:
        c = float(np.round(rng.uniform(0.5, 2.5) * rng.choice([-1, 1]), 2))
        if k == "pow":
            terms.append({"kind": "pow", "c": c, "p": int(next(powers))})
        elif k == "sin":
            terms.append(
                {
                    "kind": "sin",
                    "c": c,
                    "w": float(np.round(rng.uniform(0.5, 2.5), 2)),
                    "phi": float(np.round(rng.uniform(-1, 1), 2)),
                }
            )
        elif k == "exp":
            terms.append(
                {
                    "kind": "exp",
                    "c": c,
                    "r": float(np.round(rng.uniform(0.3, 1.0) * rng.choice([-1, 1]), 2)),
                }
            )
        else:
            terms.append({"kind": "tanh", "c": c, "w": float(np.round(rng.uniform(0.5, 2.0), 2))})
    return terms


def _v_text(terms: list[dict], n: int) -> str:
    short = n <= 3

    def combo(w):
        if not short:
            return "w·x"
        return _join([_scaled(wi, f"x[{i}]") for i, wi in enumerate(w) if wi])

    parts = []
    for t in terms:
        k = t["kind"]
        if k == "quad":
            parts.append("½ xᵀAx")
        elif k == "diag":
            parts.append("½ Σ dᵢxᵢ²")
        elif k == "lin":
            parts.append(combo(t["b"]) if short else "b·x")
        elif k == "mono":
            body = "*".join(
                f"x[{i}]" if p == 1 else f"x[{i}]**{p}" for i, p in enumerate(t["p"]) if p
            )
            parts.append(_scaled(t["c"], body))
        elif k == "lse":
            parts.append(_scaled(t["c"], "logsumexp(x)"))
        elif k == "sin":
            inner = combo(t["w"]) + (f" + {coef_text(t['phi'])}" if t["phi"] else "")
            parts.append(_scaled(t["c"], f"sin({inner})".replace("+ -", "- ")))
        elif k == "exp":
            parts.append(_scaled(t["c"], f"exp({combo(t['w'])})"))
        elif k == "const":
            parts.append(coef_text(t["c"]))
    return _join(parts)


def _draw_coef(rng: np.random.Generator, lo: float = 0.5, hi: float = 2.5) -> float:
    return float(np.round(rng.uniform(lo, hi) * rng.choice([-1, 1]), 2))


def _v_random(rng: np.random.Generator, n: int, *, mono: bool = True, sym: bool | None = None) -> list[dict]:
    """A random mix with a full quadratic (symmetric A if `sym`, else not; None: either);
    values O(1-50) for |x_i| <= 1.5."""
    terms: list[dict] = []
    a = rng.normal(size=(n, n))
    sym = rng.random() < 0.6 if sym is None else sym
    a = (a + a.T) / 2 if sym else a
    terms.append({"kind": "quad", "A": np.round(a, 2).tolist()})
    terms.append({"kind": "lin", "b": np.round(rng.uniform(-2, 2, size=n), 2).tolist()})
    extra = list(
        rng.choice(
            ["lse", "sin", "exp", "mono"] if mono else ["lse", "sin", "exp"],
            size=int(rng.integers(1, 3)),
            replace=False,
        )
    )
    for k in extra:
        if k == "lse":
            terms.append({"kind": "lse", "c": float(np.round(rng.uniform(0.5, 3.0), 2))})
        elif k == "mono":
            p = [0] * n
            for i in rng.choice(n, size=min(n, 2), replace=False):
                p[int(i)] = int(rng.integers(1, 3))
            terms.append({"kind": "mono", "c": _draw_coef(rng, 0.3, 1.5), "p": p})
        else:
            w = np.round(rng.uniform(0.5, 1.5, size=n) * rng.choice([-1, 1], size=n), 2)
            terms.append(
                {
                    "kind": k,
                    "c": _draw_coef(rng),
                    "w": w.tolist(),
                    "phi": float(np.round(rng.uniform(-1, 1), 2)) if k == "sin" else 0.0,
                }
            )
    return terms


def _mono(c: float, *p: int) -> dict:
    return {"kind": "mono", "c": c, "p": list(p)}


# The lecture's functions, of x = (x[0], x[1], ...) where the lecture writes (x, y):
SEED_F = [_mono(1, 2, 0), _mono(2, 0, 2), {"kind": "const", "c": 1}]  # seed 001: x² + 2y² + 1
MIXED_G = SEED_F[:2] + [_mono(3, 1, 1), {"kind": "const", "c": 1}]  # g: x² + 2y² + 3xy + 1
LECTURE_H = [_mono(1, 2, 1), _mono(1, 0, 3)]  # h: x²y + y³
# f_test: logsumexp(x) + Σ sin(xᵢ), n = 3
F_TEST = [{"kind": "lse", "c": 1}] + [
    {"kind": "sin", "c": 1, "w": [float(i == j) for j in range(3)], "phi": 0.0} for i in range(3)
]
A2, B2 = [[3.0, 1.0], [1.0, 1.0]], [1.0, -1.0]
F_QUAD = [{"kind": "quad", "A": A2}, {"kind": "lin", "b": [-b for b in B2]}]  # ½xᵀA2x − b2·x


# --- what the step is told in hvp's large case (student/u06_hessians.py) -------------------
NO_JACOBIAN = (
    "tape.jacobian and tape.batch_jacobian are switched off for this check: at "
    "n = 10,000 the full Hessian takes about 34 s and 6.3 GB"
)
TOO_MANY_GRADIENTS = (
    f"more than {MAX_GRADIENT_CALLS} tape.gradient calls for one product: the check stopped them"
)


# --- judging helpers -----------------------------------------------------------------------
def _shown(value: Plain) -> str:
    """A returned value as the lecture prints values: [[2.0, 3.0], [3.0, 4.0]], 18.0, None."""
    a = as_array(value)
    if a is None:
        return show(value)
    text = value_text(a)
    dtype = value.get("dtype") if isinstance(value, dict) else None
    kind = value.get("kind") if isinstance(value, dict) else None
    return f"{text} ({kind}, {dtype})" if kind in ("Tensor", "Variable", "ndarray") and dtype else text


def _compare(value: Plain, want: np.ndarray, hints: list = (), atol: float = ATOL,
             rtol: float = RTOL) -> str | None:
    """None if `value` agrees with `want`; else what came back against what was expected,
    with the first hint that recognises the returned values."""
    g, w = as_array(value), np.asarray(want, np.float64)
    if g is None or g.shape != w.shape or not np.all(np.isfinite(g)):
        return close(value, describe(w), atol=atol, rtol=rtol)  # shapes, None, non-numbers
    if np.allclose(g, w, atol=atol, rtol=rtol):
        return None
    for hint in hints:
        message = hint(g, w)
        if message:
            return f"returned {value_text(g)}, expected {value_text(w)}: {message}"
    err = float(np.max(np.abs(g - w)))
    return (f"returned {value_text(g)}, expected {value_text(w)} (largest difference "
            f"{number_text(err, 2)}): compare your steps with the lecture's on this case")


def _raised(got: Plain) -> str:
    return f"raised {got['type']}: {got['message']}" if got["message"] else f"raised {got['type']}"


def _int_arg(calls: list[dict]) -> str | None:
    return next(
        (a["dtype"] for c in calls for a in c["args"] if a["dtype"].startswith(("int", "uint"))),
        None,
    )


def _none_cause(calls: list[dict], tapes: dict, source: str = "x") -> str:
    """Why a second-order result is None (or made of None), from f's calls and the tapes' log."""
    ints = _int_arg(calls)
    if ints:
        return (
            f"f received {ints} values, and a tape gives None for ints (tf.constant(3) is int32): "
            f"make {source} a float tensor first"
        )
    kinds = {a["kind"] for c in calls for a in c["args"]}
    if kinds & {"float", "int", "ndarray"}:
        return (
            f"f received a Python number or NumPy array, which no tape can watch: make {source} "
            "a tensor and watch it in both tapes"
        )
    if calls and calls[0]["taped"] is False:
        return "f was called outside the tapes' `with` blocks, so nothing was recorded"
    if tapes["tapes"] < 2:
        return (
            "one tape gives first derivatives only: an outer tape must record the inner "
            "tape's gradient call, and then differentiate its result"
        )
    if tapes["gradients"] and tapes["gradients"][0] == 0:
        return (
            "the inner tape.gradient call ran after the outer tape's `with` block had closed, so "
            "the outer tape never recorded the first derivatives: make that call inside the "
            "outer block (after the inner one)"
        )
    return (
        f"the outer tape recorded no path from its target to {source}. Either the outer tape "
        f"did not watch {source} (a tensor, unlike a tf.Variable, must be watched by both "
        f"tapes: outer.watch({source}) and inner.watch({source})), or the target was computed "
        "after the outer tape's `with` block (it must record the inner gradient call and "
        "anything taken from its result, such as grad[i])"
    )


def _error_problem(got: Plain, calls: list[dict], tapes: dict, source: str = "x") -> str:
    """The student's exception, after a sentence saying what it most likely means."""
    msg = f"{got['type']}: {got['message']}"
    if ("'NoneType' object has no attribute" in msg or "received None" in msg
            or "a value (None)" in msg or "None values not supported" in msg):
        return (f"a first derivative was None and your code then failed ({_raised(got)}): "
                f"{_none_cause(calls, tapes, source)}")
    ints = _int_arg(calls)
    if ints:
        return (f"f received {ints} values (tf.constant of a Python int is int32) and your code "
                f"then failed ({_raised(got)}): make {source} a float tensor first")
    return f"your function stopped with an error: {error_cause(got)}"


def _calls_problem(calls: list[dict], got: Plain, advice: str) -> str | None:
    if not calls:
        return (
            f"returned {_shown(got)} without calling f: the answer has to come from f, recorded "
            "by two nested tapes"
        )
    if len(calls) > 1:
        return f"called f {len(calls)} times: {advice}"
    return None


FORWARD_MODE = (
    "tf.autodiff.ForwardAccumulator was used, and forward mode cannot see through this check's "
    "black box f (its JVPs come out as 0 or None): take second derivatives with two nested "
    "GradientTapes (outer.jacobian(g, x), or outer.gradient(g, x, output_gradients=dx) for H·dx)"
)


class _ServedF(Question):
    """A question whose f is an oracle: a failure after a forward-mode pass names that first.

    (The tape log comes from the student's process: it only changes the message.)
    """

    def judge(self, got, want, *args):
        problem = self.check(got, want, *args)
        tapes = got.get("tapes") if isinstance(got, dict) else None
        tapes = tapes if isinstance(tapes, list) else [tapes]
        if problem and any(isinstance(t, dict) and t.get("accumulators") for t in tapes):
            return f"{FORWARD_MODE} ({problem})"
        return problem

    def check(self, got: Plain, want: Plain, *args) -> str | None:
        raise NotImplementedError


ONE_EVALUATION = (
    "one evaluation of f under two nested tapes gives every first and second "
    "derivative (finite differences need several)"
)


# --- 1. second_derivative ------------------------------------------------------------------
class SecondDerivative(_ServedF):
    """second_derivative(f, x) -> f''(x) for a black-box scalar f, from one evaluation of f."""

    name, unit = "second_derivative", UNIT
    summary = "the second derivative of a black-box f of one number, by two nested tapes"

    def public(self):
        return [
            # the lecture: x**3 at 3 gives 18
            self.case([{"kind": "pow", "c": 1, "p": 3}], 3.0),
            # seed 001's x**2 + 2y**2 + 1 along x (y = 4) gives 2, along y (x = 3) gives 4
            self.case([{"kind": "pow", "c": 1, "p": 2}, {"kind": "const", "c": 33}], 3.0),
            self.case([{"kind": "pow", "c": 2, "p": 2}, {"kind": "const", "c": 10}], 4.0),
        ]

    n_hidden = 6

    def hidden(self, rng):
        """Every stream: two Python ints (an int x made tf.constant is int32: None), floats of
        both signs, and random f (so f'' is neither f' nor the lecture's 18)."""
        xs = [
            float(np.round(rng.uniform(0.2, 2.0), 3)),
            int(rng.integers(1, 3)),
            float(np.round(rng.uniform(-2.0, -0.2), 3)),
            int(rng.integers(-2, 1)),
            float(np.round(rng.uniform(-2.0, 2.0), 3)),
            float(np.round(rng.uniform(-2.0, 2.0), 3)),
        ]
        cases = []
        for x in xs[: self.n_hidden]:
            terms = _s_random(rng)
            d = _s_derivs(terms, x)
            while abs(d[2] - d[1]) < 0.05 or abs(d[2] - 18.0) < 0.05:
                terms = _s_random(rng)
                d = _s_derivs(terms, x)
            cases.append(self.case(terms, x))
        return cases

    def case(self, terms, x):
        return super().case(
            terms, x, label=f"second_derivative(f, {x!r}) with f(x) = {_s_text(terms)}"
        )

    def student_args(self, terms, x):
        return Oracle(_s_tf(terms)), x

    def expected(self, terms, x):
        return _s_derivs(terms, x)[2]

    def check(self, got, want, terms, x):
        value, calls, tapes = got["value"], got["calls"], got["tapes"]
        if is_error(value):
            return _error_problem(value, calls, tapes)
        problem = _calls_problem(calls, value, ONE_EVALUATION)
        if problem:
            return problem
        if value is None:
            return "returned None: " + _none_cause(calls, tapes)
        first = _s_derivs(terms, x)[1]

        def first_derivative(g, w):
            if np.allclose(g, first, atol=ATOL, rtol=RTOL):
                return (
                    "that is the first derivative f'(x): differentiate it once more, with an "
                    "outer tape recording the inner tape's gradient call"
                )
            return None

        def zero(g, w):
            if np.all(g == 0):
                return (
                    "0: "
                    + _none_cause(calls, tapes)
                    + " (unconnected_gradients='zero' hides the None)"
                )
            return None

        g = as_array(value)
        if g is None:
            return f"returned {_shown(value)}; return one number (a tensor of shape () or a float)"
        if g.size != 1:
            return f"returned {_shown(value)} of shape {tuple(g.shape)}; return one number"
        return _compare(float(g.reshape(-1)[0]), want, hints=[first_derivative, zero])


# --- 2. hessian -----------------------------------------------------------------------------
def _x_text(x: np.ndarray) -> str:
    """A float64 argument as the call that makes it: tf.constant([1.5, -0.25], tf.float64)."""
    return tensor_text(np.asarray(x, np.float64), "float64")


def _hess_hints(h: np.ndarray) -> list:
    def asymmetric(g, w):
        if (
            g.ndim == 2
            and g.shape[0] == g.shape[1]
            and not np.allclose(g, g.T, atol=ATOL, rtol=RTOL)
        ):
            return "it is not symmetric, and a Hessian always is (∂²f/∂xᵢ∂xⱼ = ∂²f/∂xⱼ∂xᵢ)"
        return None

    def diagonal(g, w):
        if np.allclose(g, np.diag(np.diag(h)), atol=ATOL, rtol=RTOL):
            return "only the diagonal is right: the mixed partials ∂²f/∂xᵢ∂xⱼ are missing"
        return None

    return [asymmetric, diagonal]


class Hessian(_ServedF):
    """hessian(f, x) -> the (n, n) Hessian of a black-box scalar f at x, from one evaluation."""

    name, unit = "hessian", UNIT
    summary = (
        "the full n×n Hessian of a black-box f at a float64 vector, as the Jacobian of the gradient"
    )

    def public(self):
        return [
            # the lecture's h: [[8, 6], [6, 24]]; seed 001: diagonal [2, 4]; g: [[2, 3], [3, 4]]
            self.case(LECTURE_H, np.array([3.0, 4.0]), text="x[0]**2*x[1] + x[1]**3"),
            self.case(SEED_F, np.array([3.0, 4.0])),
            self.case(MIXED_G, np.array([3.0, 4.0])),
            # the lecture's closed forms: a quadratic's A, log-sum-exp's diag(p) - p pᵀ
            self.case(
                [{"kind": "quad", "A": [[4.0, 1.0, 0.0], [1.0, 3.0, -1.0], [0.0, -1.0, 2.0]]}],
                np.array([1.0, -2.0, 0.5]),
                text="½ xᵀAx",
            ),
            self.case([{"kind": "lse", "c": 1}], np.array([1.0, 2.0, 0.5])),
        ]

    n_hidden = 6

    def hidden(self, rng):
        """Every stream: n = 2, 3, 4 and 5 (in a random order) and two more; half of the
        quadratics with a non-symmetric A (the Hessian is its symmetric part)."""
        sizes = [2, 3, 4, 5] + [int(k) for k in rng.integers(2, 6, size=2)]
        sizes = [sizes[i] for i in rng.permutation(4)] + sizes[4:]
        cases = []
        for i, n in enumerate(sizes[: self.n_hidden]):
            terms = _v_random(rng, n, sym=i % 2 == 0)
            cases.append(self.case(terms, np.round(rng.uniform(-1.5, 1.5, size=n), 3)))
        return cases

    def case(self, terms, x, text=None):
        return super().case(
            terms, x, label=f"hessian(f, {_x_text(x)}) with f(x) = {text or _v_text(terms, len(x))}"
        )

    def student_args(self, terms, x):
        return Oracle(vector_tf(terms), out=[]), x

    def expected(self, terms, x):
        return vector_hess(terms, x)

    def check(self, got, want, terms, x):
        value, calls, tapes = got["value"], got["calls"], got["tapes"]
        if is_error(value):
            return _error_problem(value, calls, tapes)
        problem = _calls_problem(calls, value, ONE_EVALUATION)
        if problem:
            return problem
        if value is None:
            return "returned None: " + _none_cause(calls, tapes)
        if isinstance(value, list) and any(v is None for v in value):
            return "some rows are None: " + _none_cause(calls, tapes)
        n = len(x)
        g = as_array(value)
        if g is None and isinstance(value, list) and value:
            rows = [as_array(v) for v in value]
            if all(r is not None and r.shape == (n,) for r in rows) and len(rows) == n:
                g = np.stack(rows)  # a list of rows is a matrix too
                value = describe(g)
        if g is not None and g.shape == (n,):
            if np.allclose(g, want.sum(axis=1), atol=ATOL, rtol=RTOL):
                return (
                    f"returned {_shown(value)}, the row sums H·1 of the Hessian, not H: "
                    "outer.gradient(grad, x) differentiates the *sum* of the gradient's entries "
                    "(a list or vector target is summed: the seed's [2, 4] trap); use "
                    "outer.jacobian(grad, x)"
                )
            if np.allclose(g, np.diag(want), atol=ATOL, rtol=RTOL):
                return f"returned the diagonal {_shown(value)} only; return the full (n, n) matrix"
            if np.allclose(g, vector_grad(terms, x), atol=ATOL, rtol=RTOL):
                return f"returned the gradient {_shown(value)}; the Hessian is the Jacobian of the gradient"
        if g is not None and np.all(g == 0) and np.any(np.abs(want) > ATOL):
            return (
                "returned zeros: "
                + _none_cause(calls, tapes)
                + " (unconnected_gradients='zero' hides the None)"
            )
        return _compare(value, want, hints=_hess_hints(want))


# --- 3. hvp ---------------------------------------------------------------------------------
class Hvp(Question):
    """hvp(f, x, v) -> H(x) v without forming H; n = 10,000 within 10 s, tape.jacobian switched off."""

    name, unit = "hvp", UNIT
    summary = "the Hessian-vector product Hv by nested tapes without forming H (n up to 10,000)"

    def public(self):
        return [
            # the lecture's H v: (-0.197154, 0.023871, 0.603155)
            self.case(
                F_TEST,
                np.array([0.5, -1.0, 2.0]),
                np.array([1.0, 0.0, -1.0]),
                text="logsumexp(x) + Σ sin(x[i])",
            ),
            # the lecture's g: first column [2, 3]; H·1 = [5, 7], what the summed list gave
            self.case(MIXED_G, np.array([3.0, 4.0]), np.array([1.0, 0.0])),
            self.case(MIXED_G, np.array([3.0, 4.0]), np.array([1.0, 1.0])),
        ]

    n_hidden = 6

    def hidden(self, rng):
        """Every stream: the n = 10,000 case first (the budget: no jacobian, at most 8 gradient
        calls, 10 s), then n = 2, 3, 4 and 6 (in a random order) and one more, each with a
        random v (so (H·1)·v and the gradient are never Hv)."""
        big = self._big(rng)
        sizes = [[2, 3, 4, 6][i] for i in rng.permutation(4)] + [int(rng.integers(2, 7))]
        cases = [big]
        for n in sizes[: self.n_hidden - 1]:
            terms = _v_random(rng, n)
            x = np.round(rng.uniform(-1.5, 1.5, size=n), 3)
            v = np.round(rng.normal(size=n), 3)
            while np.allclose(vector_hvp(terms, x, v), vector_hvp(terms, x, np.ones(n)) * v,
                              atol=10 * ATOL, rtol=10 * RTOL):
                v = np.round(rng.normal(size=n), 3)
            cases.append(self.case(terms, x, v))
        return cases

    def _big(self, rng):
        n = BIG_N
        terms = [
            {"kind": "diag", "d": np.round(rng.uniform(0.5, 2.0, size=n), 3)},
            {"kind": "lin", "b": np.round(rng.uniform(-1, 1, size=n), 3)},
            {"kind": "lse", "c": float(np.round(rng.uniform(0.5, 3.0), 2))},
            {
                "kind": "sin",
                "c": _draw_coef(rng),
                "w": rng.normal(size=n) / np.sqrt(n),
                "phi": float(np.round(rng.uniform(-1, 1), 2)),
            },
            {
                "kind": "exp",
                "c": _draw_coef(rng),
                "w": rng.uniform(-0.5, 0.5, size=n) / np.sqrt(n),
                "phi": 0.0,
            },
        ]
        return self.case(terms, rng.uniform(-1, 1, size=n), rng.normal(size=n), budget=BUDGET_S)

    def case(self, terms, x, v, text=None, budget=None):
        n = len(x)
        if budget:
            label = (
                f"hvp(f, x, v) with n = {n:,}, f(x) = {_v_text(terms, n)} "
                f"(tape.jacobian switched off, {budget:g} s budget)"
            )
        else:
            label = f"hvp(f, {_x_text(x)}, {_x_text(v)}) with f(x) = {text or _v_text(terms, n)}"
        return super().case(terms, x, v, budget, label=label)

    def student_args(self, terms, x, v, budget):
        # f is built in the step from the terms (forward-over-back must work): no oracle here
        limits = {"no_jacobian": NO_JACOBIAN, "max_gradients": MAX_GRADIENT_CALLS,
                  "too_many": TOO_MANY_GRADIENTS} if budget else None
        return terms, x, v, limits

    def expected(self, terms, x, v, budget):
        return vector_hvp(terms, x, v)

    def judge(self, got, want, terms, x, v, budget):
        value, calls, tapes = got["value"], got["calls"], got["tapes"]
        n = len(x)
        if is_error(value):
            if NO_JACOBIAN[:40] in value["message"]:
                return (
                    "formed the full Hessian with tape.jacobian, which this n = 10,000 case switches "
                    "off (it takes ~34 s and 6.3 GB): Hv = ∇(∇f·v), so pass output_gradients=v to "
                    "the outer tape's gradient call, or push v forward with tf.autodiff.ForwardAccumulator"
                )
            if TOO_MANY_GRADIENTS[:40] in value["message"]:
                return (
                    f"called tape.gradient more than {MAX_GRADIENT_CALLS} times for one product: "
                    "building H row by row costs n backward passes; one outer gradient call with "
                    "output_gradients=v gives Hv"
                )
            return _error_problem(value, calls, tapes)
        problem = _calls_problem(calls, value, ONE_EVALUATION)
        if problem:
            return problem
        if value is None:
            return "returned None: " + _none_cause(calls, tapes)
        if budget and got["seconds"] > budget:
            return (
                f"took {got['seconds']:.1f} s for n = {n:,}, over the {budget:g} s budget: an HVP "
                "costs a few gradients; do not build H or loop over its rows"
            )
        g = as_array(value)
        if g is not None and g.shape == (n, n):
            return (
                f"returned a {n}×{n} matrix; return the vector Hv of shape ({n},), "
                "without forming H"
            )
        h1 = vector_hvp(terms, x, np.ones(n))

        def row_sums(g, w):
            if np.allclose(g, h1, atol=ATOL, rtol=RTOL):
                return (
                    "that is H·1, the row sums of H: without output_gradients=v, "
                    "outer.gradient(grad, x) differentiates the sum of the gradient's entries"
                )
            if np.allclose(g, h1 * v, atol=ATOL, rtol=RTOL):
                return (
                    "that is (H·1)·v element by element: multiplying afterwards comes too late, the "
                    "gradient target was already summed; pass output_gradients=v instead"
                )
            return None

        def gradient(g, w):
            if np.allclose(g, vector_grad(terms, x), atol=ATOL, rtol=RTOL):
                return "that is the gradient ∇f(x): differentiate ∇f·v once more"
            return None

        return _compare(value, want, hints=[row_sums, gradient])


# --- 4. newton_step -------------------------------------------------------------------------
def _spd(rng: np.random.Generator, n: int) -> np.ndarray:
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    lam = rng.uniform(0.5, 6.0, size=n)
    return np.round(q @ np.diag(lam) @ q.T, 2)


class NewtonStep(_ServedF):
    """newton_step(f, x) -> x − H⁻¹∇f(x), the Newton step (the minimiser, for an SPD quadratic)."""

    name, unit = "newton_step", UNIT
    summary = "one Newton step x − H⁻¹g from one evaluation of f (solving, not inverting)"

    def public(self):
        return [
            # the lecture: one step lands on (1, -2), from any start
            self.case(F_QUAD, np.array([-2.0, 1.5])),
            self.case(F_QUAD, np.array([5.0, 5.0])),
        ]

    n_hidden = 6

    def hidden(self, rng):
        """Every stream: n = 2, 3, 4 and 5 (in a random order) and two more; A symmetric positive
        definite with mixed terms, b and the start random (so no wrong step lands on A⁻¹b)."""
        sizes = [[2, 3, 4, 5][i] for i in rng.permutation(4)] + [int(k) for k in rng.integers(2, 6, size=2)]
        cases = []
        for n in sizes[: self.n_hidden]:
            a = _spd(rng, n)
            while np.linalg.eigvalsh((a + a.T) / 2).min() < 0.3:
                a = _spd(rng, n)
            b = np.round(rng.uniform(-3, 3, size=n), 2)
            terms = [
                {"kind": "quad", "A": a.tolist()},
                {"kind": "lin", "b": (-b).tolist()},
                {"kind": "const", "c": float(np.round(rng.uniform(-2, 2), 2))},
            ]
            cases.append(self.case(terms, np.round(rng.uniform(-2, 2, size=n), 3)))
        return cases

    def case(self, terms, x):
        n = len(x)
        text = "½ xᵀAx - b·x" + (" + c" if any(t["kind"] == "const" for t in terms) else "")
        if terms is F_QUAD:
            text = "½ xᵀAx - b·x with A = [[3, 1], [1, 1]], b = [1, -1]"
        else:
            text += f" (A {n}×{n} symmetric positive definite)"
        return super().case(terms, x, label=f"newton_step(f, {_x_text(x)}) with f(x) = {text}")

    def student_args(self, terms, x):
        return Oracle(vector_tf(terms), out=[]), x

    def expected(self, terms, x):
        a = np.asarray(terms[0]["A"], np.float64)
        b = -np.asarray(terms[1]["b"], np.float64)
        return np.linalg.solve((a + a.T) / 2, b)

    def check(self, got, want, terms, x):
        value, calls, tapes = got["value"], got["calls"], got["tapes"]
        n = len(x)
        if is_error(value):
            return _error_problem(value, calls, tapes)
        problem = _calls_problem(calls, value, ONE_EVALUATION)
        if problem:
            return problem
        if value is None:
            return "returned None: " + _none_cause(calls, tapes)
        g_ = as_array(value)
        if (
            g_ is not None
            and g_.shape == (n, 1)
            and np.allclose(g_[:, 0], want, atol=ATOL, rtol=RTOL)
        ):
            return (
                "returned shape (n, 1); tf.linalg.solve(H, g[:, None]) gives a column: take "
                "[:, 0] to return shape (n,)"
            )
        x = np.asarray(x, np.float64)
        grad, h = vector_grad(terms, x), vector_hess(terms, x)
        step = np.linalg.solve(h, grad)
        if g_ is not None and g_.shape == (n, n) and np.allclose(
            g_, x[None, :] - step[:, None], atol=ATOL, rtol=RTOL
        ):
            return (
                f"returned a {n}×{n} matrix: x of shape ({n},) minus the ({n}, 1) column of "
                "tf.linalg.solve(H, g[:, None]) broadcasts to (n, n); take the column's [:, 0] "
                "before subtracting"
            )

        def known(g, w):
            if g.shape != w.shape:
                return None
            if np.allclose(g, x + step, atol=ATOL, rtol=RTOL):
                return "that is x + H⁻¹g, a step uphill: the Newton step is x − H⁻¹g"
            if np.allclose(g, step, atol=ATOL, rtol=RTOL) or np.allclose(
                g, -step, atol=ATOL, rtol=RTOL
            ):
                return "that is the step H⁻¹g itself; return the new point x − H⁻¹g"
            if np.allclose(g, x - h @ grad, atol=ATOL, rtol=RTOL):
                return (
                    "that is x − H·g: solve H d = g (tf.linalg.solve) instead of multiplying by H"
                )
            if np.allclose(g, x - grad / np.diag(h), atol=ATOL, rtol=RTOL):
                return "that divides g by the diagonal of H only: the mixed partials matter, solve H d = g"
            d = g - x
            if (
                np.linalg.norm(d) > 0
                and abs(abs(d @ grad) / (np.linalg.norm(d) * np.linalg.norm(grad)) - 1) < 1e-6
            ):
                direction = "−g" if d @ grad < 0 else "+g"
                return (
                    f"moved along {direction}, the gradient direction: that is a gradient-descent step; "
                    "the Newton step corrects the direction with the curvature: x − H⁻¹g"
                )
            return None

        return _compare(value, want, hints=[known])


# --- 5. taylor2 ----------------------------------------------------------------------------
def _models(terms: list[dict], x: np.ndarray, dx: np.ndarray) -> dict:
    """The true f(x + dx), the right model and the models of known mistakes, in float64."""
    x, dx = np.asarray(x, np.float64), np.asarray(dx, np.float64)
    f0, g, h = vector_value(terms, x), vector_grad(terms, x), vector_hess(terms, x)
    gdx, q = g @ dx, 0.5 * dx @ h @ dx
    return {
        "f": vector_value(terms, x + dx),
        "model": f0 + gdx + q,
        "no_f0": gdx + q,
        "no_half": f0 + gdx + 2 * q,
        "first_order": f0 + gdx,
        "minus_g": f0 - gdx + q,
        "diagonal": f0 + gdx + 0.5 * dx @ (np.diag(h) * dx),
        "row_sums": f0 + gdx + 0.5 * (h.sum(axis=1) * dx) @ dx,
        "f0": f0,
    }


# What each known mistake returns, and what the student should change (named only on a match)
TAYLOR_MISTAKES = {
    "f": "that is f(x + dx) itself, not the model: return f(x) + g·dx + ½ dxᵀH dx, with f "
         "evaluated at x only",
    "no_f0": "that is g·dx + ½ dxᵀH dx without the constant term f(x): add y = f(x), the value "
             "the inner tape recorded",
    "no_half": "the second-order term lacks its ½: it is ½ dxᵀH dx",
    "first_order": "that is f(x) + g·dx alone: the second-order term ½ dxᵀH dx is missing",
    "minus_g": "the first-order term has the wrong sign: the model adds g·dx "
               "(f(x) + g·dx + ½ dxᵀH dx)",
    "diagonal": "only H's diagonal was used: the mixed partials matter (½ dxᵀH dx with the full H)",
    "row_sums": "H dx was taken as (H·1)·dx: outer.gradient(g, x) differentiates the sum of g's "
                "entries; pass output_gradients=dx (or use the full H from outer.jacobian)",
    "f0": "that is f(x) alone: add g·dx + ½ dxᵀH dx",
}


def _order_text(slope: float) -> str:
    """What the Taylor test's shrink factor shows about the model's terms (the lecture's test)."""
    if slope < 0.5:
        return ("the error does not shrink when dx is halved, so the model is off even as dx → 0: "
                "its value at dx = 0 must be f(x)")
    if slope < 1.5:
        return ("the error only halves with dx, like |dx|: the constant term is right, the "
                "first-order term g·dx is not")
    if slope < 2.5:
        return ("the error shrinks about 4 times, like |dx|²: f(x) and g·dx are right, the "
                "second-order term ½ dxᵀH dx is not")
    return ""


class Taylor2(Question):
    """taylor2(f, x, dx) -> f(x) + ∇f(x)·dx + ½ dxᵀH(x)dx, the second-order Taylor model."""

    name, unit = "taylor2", UNIT
    summary = "the second-order Taylor model of a black-box f, checked by its O(|dx|³) error"
    n_hidden = 5  # two calls per case, and a student's tape.jacobian costs ~0.2 s a call

    def public(self):
        return [
            # the lecture's Taylor check: its f, point and direction (scaled by 0.1)
            self.case(
                F_TEST,
                np.array([0.5, -1.0, 2.0]),
                np.array([0.1, 0.2, -0.1]),
                text="logsumexp(x) + Σ sin(x[i])",
            ),
            # a quadratic's model is exact: the step to the minimiser gives f(1, -2) = -1.5
            self.case(
                F_QUAD,
                np.array([-2.0, 1.5]),
                np.array([3.0, -3.5]),
                text="½ xᵀAx - b·x with A = [[3, 1], [1, 1]], b = [1, -1]",
            ),
        ]

    def hidden(self, rng):
        """Every stream: n = 2, 3, 4 and 5 (in a random order) and one more. In every case each
        term of the model is well above the tolerance (so a missing f(x), a sign of g·dx, a
        missing ½, the diagonal of H or H·1 each change the result), the reference passes the
        Taylor test (error ratio near 8), and f has a constant offset of 5 to 40 (float32 work
        cannot stay within 1e-7 of it)."""
        sizes = [[2, 3, 4, 5][i] for i in rng.permutation(4)] + [int(rng.integers(2, 6))]
        cases = []
        for n in sizes[: self.n_hidden]:
            while True:
                terms = _v_random(rng, n, mono=False)
                terms.append({"kind": "const",
                              "c": float(np.round(rng.uniform(5, 40) * rng.choice([-1, 1]), 3))})
                x = np.round(rng.uniform(-1.5, 1.5, size=n), 3)
                u = rng.normal(size=n)
                dx = np.round(u / np.linalg.norm(u) * rng.uniform(0.2, 0.5), 3)
                full, half = _models(terms, x, dx), _models(terms, x, dx / 2)
                e1, e2 = abs(full["f"] - full["model"]), abs(half["f"] - half["model"])
                apart = min(abs(m[k] - m["model"]) for m in (full, half) for k in TAYLOR_MISTAKES
                            if k != "f")
                if (e2 > 2e-4 and 2.6 < math.log2(e1 / e2) < 3.4 and abs(full["model"]) < 100
                        and apart > 1e-4):
                    break
            cases.append(self.case(terms, x, dx))
        return cases

    def case(self, terms, x, dx, text=None):
        return super().case(
            terms,
            x,
            dx,
            label=f"taylor2(f, {_x_text(x)}, {_x_text(dx)}) with "
            f"f(x) = {text or _v_text(terms, len(x))}",
        )

    # f is built in the step from the terms, as in hvp: H·dx by forward-over-back must work

    def expected(self, terms, x, dx):
        return np.array([_models(terms, x, np.asarray(dx) * t)["model"] for t in (1.0, 0.5)])

    def judge(self, got, want, terms, x, dx):
        values, calls, tapes = got["values"], [got["calls_dx"], got["calls_half"]], got["tapes"]
        scalars = []
        for value, c, tp in zip(values, calls, tapes):
            if is_error(value):
                return _error_problem(value, c, tp)
            problem = _calls_problem(
                c,
                value,
                "f(x), its gradient and its Hessian all come from one "
                "evaluation of f at x under two nested tapes (do not evaluate f at x + dx)",
            )
            if problem:
                return problem
            if value is None:
                return "returned None: " + _none_cause(c, tp)
            a = as_array(value)
            if a is None:
                return f"returned {_shown(value)}; return one number"
            if a.size != 1:
                return (
                    f"returned shape {tuple(a.shape)}, expected one number: g·dx and dxᵀH dx are "
                    "sums (tf.tensordot(g, dx, 1), or tf.reduce_sum)"
                )
            scalars.append(float(a.reshape(-1)[0]))
        got_m = np.asarray(scalars)
        dx = np.asarray(dx, np.float64)
        models = [_models(terms, x, dx * t) for t in (1.0, 0.5)]
        err = [abs(m["f"] - s) for m, s in zip(models, got_m)]
        ref_err = [abs(m["f"] - m["model"]) for m in models]
        slope = math.log2(err[0] / err[1]) if err[1] > 0 and err[0] > 0 else float("nan")

        def observed() -> str:
            return (f"returned {number_text(got_m[0], 10)} at dx and {number_text(got_m[1], 10)} at "
                    f"dx/2, expected {number_text(want[0], 10)} and {number_text(want[1], 10)}")

        if np.allclose(got_m, want, atol=TAYLOR_ATOL, rtol=TAYLOR_RTOL):
            # the lecture's test; within the tolerance above it passes, but it is the stated check
            if ref_err[0] > 1e-6 and not slope > 2.5:
                return (f"halving dx divides the error |f(x + dx) − taylor2| by "
                        f"{number_text(err[0] / err[1], 2)}, not by about 8: the model is not of "
                        "second order")
            return None
        # the nearest known mistake, if it is what was returned (to float32 precision)
        distance = {key: float(np.max(np.abs(got_m - c) / (1 + np.abs(c))))
                    for key in TAYLOR_MISTAKES for c in [np.array([m[key] for m in models])]}
        key = min(distance, key=distance.get)
        if distance[key] < 1e-6:
            return f"{observed()}: {TAYLOR_MISTAKES[key]}"
        if np.allclose(got_m, want, atol=ATOL, rtol=RTOL):
            low = sorted(
                {a["computed"] for cs in calls for c in cs for a in c["args"]} - {"float64", "none"}
                | {v["dtype"] for v in values
                   if isinstance(v, dict) and v.get("dtype") not in (None, "float64")}
            )
            where = (f"f computed in {', '.join(low)}" if low else
                     "precision was lost on the way (a cast, or NumPy float32)")
            return (f"{observed()}: right only to ~{number_text(np.max(np.abs(got_m - want)), 1)}, "
                    f"{where}; keep x, dx and the work in float64, since the Taylor test compares "
                    "errors of order 1e-4")
        ratio = (f"; halving dx divided the error |f(x + dx) − taylor2| by "
                 f"{number_text(err[0] / err[1], 2)} (about 8 for the right model)") \
            if np.isfinite(slope) else ""
        cause = _order_text(slope) if np.isfinite(slope) else ""
        return (f"{observed()}{ratio}" + (f": {cause}" if cause else
                ": check each term, f(x), g·dx and ½ dxᵀH dx, against the lecture's Taylor cell"))
