"""Unit 03, Partial derivatives and gradient checking: the graded questions.

The functions handed to students are drawn from two random families described as plain data:
scalar functions of one variable (a list of terms such as ``{"kind": "sin", "c": 2, "w": 1.5,
"phi": 0.3}``, also applied element-wise), and the vector family of autograder/families.py
(monomials, a quadratic form, a linear term, sin/exp of a linear combination). Every black box
is an oracle (`student_args`): the grader evaluates it and logs each evaluation, which the judges
read from `got["calls"]`; `expected` evaluates the same terms in closed form in float64 NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from ..student.compare import close, error_cause
from ..families import join as _join, scaled as _scaled
from ..families import scalar_deriv as _s_deriv, scalar_text as _s_text
from ..families import vector_grad, vector_value
from ..student.oracles import Oracle
from ..question import Question
from ..student.families import num as _num, scalar_tf as _s_tf, scalars_tf as _v_tf_scalars
from ..student.families import tree_loss_tf as _tree_loss_tf, vector_tf
from ..student.values import Plain, as_array, coef_text, is_error, show, value_text

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
            parts.append(coef_text(t["c"]))
    return _join(parts)


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
    if not quad or rng.random() < 0.5:  # every weight nonzero: no degenerate exp(0) term
        w = np.round(rng.uniform(0.1, 0.4, size=n) * rng.choice([-1, 1], size=n) / np.sqrt(n), 2)
        terms.append({"kind": "exp", "c": coef(), "w": w.tolist()})
    assert all(any(wi for wi in t["w"]) for t in terms if t["kind"] in ("sin", "exp")), terms
    return terms


# --- what the grader saw of the black box: one log entry per evaluation (autograder.student.oracles) ---
def _none_cause(calls: list[dict], source: str | list[str] = "x") -> str:
    """Why a tape most likely gave None, from what f received (`source`: what to convert, or one
    name per argument of f)."""
    ints = [(i, a["dtype"]) for call in calls for i, a in enumerate(call["args"])
            if a["dtype"].startswith(("int", "uint"))]
    if ints:
        if isinstance(source, list):
            names = list(dict.fromkeys(source[min(i, len(source) - 1)] for i, _ in ints))
            what = f"{' and '.join(names)} float32 tensors" if len(names) > 1 else f"{names[0]} a float32 tensor"
            first = names[0]
        else:
            what, first = f"{source} a float32 tensor", source
        return (f"f received {ints[0][1]} values: tf.constant(3) is int32 and a tape gives None for "
                f"ints; make {what} (tf.constant({first}, tf.float32))")
    source = " and ".join(source) if isinstance(source, list) else source
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
    """TensorFlow's words, behind ours."""
    return "your function " + _raw_raised(got)


def _raw_raised(got: Plain) -> str:
    return f"raised {got['type']}: {got['message']}" if got["message"] else f"raised {got['type']}"


def _error_problem(got: Plain, calls: list[dict], source: str | list[str]) -> str:
    """The student's exception, with what f received when that explains it (`source`: the name of
    what the student should convert, or one name per argument of f)."""
    for i, a in ((i, a) for call in calls for i, a in enumerate(call["args"])):
        source_ = (source[i] if i < len(source) else source[-1]) if isinstance(source, list) else source
        if a["dtype"].startswith(("int", "uint")):
            return (f"{_raised(got)}: f received {a['dtype']} values (tf.constant(3) is int32); make "
                    f"{source_} a float32 tensor first (tf.constant({source_}, tf.float32))")
        if a["kind"] in ("ndarray", "float", "int", "list"):
            what = "a NumPy array" if a["kind"] == "ndarray" else f"a Python {a['kind']}"
            return (f"{_raised(got)}: f received {what}, which a tape cannot watch; make {source_} "
                    "a float32 tensor and watch it")
    if "Cannot iterate over a scalar tensor" in got.get("message", ""):
        return (f"{_raised(got)}: a scalar tensor was unpacked into several names; "
                "tape.gradient(z, x, y) (without brackets) makes y the output_gradients and gives one "
                "tensor: pass the sources as one list, tape.gradient(z, [x, y])")
    return _our_error(got)


def _our_error(got: Plain) -> str:
    """A described exception with a sentence of ours in front of TensorFlow's words."""
    cause = error_cause(got)
    if cause != _raw_raised(got):  # a known cause follows TensorFlow's words
        return "your function " + cause
    return f"your function {cause}; read the message, fix that line and run this cell again"


