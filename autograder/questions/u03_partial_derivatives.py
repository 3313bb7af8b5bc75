"""Unit 03, Partial derivatives and gradient checking: the graded questions.

The functions handed to students are drawn from two random families described as plain data:
scalar functions of one variable (a list of terms such as ``{"kind": "sin", "c": 2, "w": 1.5,
"phi": 0.3}``, also applied element-wise), and the vector family of autograder/families.py
(monomials, a quadratic form, a linear term, sin/exp of a linear combination). Every black box
is an oracle (`student_args`): the grader evaluates it and logs each evaluation, which the judges
read from `got["calls"]`; `expected` evaluates the same terms in closed form in float64 NumPy.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import tensorflow as tf

from ..compare import close, error_cause
from ..families import fmt as _fmt, join as _join, num as _num, scaled as _scaled
from ..families import scalar_deriv as _s_deriv, scalar_text as _s_text
from ..families import vector_grad, vector_value
from ..oracles import Oracle
from ..question import Question
from ..student.families import scalar_tf as _s_tf, vector_tf
from ..student.values import Plain, as_array, is_error, show

UNIT = "03_partial_derivatives"
ATOL, RTOL = 1e-4, 1e-4  # float32 gradients of values O(1-100)


# --- scalar family: f(x) = sum of terms, also applied element-wise -----------------------
def _s_random(rng: np.random.Generator, n_terms: int) -> list[dict]:
    kinds = rng.choice(["pow", "pow", "sin", "exp", "tanh"], size=n_terms, replace=False)
    powers = iter(rng.choice([1, 2, 3], size=2, replace=False))
    terms = []
    for k in kinds:
        c = float(np.round(rng.uniform(0.5, 2.5) * rng.choice([-1, 1]), 2))
        if k == "pow":
            terms.append({"kind": "pow", "c": c, "p": int(next(powers))})
        elif k == "sin":
            terms.append({"kind": "sin", "c": c, "w": float(np.round(rng.uniform(0.5, 2.5), 2)),
                          "phi": float(np.round(rng.uniform(-1, 1), 2))})
        elif k == "exp":
            terms.append({"kind": "exp", "c": c, "r": float(np.round(rng.uniform(0.3, 1.0) * rng.choice([-1, 1]), 2))})
        else:
            terms.append({"kind": "tanh", "c": c, "w": float(np.round(rng.uniform(0.5, 2.0), 2))})
    return terms


def _pow(c: float, p: int) -> dict:
    return {"kind": "pow", "c": c, "p": p}


# --- vector family: f(v) = sum of terms of the components v[0..n-1] ----------------------
def _v_text(terms: list[dict], names: list[str]) -> str:
    def combo(w):
        return _join([_scaled(wi, n) for wi, n in zip(w, names) if wi]).replace("+ -", "- ")

    short = len(names) <= 3
    parts = []
    for t in terms:
        k = t["kind"]
        if k == "mono":
            body = "*".join(n if p == 1 else f"{n}**{p}" for n, p in zip(names, t["p"]) if p)
            parts.append(_scaled(t["c"], body))
        elif k == "quad":
            parts.append("½ vᵀAv")
        elif k == "lin":
            parts.append(combo(t["b"]) if short else "b·v")
        elif k in ("sin", "exp"):
            parts.append(_scaled(t["c"], f"{k}({combo(t['w']) if short else 'w·v'})"))
        elif k == "const":
            parts.append(_fmt(t["c"]))
    return _join(parts)


def _v_tf_scalars(terms: list[dict]) -> Callable:
    """f(x, y, ...) of scalar tensors, with Python-number coefficients (works in any dtype)."""

    def f(*xs):
        y = 0
        for t in terms:
            k = t["kind"]
            if k == "mono":
                term = _num(t["c"])
                for x, p in zip(xs, t["p"]):
                    if p:
                        term = term * (x if p == 1 else x ** p)
                y = y + term
            elif k in ("sin", "exp"):
                arg = 0
                for x, w in zip(xs, t["w"]):
                    if w:
                        arg = arg + _num(w) * x
                y = y + _num(t["c"]) * (tf.sin(arg) if k == "sin" else tf.exp(arg))
            elif k == "const":
                y = y + _num(t["c"])
        return y

    return f


def _mono(c: float, *p: int) -> dict:
    return {"kind": "mono", "c": c, "p": list(p)}


def _v_random(rng: np.random.Generator, n: int, *, quad: bool) -> list[dict]:
    """Random vector-family terms in n variables: values O(1-50) for |v_i| <= 2."""
    def coef(lo=0.5, hi=2.5):
        return float(np.round(rng.uniform(lo, hi) * rng.choice([-1, 1]), 2))

    terms = []
    if quad:
        m = rng.normal(size=(n, n))
        terms.append({"kind": "quad", "A": np.round((m + m.T) / 2, 2).tolist()})
        terms.append({"kind": "lin", "b": np.round(rng.uniform(-2, 2, size=n), 2).tolist()})
    monos: set[tuple] = set()
    n_monos = int(rng.integers(1, 3))
    while len(monos) < n_monos:
        p = [0] * n
        coords = rng.choice(n, size=int(rng.integers(1, 3)), replace=False)
        for i in coords:
            p[i] = int(rng.integers(2, 4)) if len(coords) == 1 else int(rng.integers(1, 3))
        if tuple(p) not in monos:
            monos.add(tuple(p))
            terms.append(_mono(coef(), *p))
    w = np.round(rng.uniform(0.5, 1.5, size=n) * rng.choice([-1, 1], size=n) / np.sqrt(n), 2)
    terms.append({"kind": "sin", "c": coef(), "w": w.tolist()})
    if not quad or rng.random() < 0.5:
        w = np.round(rng.uniform(-0.4, 0.4, size=n) / np.sqrt(n), 2)
        terms.append({"kind": "exp", "c": coef(), "w": w.tolist()})
    return terms


# --- what the grader saw of the black box: one log entry per evaluation (autograder.oracles) ---
def _none_cause(calls: list[dict], source: str = "x") -> str:
    """Why a tape most likely gave None, from what f received."""
    ints = [a["dtype"] for call in calls for a in call["args"] if a["dtype"].startswith(("int", "uint"))]
    if ints:
        return (f"f received {ints[0]} values: tf.constant(3) is int32 and a tape gives None for "
                f"ints; make {source} a float32 tensor (tf.constant({source}, tf.float32))")
    if calls and calls[0]["taped"] is False:
        return "f was called outside the `with tf.GradientTape() as tape:` block, so nothing was recorded"
    kinds = {a["kind"] for call in calls for a in call["args"]}
    if kinds & {"float", "int"}:
        return (f"f received a Python number, which a tape cannot watch; make {source} a float32 "
                "tensor and watch it")
    if "Tensor" in kinds:
        return (f"a tf.constant is not watched unless you call tape.watch({source}) "
                "(or make it a tf.Variable)")
    return "the tape recorded no path from the source to f's value"


def _calls_problem(calls: list[dict], got: Plain, advice: str, what: str = "f") -> str | None:
    """The process check of a black box that may be called once: not at all, or too often."""
    if not calls:
        return (f"returned {show(got)} without calling {what}: the answer has to come from {what}, "
                "recorded by a tape")
    if len(calls) > 1:
        return f"called {what} {len(calls)} times: {advice}"
    return None


def _raised(got: Plain) -> str:
    return f"raised {got['type']}: {got['message']}" if got["message"] else f"raised {got['type']}"


def _error_problem(got: Plain, calls: list[dict], source: str) -> str:
    """The student's exception, with what f received when that explains it."""
    for a in (a for call in calls for a in call["args"]):
        if a["dtype"].startswith(("int", "uint")):
            return (f"{_raised(got)}: f received {a['dtype']} values (tf.constant(3) is int32); make "
                    f"{source} a float32 tensor first (tf.constant({source}, tf.float32))")
        if a["kind"] in ("ndarray", "float", "int", "list"):
            what = "a NumPy array" if a["kind"] == "ndarray" else f"a Python {a['kind']}"
            return (f"{_raised(got)}: f received {what}, which a tape cannot watch; make {source} "
                    "a float32 tensor and watch it")
    return error_cause(got)


def _numbers(got: Plain) -> np.ndarray | None:
    """A described list of scalars (tensors or numbers) as a float64 vector, else as_array."""
    if isinstance(got, list):
        out = []
        for g in got:
            a = as_array(g)
            if a is None or a.size != 1:
                return None
            out.append(float(a.reshape(-1)[0]))
        return np.asarray(out)
    return as_array(got)


# --- 1. derivative ----------------------------------------------------------------------
class Derivative(Question):
    """derivative(f, x) -> df/dx at x, with one evaluation of the black-box f."""

    name, unit = "derivative", UNIT
    summary = "df/dx of a black-box scalar function at a Python number, evaluating f once"

    def public(self):
        return [self.case([_pow(1, 2)], 3.0),                       # seed 001: y = x**2 -> 6
                self.case([_pow(2, 1)], 3.0),                       # seed 004: 2x -> 2
                self.case([_pow(1, 2), {"kind": "const", "c": 2}], 3.0),   # x**2 + 2 -> 6
                self.case([_pow(1, 2), _pow(2, 1)], 3.0),           # x**2 + 2x -> 8
                self.case([_pow(1, 2)], 3)]                         # seed 001's tf.Variable(3)

    def hidden(self, rng):
        cases = []
        for i in range(self.n_hidden):
            terms = _s_random(rng, int(rng.integers(2, 4)))
            x = int(rng.integers(-2, 3)) if i % 4 == 3 else float(np.round(rng.uniform(-2, 2), 3))
            cases.append(self.case(terms, x))
        return cases

    def case(self, terms, x):
        return super().case(terms, x, label=f"derivative(f, {x!r}) with f(x) = {_s_text(terms)}")

    def student_args(self, terms, x):
        return Oracle(_s_tf(terms)), x

    def expected(self, terms, x):
        return float(_s_deriv(terms, x))

    def judge(self, got, want, terms, x):
        value, calls = got["value"], got["calls"]
        if is_error(value):
            return _error_problem(value, calls, "x")
        problem = _calls_problem(calls, value, "one evaluation is allowed; finite differences need "
                                 "two, a tape needs one (y = f(x) inside the tape, then tape.gradient(y, x))")
        if problem:
            return problem
        if value is None:
            return "returned None: " + _none_cause(calls)
        return close(value, want, atol=ATOL, rtol=RTOL)