def _close(got: Plain, want: Any, **kwargs: Any) -> str | None:
    """compare.close, with the reference written as the lecture writes values (value_text)."""
    w = np.asarray(want, np.float64)
    plain = {"kind": "ndarray", "dtype": "float64", "shape": list(w.shape), "value": w}
    problem = close(got, plain, **kwargs)
    if problem:
        problem = problem.replace(f"expected {show(plain)}", f"expected {value_text(w, digits=6)}")
    return problem


def _list_problem(value: list, n: int, source: str) -> str:
    """A Python list (or tuple) where the statement asks for one tensor or array of shape (n,)."""
    if len(value) == n and all(isinstance(g, dict) and g.get("kind") in ("Tensor", "Variable") for g in value):
        return (f"returned a list of {n} scalar tensors ({show(value)}): one source per component gives "
                f"one gradient per component; make {source} one tensor of shape ({n},) and return "
                f"tape.gradient(y, {source}), a single tensor")
    return (f"returned a Python list ({show(value)}); return one tensor (or NumPy array) of shape "
            f"({n},), not a list: tape.gradient(y, {source}) already is one")


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

    KINDS = ("float", "float", "float", "int", "float", "float", "float", "int")  # ints: seed 001's pitfall

    def hidden(self, rng):
        cases = []
        for kind in self.KINDS:
            terms = _s_random(rng, int(rng.integers(2, 4)))
            x = int(rng.choice([-2, -1, 1, 2])) if kind == "int" else float(np.round(rng.uniform(-2, 2), 3))
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

        def times_x(g, w):
            if x in (0, 1) or not np.allclose(g, w * x, atol=ATOL, rtol=RTOL):
                return None
            return ("the derivative came out multiplied by x: a third argument of tape.gradient is "
                    "output_gradients, a weight for the target; call tape.gradient(y, x)")

        return _close(value, want, atol=ATOL, rtol=RTOL, hints=[times_x])


# --- 2. partials ------------------------------------------------------------------------
class Partials(Question):
    """partials(f, x, y) -> (df/dx, df/dy) at (x, y), with one evaluation of f."""

    name, unit = "partials", UNIT
    summary = "both partial derivatives of a black-box f(x, y) from one evaluation and one tape"

    def public(self):
        return [self.case([_mono(1, 2, 0), _mono(2, 0, 2), {"kind": "const", "c": 1}], 3.0, 4.0),  # seed 001
                self.case([_mono(1, 2, 1), _mono(1, 1, 1)], 3, 2),                                   # seed 004
                self.case([_mono(3, 2, 0), _mono(2, 1, 1)], 5.0, 5.0)]                               # seed 002, z1

    # which of x and y are Python ints (tf.constant(3) is int32: seed 004's values are ints)
    KINDS = ("floats", "int_x", "floats", "int_y", "floats", "ints")

    def hidden(self, rng):
        cases = []
        for kind in self.KINDS:
            terms = _v_random(rng, 2, quad=False)
            x, y = np.round(rng.uniform(-2, 2, size=2), 3).tolist()
            if kind in ("int_x", "ints"):
                x = int(rng.choice([-2, -1, 1, 2]))
            if kind in ("int_y", "ints"):
                y = int(rng.choice([-2, -1, 1, 2]))
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
            return _error_problem(value, calls, ["x", "y"])
        problem = _calls_problem(calls, value, "one evaluation is allowed; one tape gives both "
                                 "partials with tape.gradient(z, [x, y])")
        if problem:
            return problem
        if value is None:
            return "returned None: " + _none_cause(calls, ["x", "y"])
        if isinstance(value, list) and len(value) == 2 and None in value:
            none = [n for n, v in zip(["x", "y"], value) if v is None]
            which = " and ".join(f"∂f/∂{n}" for n in none)
            if len(none) == 1:
                other = "y" if none[0] == "x" else "x"
                return (f"{which} is None while ∂f/∂{other} is not: {none[0]} was not recorded; watch both "
                        f"sources, tape.watch([x, y]) (or make both tf.Variables)")
            return f"{which} are None: " + _none_cause(calls, ["x", "y"])
        numbers = _numbers(value)
        if numbers is None or numbers.shape != (2,):
            return (f"returned {show(value)}; return the pair (∂f/∂x, ∂f/∂y) as a tuple or list of two "
                    f"scalars, like {value_text(want)}")

        def scaled_by_y(g, w):
            if np.isclose(y, 0) or not np.allclose(g[0], w[0] * y, atol=ATOL, rtol=RTOL):
                return None
            return ("∂f/∂x came out multiplied by y: tape.gradient(z, x, y) without brackets makes y "
                    "the output_gradients; pass the sources as one list, tape.gradient(z, [x, y])")

        return _close(numbers.tolist(), want, atol=ATOL, rtol=RTOL, hints=[scaled_by_y])