# --- 2. partials ------------------------------------------------------------------------
class Partials(Question):
    """partials(f, x, y) -> (df/dx, df/dy) at (x, y), with one evaluation of f."""

    name, unit = "partials", UNIT
    summary = "both partial derivatives of a black-box f(x, y) from one evaluation and one tape"

    def public(self):
        return [self.case([_mono(1, 2, 0), _mono(2, 0, 2), {"kind": "const", "c": 1}], 3.0, 4.0),  # seed 001
                self.case([_mono(1, 2, 1), _mono(1, 1, 1)], 3, 2),                                   # seed 004
                self.case([_mono(3, 2, 0), _mono(2, 1, 1)], 5.0, 5.0)]                               # seed 002, z1

    def hidden(self, rng):
        cases = []
        for i in range(self.n_hidden):
            terms = _v_random(rng, 2, quad=False)
            x, y = np.round(rng.uniform(-2, 2, size=2), 3).tolist()
            if i % 4 == 3:
                x = int(rng.integers(-2, 3))
            cases.append(self.case(terms, x, y))
        return cases

    def case(self, terms, x, y):
        return super().case(terms, x, y,
                            label=f"partials(f, {x!r}, {y!r}) with f(x, y) = {_v_text(terms, ['x', 'y'])}")

    def student_args(self, terms, x, y):
        return Oracle(_v_tf_scalars(terms)), x, y

    def expected(self, terms, x, y):
        return vector_grad(terms, [x, y])

    def judge(self, got, want, terms, x, y):
        value, calls = got["value"], got["calls"]
        if is_error(value):
            return _error_problem(value, calls, "x")
        problem = _calls_problem(calls, value, "one evaluation is allowed; one tape gives both "
                                 "partials with tape.gradient(z, [x, y])")
        if problem:
            return problem
        if value is None:
            return "returned None: " + _none_cause(calls, "x and y")
        if isinstance(value, list) and len(value) == 2 and None in value:
            which = " and ".join(n for n, v in zip(["∂f/∂x", "∂f/∂y"], value) if v is None)
            return f"{which} is None: " + _none_cause(calls, "x and y")
        numbers = _numbers(value)
        if numbers is None or numbers.shape != (2,):
            return f"returned {show(value)}; return the pair (∂f/∂x, ∂f/∂y), like {show(list(want))}"
        return close(numbers.tolist(), want, atol=ATOL, rtol=RTOL)