# --- 3. grad_vector ---------------------------------------------------------------------
class GradVector(Question):
    """grad_vector(f, v) -> the gradient of scalar f at the vector v, as a float32 vector."""

    name, unit = "grad_vector", UNIT
    summary = "the gradient of a black-box f of a float32 vector, at a float64 NumPy point"

    def public(self):
        return [self.case([_mono(1, 2, 0), _mono(2, 0, 2), {"kind": "const", "c": 1}], np.array([3.0, 4.0])),
                self.case([{"kind": "lin", "b": [8.0, 6.0]}], np.array([1.0, 1.0]))]   # seed 000

    SIZES = (2, 3, 4, 5, 6, 3)  # every length the statement allows

    def hidden(self, rng):
        cases = []
        for n in self.SIZES:
            cases.append(self.case(_v_random(rng, n, quad=True), np.round(rng.uniform(-2, 2, size=n), 3)))
        return cases

    def case(self, terms, v):
        names = [f"v[{i}]" for i in range(len(v))]
        return super().case(terms, v, label=f"grad_vector(f, np.array({value_text(v)})) with "
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
        if isinstance(value, list):
            return _list_problem(value, len(v), "v")
        return _close(value, want, atol=ATOL, rtol=RTOL)


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
    if values:
        return f"tf.Variable({value_text(a)})"
    return f"Variable({'x'.join(map(str, a.shape))})" if a.ndim else "Variable(scalar)"


def _unsorted(rng: np.random.Generator, n: int, pool: list[str] = TREE_KEYS) -> list[str]:
    """n distinct keys in an order that is NOT sorted (insertion order differs from tf.nest's)."""
    keys = [str(k) for k in rng.choice(pool, size=n, replace=False)]
    if keys == sorted(keys):
        keys = keys[::-1]
    return keys


def _leaf(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    return np.asarray(np.round(rng.uniform(-1.5, 1.5, size=shape), 2))


def _shape(rng: np.random.Generator) -> tuple:
    return [(), (int(rng.integers(1, 4)),), (int(rng.integers(1, 4)), int(rng.integers(1, 4)))][int(rng.integers(0, 3))]


def _kind_tree(rng: np.random.Generator, kind: str) -> Any:
    """A parameter structure of one kind; every dict's insertion order differs from sorted order."""
    if kind == "statement":  # the statement's own example: "w" inserted before "b"
        k, m = int(rng.integers(1, 4)), int(rng.integers(2, 4))
        return {"dense": {"w": _leaf(rng, (k, m)), "b": _leaf(rng, (m,))},
                "scales": [_leaf(rng, ()) for _ in range(int(rng.integers(1, 3)))]}
    if kind == "flat_same":  # leaves of one shape: a mix-up changes values, not shapes
        shape = [(), (int(rng.integers(2, 4)),)][int(rng.integers(0, 2))]
        return {key: _leaf(rng, shape) for key in _unsorted(rng, int(rng.integers(2, 5)))}
    if kind == "list_of_dicts":  # layers: [{"w", "b"}, ...] with w before b, one shape per layer
        layers = []
        for _ in range(int(rng.integers(2, 4))):
            shape = (int(rng.integers(1, 4)),)
            layers.append({"w": _leaf(rng, shape), "b": _leaf(rng, shape)})
        return layers
    if kind == "dict_of_lists":
        top = _unsorted(rng, 2, ["w", "b", "kernel", "bias", "head", "emb"])
        return {top[0]: [_leaf(rng, (2,)) for _ in range(int(rng.integers(1, 3)))],
                top[1]: {key: _leaf(rng, (2,)) for key in _unsorted(rng, 2)}}
    tree = _random_tree(rng)
    while len(_flatten(tree)) < 2:
        tree = _random_tree(rng)
    return tree


def _random_tree(rng: np.random.Generator, depth: int = 0) -> Any:
    n = int(rng.integers(1, 4)) if depth else int(rng.integers(2, 4))
    as_dict = depth == 0 and rng.random() < 0.7 or depth > 0 and rng.random() < 0.5
    children = []
    for _ in range(n):
        if depth < 2 and rng.random() < 0.35:
            children.append(_random_tree(rng, depth + 1))
        else:
            children.append(_leaf(rng, _shape(rng)))
    if as_dict:
        return dict(zip(_unsorted(rng, n) if n > 1 else [str(rng.choice(TREE_KEYS))], children))
    return children


def _paths(tree: Any, path: str = "") -> list[tuple[str, Any]]:
    """(path, leaf) for every leaf of a reference structure."""
    if isinstance(tree, dict):
        return [pl for k in tree for pl in _paths(tree[k], f"{path}[{k!r}]")]
    if isinstance(tree, list):
        return [pl for i, t in enumerate(tree) for pl in _paths(t, f"{path}[{i}]")]
    return [(path, tree)]


def _tree_problem(got: Plain, want: Any, path: str, leaves: list | None = None) -> str | None:
    """The first difference between a described nested structure and the reference, with its path;
    a leaf holding another leaf's gradient is named as such (`leaves`: the reference's (path, leaf))."""
    leaves = _paths(want) if leaves is None else leaves
    if isinstance(want, dict):
        items = got.get("items") if isinstance(got, dict) and got.get("kind") == "dict" else None
        if items is None:
            return f"{path or 'the result'} is {show(got)}, expected a dict with keys {sorted(want)}"
        if set(items) != set(want):
            return f"{path or 'the result'} has keys {sorted(items)}, expected {sorted(want)}"
        for k in want:
            problem = _tree_problem(items[k], want[k], f"{path}[{k!r}]", leaves)
            if problem:
                return problem
        return None
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return f"{path or 'the result'} is {show(got)}, expected a list of {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            problem = _tree_problem(g, w, f"{path}[{i}]", leaves)
            if problem:
                return problem
        return None
    problem = _close(got, want, atol=ATOL, rtol=RTOL)
    if not problem:
        return None
    g = as_array(got)
    for other, w in leaves:
        w = np.asarray(w, np.float64)
        if other != path and g is not None and g.shape == w.shape and np.allclose(g, w, atol=ATOL, rtol=RTOL) \
                and not (w.shape == np.shape(want) and np.allclose(w, want, atol=ATOL, rtol=RTOL)):
            return (f"{path or 'the result'} holds the gradient of {other} ({value_text(g)}): the gradients "
                    "are attached to the wrong leaves. tf.nest.flatten lists dict keys in sorted order, not "
                    "in insertion order; ask tape.gradient(loss, params) for the whole structure, or "
                    "rebuild it with tf.nest.pack_sequence_as(params, flat_gradients)")
    return f"{path or 'the result'}: {problem}"


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

    # structures whose dicts are never in sorted order (tf.nest.flatten sorts keys)
    KINDS = ("statement", "flat_same", "list_of_dicts", "dict_of_lists", "random", "random")

    def hidden(self, rng):
        cases = []
        for kind in self.KINDS:
            params = _kind_tree(rng, kind)
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
            return _our_error(value)
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

    # (points: an even grid or sorted random points, how many): the statement's lengths 3 to 40
    KINDS = (("random", (3, 6)), ("grid", (5, 41)), ("random", (5, 41)), ("grid", (40, 41)),
             ("random", (5, 41)), ("grid", (5, 41)))

    def hidden(self, rng):
        cases = []
        for points, (lo, hi) in self.KINDS:
            n = int(rng.integers(lo, hi))
            xs = (np.round(np.linspace(-2, 2, n), 3) if points == "grid" else
                  np.round(np.sort(rng.uniform(-2, 2, size=n)), 3))
            cases.append(self.case(_s_random(rng, int(rng.integers(2, 4))), xs))
        return cases

    def case(self, terms, xs):
        return super().case(terms, xs, label=f"elementwise_derivative(f, np.array({value_text(xs, limit=6)})) "
                                             f"with f(x) = {_s_text(terms)}")

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
        if isinstance(value, list):
            return _list_problem(value, n, "xs")
        g = as_array(value)
        if g is not None and g.shape == (n, n) and np.allclose(np.diag(g), want, atol=ATOL, rtol=RTOL):
            return (f"returned the {n}x{n} Jacobian; its diagonal is the answer, and "
                    "tape.gradient(f(xs), xs) gives that diagonal directly (a vector target is summed)")

        def mean_target(g, w):
            if np.allclose(g * n, w, atol=ATOL, rtol=RTOL):
                return (f"every derivative is divided by {n}: a tf.reduce_mean target scales them by "
                        "1/n; use f(xs) itself (or its sum) as the target")
            return None

        return _close(value, want, atol=ATOL, rtol=RTOL, hints=[mean_target])


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

    # (n, h): every length 2 to 5, steps from coarse to fine (a float32 path fails at every one)
    KINDS = ((2, 1e-3), (3, 1e-4), (4, 5e-3), (5, 2e-3), (3, 1e-2), (2, 5e-4))

    def hidden(self, rng):
        cases = []
        for n, h in self.KINDS:
            cases.append(self.case(_v_random(rng, n, quad=True), np.round(rng.uniform(-1.5, 1.5, size=n), 3), h))
        return cases

    def case(self, terms, x, h):
        names = [f"v[{i}]" for i in range(len(x))]
        return super().case(terms, x, h, label=f"numerical_gradient(f, np.array({value_text(x)}), {h!r}) "
                                               f"with f(v) = {_v_text(terms, names)}")

    def student_args(self, terms, x, h):
        return Oracle(vector_tf(terms), out=[]), x, h

    def expected(self, terms, x, h):
        plus, minus = _shifted(np.asarray(x, np.float64), h)
        return np.array([(vector_value(terms, p) - vector_value(terms, m)) / (2 * h) for p, m in zip(plus, minus)])

    def judge(self, got, want, terms, x, h):
        value, calls = got["value"], got["calls"]
        if is_error(value):
            return _our_error(value)
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

        problem = _close(value, want, atol=1e-8, rtol=1e-7, hints=[halved])
        if problem:
            return problem
        if isinstance(value, dict) and value.get("dtype") not in (None, "float64"):
            return f"returned {value['dtype']} values; return float64 (a NumPy array or a tf.float64 tensor)"
        if isinstance(value, list):
            return (f"returned a Python list ({show(value)}); return a float64 NumPy array of shape "
                    f"({len(x)},), for example np.array(the_list)")
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
    """A value as the call that makes it; 12 digits, so that differences of 1e-9 show."""
    text = value_text(np.asarray(value, np.float64), digits=12, limit=6)
    return {"number": text, "list": text, "ndarray": f"np.array({text})", "tf32": f"tf.constant({text})",
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

    # every kind in every student's set: relative errors of 1e-9 given as a float32 tensor, as Python
    # lists and as Python numbers (float32 paths: tf.constant of a list is float32), near-zero entries
    # (element-wise ratios), a zero b (dividing by ‖b‖), both zero (0/0), unequal norms (dividing by one
    # norm or the sum)
    KINDS = ("tiny32", "small", "independent", "opposite", "zero_b", "scalar", "matrix", "tiny_list",
             "tiny_number", "both_zero")

    def hidden(self, rng):
        cases = []
        for kind in rng.permutation(self.KINDS):
            shape = (int(rng.integers(2, 7)),)
            a = np.round(rng.uniform(-3, 3, size=shape), 3)
            fa, fb = str(rng.choice(["list", "ndarray", "tf32", "tf64"])), "ndarray"
            if kind == "tiny32":
                fa, a = "tf32", a.astype(np.float32).astype(np.float64)
                b = a * (1 + 10.0 ** rng.uniform(-10, -8) * rng.choice([-1, 1], size=shape))
            elif kind == "tiny_list":
                a = np.round(rng.uniform(0.5, 3, size=shape) * rng.choice([-1, 1], size=shape), 3)
                fa = fb = "list"
                b = a * (1 + 10.0 ** rng.uniform(-10, -8) * rng.choice([-1, 1], size=shape))
            elif kind == "tiny_number":
                a = float(np.round(rng.uniform(0.5, 3) * rng.choice([-1, 1]), 3))
                b = float(a * (1 + 10.0 ** rng.uniform(-10, -8) * rng.choice([-1, 1])))
                fa = fb = "number"
            elif kind == "small":
                b = a + 10.0 ** rng.uniform(-6, -2) * rng.normal(size=shape)
            elif kind == "independent":
                b = np.round(rng.uniform(-3, 3, size=shape), 3)
            elif kind == "opposite":
                b, fb = -a, fa
            elif kind == "zero_b":
                b = np.zeros(shape)
            elif kind == "both_zero":
                a, b, fb = np.zeros(shape), np.zeros(shape), str(rng.choice(["list", "ndarray", "tf64"]))
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
            return _our_error(got)
        g = as_array(got)
        if g is None or g.ndim != 0:
            return f"returned {show(got)}; return one number (a Python float), not an array or a list"
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
        # a Python list or number read by TensorFlow (tf.constant, tf.convert_to_tensor) is float32
        xl = x32.astype(np.float64) if fa in ("list", "number") else x
        yl = y32.astype(np.float64) if fb in ("list", "number") else y
        alternatives = [] if not {fa, fb} & {"list", "number"} else [
            (_rel(xl, yl), "a Python list or number given to TensorFlow (tf.constant, tf.convert_to_tensor) "
             "becomes float32 before any cast to float64, and differences below ~1e-7 vanish: convert with "
             "np.asarray(a, np.float64) first")]
        alternatives += [
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

        return _close(r, want, atol=1e-15, rtol=1e-6, hints=[known])