# --- 3. grad_vector ---------------------------------------------------------------------
class GradVector(Question):
    """grad_vector(f, v) -> the gradient of scalar f at the vector v, as a float32 vector."""

    name, unit = "grad_vector", UNIT
    summary = "the gradient of a black-box f of a float32 vector, at a float64 NumPy point"

    def public(self):
        return [self.case([_mono(1, 2, 0), _mono(2, 0, 2), {"kind": "const", "c": 1}], np.array([3.0, 4.0])),
                self.case([{"kind": "lin", "b": [8.0, 6.0]}], np.array([1.0, 1.0]))]   # seed 000

    def hidden(self, rng):
        cases = []
        for _ in range(self.n_hidden):
            n = int(rng.integers(2, 7))
            cases.append(self.case(_v_random(rng, n, quad=True), np.round(rng.uniform(-2, 2, size=n), 3)))
        return cases

    def case(self, terms, v):
        names = [f"v[{i}]" for i in range(len(v))]
        return super().case(terms, v, label=f"grad_vector(f, np.array({v.tolist()})) with "
                                            f"f(v) = {_v_text(terms, names)}")

    def student_args(self, terms, v):
        return Oracle(vector_tf(terms, tf.float32), out=[]), v

    def expected(self, terms, v):
        return vector_grad(terms, v)

    def judge(self, got, want, terms, v):
        value, calls = got["value"], got["calls"]
        if is_error(value):
            if any(a["dtype"] == "float64" and a["kind"] != "ndarray" for c in calls for a in c["args"]):
                return (f"{_raised(value)}: f received a float64 tensor (a NumPy array is float64) "
                        "and f works in float32; convert with tf.constant(v, tf.float32)")
            return _error_problem(value, calls, "v")
        problem = _calls_problem(calls, value, "one call of f under one tape gives the whole "
                                 "gradient vector")
        if problem:
            return problem
        if value is None:
            return "returned None: " + _none_cause(calls, "v")
        if isinstance(value, list) and len(value) == 1:
            return (f"returned a list holding one gradient ({show(value)}): tape.gradient(y, [v]) "
                    "answers with a list; pass v itself as the source, or take element 0")
        return close(value, want, atol=ATOL, rtol=RTOL)


# --- 4. grad_tree -----------------------------------------------------------------------
TREE_KEYS = ["w", "b", "kernel", "bias", "gamma", "beta", "scale", "dense", "encoder", "head",
             "emb", "out"]


def _flatten(tree: Any) -> list:
    """The leaves of nested dicts (keys sorted, as tf.nest does) and lists, in order."""
    if isinstance(tree, dict):
        return [leaf for k in sorted(tree) for leaf in _flatten(tree[k])]
    if isinstance(tree, (list, tuple)):
        return [leaf for item in tree for leaf in _flatten(item)]
    return [tree]


def _unflatten(tree: Any, leaves: list) -> Any:
    it = iter(leaves)

    def build(t):
        if isinstance(t, dict):
            return {k: build(t[k]) for k in sorted(t)}
        if isinstance(t, (list, tuple)):
            return [build(item) for item in t]
        return next(it)

    return build(tree)


def _tree_text(tree: Any, values: bool) -> str:
    if isinstance(tree, dict):
        return "{" + ", ".join(f"{k!r}: {_tree_text(tree[k], values)}" for k in tree) + "}"
    if isinstance(tree, list):
        return "[" + ", ".join(_tree_text(item, values) for item in tree) + "]"
    a = np.asarray(tree)
    if values and a.ndim == 0:
        return f"tf.Variable({float(a)!r})"
    return f"Variable({'x'.join(map(str, a.shape))})"


def _random_tree(rng: np.random.Generator, depth: int = 0) -> Any:
    n = int(rng.integers(1, 4)) if depth else int(rng.integers(2, 4))
    as_dict = depth == 0 and rng.random() < 0.7 or depth > 0 and rng.random() < 0.5
    children = []
    for _ in range(n):
        if depth < 2 and rng.random() < 0.35:
            children.append(_random_tree(rng, depth + 1))
        else:
            shape = [(), (int(rng.integers(1, 4)),), (int(rng.integers(1, 4)), int(rng.integers(1, 4)))][
                int(rng.integers(0, 3))]
            children.append(np.asarray(np.round(rng.uniform(-1.5, 1.5, size=shape), 2)))
    if as_dict:
        keys = rng.choice(TREE_KEYS, size=n, replace=False)
        return {str(k): c for k, c in zip(keys, children)}
    return children


def _tree_loss_tf(coefs: dict) -> Callable:

    def loss_fn(*leaves):
        total, loss = 0.0, 0.0
        for p, a, b, c in zip(leaves, coefs["A"], coefs["B"], coefs["C"]):
            loss = loss + tf.reduce_sum(tf.constant(a, tf.float32) * tf.square(p)
                                        + tf.constant(b, tf.float32) * p
                                        + tf.constant(c, tf.float32) * tf.sin(p))
            total = total + tf.reduce_sum(p)
        return loss + coefs["c"] * tf.square(total)

    return loss_fn


def _tree_problem(got: Plain, want: Any, path: str) -> str | None:
    """The first difference between a described nested structure and the reference, with its path."""
    if isinstance(want, dict):
        items = got.get("items") if isinstance(got, dict) and got.get("kind") == "dict" else None
        if items is None:
            return f"{path or 'the result'} is {show(got)}, expected a dict with keys {sorted(want)}"
        if set(items) != set(want):
            return f"{path or 'the result'} has keys {sorted(items)}, expected {sorted(want)}"
        for k in want:
            problem = _tree_problem(items[k], want[k], f"{path}[{k!r}]")
            if problem:
                return problem
        return None
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return f"{path or 'the result'} is {show(got)}, expected a list of {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            problem = _tree_problem(g, w, f"{path}[{i}]")
            if problem:
                return problem
        return None
    problem = close(got, want, atol=ATOL, rtol=RTOL)
    return f"{path or 'the result'}: {problem}" if problem else None


def _leaves_of(got: Plain) -> list:
    if isinstance(got, dict) and got.get("kind") == "dict":
        return [leaf for k in sorted(got["items"]) for leaf in _leaves_of(got["items"][k])]
    if isinstance(got, list):
        return [leaf for item in got for leaf in _leaves_of(item)]
    return [got]


class GradTree(Question):
    """grad_tree(loss_fn, params) -> gradients of loss_fn(params), nested exactly like params."""

    name, unit = "grad_tree", UNIT
    summary = "gradients of a loss for nested dicts and lists of Variables, in the same structure"

    def public(self):
        return [
            self.case({"x": 3.0, "y": 4.0}, {"A": [1.0, 2.0], "B": [0.0, 0.0], "C": [0.0, 0.0], "c": 0.0},
                      text="p['x']**2 + 2*p['y']**2"),                          # seed 001
            self.case([1.0, 1.0], {"A": [0.0, 0.0], "B": [8.0, 6.0], "C": [0.0, 0.0], "c": 0.0},
                      text="8*p[0] + 6*p[1]"),                                  # seed 000
            self.case({"w1": 5.0, "w2": 5.0}, {"A": [2.0, -1.0], "B": [0.0, 0.0], "C": [0.0, 0.0], "c": 1.0},
                      text="3*p['w1']**2 + 2*p['w1']*p['w2']"),                 # seed 002, z1
            self.case({"layer": {"w": np.array([[1.0, 2.0], [3.0, 4.0]]), "b": np.array([0.5, -0.5])},
                       "scales": [2.0, -1.0]},
                      {"A": [np.zeros(2), np.ones((2, 2)), 1.0, 1.0], "B": [np.ones(2), np.zeros((2, 2)), 0.0, 0.0],
                       "C": [np.zeros(2), np.zeros((2, 2)), 0.0, 0.0], "c": 0.0},
                      text="Σ b + Σ w² + Σ scales²"),
        ]

    def hidden(self, rng):
        cases = []
        for _ in range(self.n_hidden):
            params = _random_tree(rng)
            while len(_flatten(params)) < 2:
                params = _random_tree(rng)
            leaves = [np.asarray(p) for p in _flatten(params)]
            coefs = {k: [np.round(rng.uniform(-2, 2, size=p.shape), 2) for p in leaves] for k in "ABC"}
            coefs["c"] = float(np.round(rng.uniform(-0.3, 0.3), 2))
            cases.append(self.case(params, coefs))
        return cases

    def case(self, params, coefs, text=None):
        label = f"grad_tree(loss_fn, {_tree_text(params, text is not None)})"
        label += f" with loss_fn(p) = {text}" if text else " with a random loss"
        return super().case(params, coefs, label=label)

    def student_args(self, params, coefs):
        return Oracle(_tree_loss_tf(coefs), name="loss_fn", out=[], tree=True), params

    def expected(self, params, coefs):
        leaves = [np.asarray(p, np.float64) for p in _flatten(params)]
        total = sum(float(p.sum()) for p in leaves)
        grads = [2 * np.asarray(a) * p + np.asarray(b) + np.asarray(c) * np.cos(p) + 2 * coefs["c"] * total
                 for p, a, b, c in zip(leaves, coefs["A"], coefs["B"], coefs["C"])]
        return _unflatten(params, grads)

    def judge(self, got, want, params, coefs):
        value, calls = got["value"], got["calls"]
        if is_error(value):
            return error_cause(value)
        problem = _calls_problem(calls, value, "one forward pass under one tape gives every "
                                 "gradient", what="loss_fn")
        if problem:
            return problem
        n_leaves = len(_flatten(params))
        leaves = _leaves_of(value)
        if value is None or leaves and all(leaf is None for leaf in leaves):
            cause = ("loss_fn was called outside the `with tf.GradientTape()` block, so nothing was "
                     "recorded" if calls[0]["taped"] is False else
                     "check that the loss is computed inside the tape, from the Variables in params")
            return f"every gradient is None: {cause}"
        nested = isinstance(want, dict) or any(isinstance(w, (dict, list)) for w in want)
        flat = isinstance(value, list) and all(not isinstance(v, list) and not (
            isinstance(v, dict) and v.get("kind") == "dict") for v in value)
        if nested and flat and len(value) == n_leaves:
            shape = f"a dict with keys {sorted(want)}" if isinstance(want, dict) else "nested lists and dicts"
            return (f"returned a flat list of {n_leaves} gradients, expected the structure of params "
                    f"({shape}): pass params itself as the sources; tape.gradient returns gradients "
                    "nested exactly like its sources")
        return _tree_problem(value, want, "")


# --- 5. elementwise_derivative -----------------------------------------------------------
class ElementwiseDerivative(Question):
    """elementwise_derivative(f, xs) -> f'(x) at every point of xs, from one call of f."""

    name, unit = "elementwise_derivative", UNIT
    summary = "the derivative of an element-wise f at every point of a vector, in one call"

    def public(self):
        return [self.case([_pow(1, 2)], np.array([1.0, 2.0, 3.0])),                    # seed 001: [2, 4, 6]
                self.case([_pow(2, 2), {"kind": "const", "c": 1}], np.array([4.0, 5.0, 6.0])),  # [16, 20, 24]
                self.case([{"kind": "sin", "c": 1, "w": 1, "phi": 0}], np.linspace(-3, 3, 7))]

    def hidden(self, rng):
        cases = []
        for i in range(self.n_hidden):
            n = int(rng.integers(5, 41))
            xs = (np.round(np.linspace(-2, 2, n), 3) if i % 2 else
                  np.round(np.sort(rng.uniform(-2, 2, size=n)), 3))
            cases.append(self.case(_s_random(rng, int(rng.integers(2, 4))), xs))
        return cases

    def case(self, terms, xs):
        with np.printoptions(precision=3, threshold=6, edgeitems=2):
            shown = np.array2string(xs, separator=", ").replace("\n", "")
        return super().case(terms, xs, label=f"elementwise_derivative(f, np.array({shown})) with "
                                             f"f(x) = {_s_text(terms)}")

    def student_args(self, terms, xs):
        return Oracle(_s_tf(terms)), xs

    def expected(self, terms, xs):
        return _s_deriv(terms, xs)

    def judge(self, got, want, terms, xs):
        value, calls = got["value"], got["calls"]
        n = len(xs)
        if is_error(value):
            return _error_problem(value, calls, "xs")
        problem = _calls_problem(calls, value, "one call on the whole vector is enough, because "
                                 "each f(x_i) depends only on x_i, so the gradient of the vector "
                                 "target (which a tape sums) is f'(x_i) at every point")
        if problem:
            return problem
        if value is None:
            return "returned None: " + _none_cause(calls, "xs")
        g = as_array(value)
        if g is not None and g.shape == (n, n) and np.allclose(np.diag(g), want, atol=ATOL, rtol=RTOL):
            return (f"returned the {n}x{n} Jacobian; its diagonal is the answer, and "
                    "tape.gradient(f(xs), xs) gives that diagonal directly (a vector target is summed)")

        def mean_target(g, w):
            if np.allclose(g * n, w, atol=ATOL, rtol=RTOL):
                return (f"every derivative is divided by {n}: a tf.reduce_mean target scales them by "
                        "1/n; use f(xs) itself (or its sum) as the target")
            return None

        return close(value, want, atol=ATOL, rtol=RTOL, hints=[mean_target])


# --- 6. numerical_gradient ---------------------------------------------------------------
def _shifted(x: np.ndarray, h: float) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The points x + h*e_i and x - h*e_i, as float64 arrays."""
    plus, minus = [], []
    for i in range(len(x)):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        plus.append(xp)
        minus.append(xm)
    return plus, minus


class NumericalGradient(Question):
    """numerical_gradient(f, x, h) -> centred finite differences of f at x, in float64."""

    name, unit = "numerical_gradient", UNIT
    summary = "the centred finite-difference gradient of a black-box f, in float64"

    def public(self):
        return [self.case([_mono(1, 2, 0), _mono(2, 0, 2), {"kind": "const", "c": 1}], np.array([3.0, 4.0]), 1e-3),
                self.case([_mono(1, 2, 1), _mono(1, 1, 1)], np.array([3.0, 2.0]), 1e-3)]   # seed 004

    def hidden(self, rng):
        cases = []
        for _ in range(self.n_hidden):
            n = int(rng.integers(2, 6))
            h = float(rng.choice([1e-2, 5e-3, 2e-3, 1e-3, 5e-4, 1e-4]))
            cases.append(self.case(_v_random(rng, n, quad=True), np.round(rng.uniform(-1.5, 1.5, size=n), 3), h))
        return cases

    def case(self, terms, x, h):
        names = [f"v[{i}]" for i in range(len(x))]
        return super().case(terms, x, h, label=f"numerical_gradient(f, np.array({x.tolist()}), {h!r}) "
                                               f"with f(v) = {_v_text(terms, names)}")

    def student_args(self, terms, x, h):
        return Oracle(vector_tf(terms), out=[]), x, h

    def expected(self, terms, x, h):
        plus, minus = _shifted(np.asarray(x, np.float64), h)
        return np.array([(vector_value(terms, p) - vector_value(terms, m)) / (2 * h) for p, m in zip(plus, minus)])

    def judge(self, got, want, terms, x, h):
        value, calls = got["value"], got["calls"]
        if is_error(value):
            return error_cause(value)
        if not calls:
            return (f"returned {show(value)} without evaluating f: a numerical gradient comes from "
                    "values of f at x ± h·e_i")
        low = sorted({a["computed"] for c in calls for a in c["args"] if a["computed"] != "float64"})
        if low:
            return (f"f was evaluated in {', '.join(low)}: its rounding errors (~1e-7·|f| in float32) "
                    f"are divided by 2h = {2 * h:g}; keep x ± h·e_i in float64 (x is a float64 NumPy "
                    "array; tf.constant of a Python list is float32)")
        seen = [a["value"] for c in calls for a in c["args"] if a["value"] is not None]
        x = np.asarray(x, np.float64)

        def visited(point):
            return any(s.shape == point.shape and np.allclose(s, point, rtol=0, atol=1e-12 * (1 + np.abs(point).max()))
                       for s in seen)

        plus, minus = _shifted(x, h)
        missing_plus = [i for i, p in enumerate(plus) if not visited(p)]
        missing_minus = [i for i, p in enumerate(minus) if not visited(p)]
        if missing_plus or missing_minus:
            if not missing_plus and visited(x):
                return ("f was evaluated at x and x + h·e_i but never at x − h·e_i: that is the "
                        "forward difference (error O(h)); use (f(x + h·e_i) − f(x − h·e_i)) / (2h)")
            if visited(x) and len(missing_plus) == len(x) and len(calls) >= len(x):
                return ("f was evaluated only at x itself, never at x ± h·e_i: `xp = x` does not copy a "
                        "NumPy array, so both shifts land on the same array and cancel; use x.copy()")
            if any(c["taped"] for c in calls) and len(missing_plus) == len(x):
                return ("f was evaluated under a tape, never at x ± h·e_i: a tape gives the exact "
                        "gradient, but this question asks for the centred finite difference "
                        "(f(x + h·e_i) − f(x − h·e_i)) / (2h)")
            i = (missing_plus or missing_minus)[0]
            sign = "+" if missing_plus else "−"
            return (f"f was never evaluated at x {sign} h·e_{i}: the centred difference needs "
                    "f(x + h·e_i) and f(x − h·e_i) for every coordinate i (not a tape)")

        def halved(g, w):
            return "twice the centred difference: divide by 2h, not h" if np.allclose(g, 2 * w, rtol=1e-6, atol=1e-8) else None

        problem = close(value, want, atol=1e-8, rtol=1e-7, hints=[halved])
        if problem:
            return problem
        if isinstance(value, dict) and value.get("dtype") not in (None, "float64"):
            return f"returned {value['dtype']} values; return float64 (a NumPy array or a tf.float64 tensor)"
        if not got["x_unchanged"]:
            return "changed the caller's x in place: work on copies (x.copy()) and leave x as it was"
        return None


# --- 7. relative_error -------------------------------------------------------------------
def _given(value: Any, form: str) -> np.ndarray:
    """The float64 values the student receives for a value in a form (float32 forms are rounded)."""
    a = np.asarray(value, np.float64)
    return a.astype(np.float32).astype(np.float64) if form == "tf32" else a


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def _form_text(value: Any, form: str) -> str:
    a = np.asarray(value, np.float64)
    if form == "number":
        return repr(float(a))
    if a.size <= 4 and form in ("list", "ndarray"):
        text = repr(a.tolist())
    else:
        with np.printoptions(precision=4, threshold=6, edgeitems=2):
            text = np.array2string(a, separator=", ").replace("\n", "")
    return {"list": text, "ndarray": f"np.array({text})", "tf32": f"tf.constant({text})",
            "tf64": f"tf.constant({text}, tf.float64)"}[form]


class RelativeError(Question):
    """relative_error(a, b) -> ‖a − b‖ / max(‖a‖, ‖b‖) in float64, 0.0 when both are zero."""

    name, unit = "relative_error", UNIT
    summary = "the relative error of two gradients of any type (tensor, array, list, number)"

    def public(self):
        return [self.case([6.0, 16.0], "list", [6.0, 16.0], "list"),
                self.case([3.0, 4.0], "list", [3.0, 4.5], "list"),
                self.case([3.0, 4.0], "ndarray", [0.0, 0.0], "ndarray"),
                self.case(0.0, "number", 0.0, "number"),
                self.case([2.0, 4.0, 6.0], "tf32", [2.0, 4.0, 6.0000001], "ndarray")]

    def hidden(self, rng):
        kinds = ["tiny32", "small", "independent", "opposite", "zero_b", "scalar", "matrix", "tiny32"]
        cases = []
        for kind in rng.permutation(kinds)[: self.n_hidden]:
            shape = (int(rng.integers(2, 7)),)
            a = np.round(rng.uniform(-3, 3, size=shape), 3)
            fa, fb = str(rng.choice(["list", "ndarray", "tf32", "tf64"])), "ndarray"
            if kind == "tiny32":
                fa, a = "tf32", a.astype(np.float32).astype(np.float64)
                b = a * (1 + 10.0 ** rng.uniform(-10, -8) * rng.choice([-1, 1], size=shape))
            elif kind == "small":
                b = a + 10.0 ** rng.uniform(-6, -2) * rng.normal(size=shape)
            elif kind == "independent":
                b = np.round(rng.uniform(-3, 3, size=shape), 3)
            elif kind == "opposite":
                b, fb = -a, fa
            elif kind == "zero_b":
                b = np.zeros(shape)
            elif kind == "scalar":
                a, b, fa, fb = float(a[0]), float(np.round(a[0] * rng.uniform(0.5, 1.5), 3)), "number", "number"
            else:  # matrix with a near-zero entry: element-wise relative errors blow up there
                m = np.round(rng.uniform(-3, 3, size=(2, 3)), 3)
                m[0, 0] = 1e-3
                a, b = m, m + 0.01 * rng.normal(size=m.shape)
                a[0, 0], b[0, 0] = 1e-3, -1e-3
            if fa == "tf32" and kind != "tiny32":
                a = np.asarray(a).astype(np.float32).astype(np.float64)
            a = a.tolist() if fa == "list" else a
            b = b.tolist() if fb == "list" else b
            cases.append(self.case(a, fa, b, fb))
        return cases

    def case(self, a, fa, b, fb):
        return super().case(a, fa, b, fb, label=f"relative_error({_form_text(a, fa)}, {_form_text(b, fb)})")

    def expected(self, a, fa, b, fb):
        return _rel(_given(a, fa), _given(b, fb))

    def judge(self, got, want, a, fa, b, fb):
        if is_error(got):
            return error_cause(got)
        g = as_array(got)
        if g is None or g.size != 1:
            return f"returned {show(got)}; return one number"
        r = float(g.reshape(-1)[0])
        x, y = _given(a, fa), _given(b, fb)
        if np.isnan(r):
            return ("returned nan: a and b are both zero here, and 0/0 is nan; return 0.0 when "
                    "max(‖a‖, ‖b‖) is 0")
        if np.isinf(r):
            return ("returned inf: divide by max(‖a‖, ‖b‖), which is zero only when both are; "
                    "dividing by one of the norms alone breaks when that one is zero")
        na, nb, nd = np.linalg.norm(x), np.linalg.norm(y), np.linalg.norm(x - y)
        x32, y32 = x.astype(np.float32), y.astype(np.float32)
        s32 = max(np.linalg.norm(x32), np.linalg.norm(y32))
        alternatives = [
            (0.0 if s32 == 0 else float(np.linalg.norm(x32 - y32) / s32),
             "computed in float32, where differences below ~1e-7 of the values vanish: convert a and "
             "b to float64 NumPy arrays first (np.asarray(a, np.float64))"),
            (float(np.max(np.abs(x - y) / np.maximum(np.maximum(np.abs(x), np.abs(y)), 1e-300))) if x.size else 0.0,
             "that is the largest element-wise relative error; use the norms of the whole arrays: "
             "‖a − b‖ / max(‖a‖, ‖b‖)"),
            (nd / nb if nb else np.inf, "divided by ‖b‖ alone; divide by max(‖a‖, ‖b‖)"),
            (nd / na if na else np.inf, "divided by ‖a‖ alone; divide by max(‖a‖, ‖b‖)"),
            (nd / (na + nb) if na + nb else 0.0, "divided by ‖a‖ + ‖b‖; this exercise divides by "
             "max(‖a‖, ‖b‖)"),
        ]

        def known(g, w):
            for value, message in alternatives:
                if not np.isclose(value, w, rtol=1e-6, atol=1e-15) and np.isclose(g, value, rtol=1e-3, atol=1e-15):
                    return message
            return None

        return close(r, want, atol=1e-15, rtol=1e-6, hints=[known])
