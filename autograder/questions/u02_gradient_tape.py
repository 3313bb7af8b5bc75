"""Unit 02, The gradient tape: the graded questions.

The functions students differentiate are drawn from one random family, described as plain
data (an "expression": a dict of terms; see `_term`), built into TensorFlow functions that
the grader serves to the student's process as black boxes (`autograder.student.oracles.Oracle`: every
evaluation is logged here) and differentiated in closed form in float64 NumPy in `expected()`.
The steps that call the student's functions are in `autograder/student/u02_gradient_tape.py`.
"""

from __future__ import annotations

import functools
import itertools
from typing import Any

import numpy as np
import tensorflow as tf

from ..student.compare import close, error_cause
from ..student.families import affine_tf, expr_pair_tf, expr_tf as _tf_function
from ..student.oracles import Oracle
from ..question import Question
from ..student.values import as_array, coef_text, is_error, number_text, show, value_text

UNIT = "02_gradient_tape"
ATOL = RTOL = 1e-4  # float32 work


def _compare(got: Any, want: Any) -> str | None:
    """None if `got` matches the reference `want`; else what came back and what was expected,
    written as the lecture writes values ([1.0, 2.5]), or close()'s reason (shape, None, error)."""
    want = np.asarray(want, np.float64)
    problem = close(got, want, atol=ATOL, rtol=RTOL)
    if problem is None or is_error(got) or got is None:
        return problem
    g = as_array(got)
    if g is not None and g.shape == want.shape and np.all(np.isfinite(g)):
        err = float(np.max(np.abs(g - want))) if g.size else 0.0
        return (f"returned {value_text(g)}, expected {value_text(want)} "
                f"(largest difference {number_text(err, 3)})")
    if g is not None and g.size == 1 and want.size > 1 and np.allclose(g, want.sum(), atol=ATOL):
        return (f"returned the single number {value_text(g.reshape(()))}, the sum of the expected "
                f"{value_text(want)}: a list or non-scalar target is summed")
    if g is not None and g.shape != want.shape:
        return (f"returned {value_text(g)} of shape {tuple(g.shape)}; expected shape "
                f"{tuple(want.shape)}, {value_text(want)}")
    return f"returned {show(got)}; expected {value_text(want)}"


# --- the random family of functions ---------------------------------------------------
# An expression is {"terms": [term, ...], "const": c0, "sum": bool}. A term is
# {"c": c, "fn": "id" | "sin" | "tanh" | "exp", "factors": [[arg, comp, shift], ...]} and
# stands for c * fn(F1 * F2 * ...), where a factor is (x_arg + shift), or (x_arg[comp] + shift)
# when comp is an int. Factors with comp None act element-wise; "sum" reduces to a scalar.

_FN_NP = {"id": (lambda p: p, lambda p: np.ones_like(p)),
          "sin": (np.sin, np.cos),
          "tanh": (np.tanh, lambda p: 1.0 - np.tanh(p) ** 2),
          "exp": (np.exp, np.exp)}


def _term(c: float, *factors: Any, fn: str = "id") -> dict:
    """A term from factors written as arg, (arg, comp) or (arg, comp, shift)."""
    norm = []
    for f in factors:
        f = (f,) if isinstance(f, int) else tuple(f)
        norm.append([int(f[0]), None if len(f) < 2 or f[1] is None else int(f[1]),
                     float(f[2]) if len(f) > 2 else 0.0])
    return {"c": float(c), "fn": fn, "factors": norm}


def _expr(*terms: dict, const: float = 0.0, total: bool = False) -> dict:
    return {"terms": list(terms), "const": float(const), "sum": bool(total)}


def _np_factors(term: dict, xs: list[np.ndarray]) -> list[np.ndarray]:
    return [(xs[a] if k is None else xs[a][k]) + s for a, k, s in term["factors"]]


def _np_value(expr: dict, xs: list[np.ndarray]) -> np.ndarray:
    """The expression's value in float64."""
    total: Any = np.float64(expr["const"])
    for term in expr["terms"]:
        p = np.prod(np.broadcast_arrays(*_np_factors(term, xs)), axis=0)
        total = total + term["c"] * _FN_NP[term["fn"]][0](p)
    return np.sum(total) if expr["sum"] else np.asarray(total)


def _np_grads(expr: dict, xs: list[np.ndarray]) -> list[np.ndarray]:
    """d(sum of the expression)/d x_i for every argument, in closed form (float64)."""
    grads = [np.zeros(np.shape(x)) for x in xs]
    for term in expr["terms"]:
        vals = _np_factors(term, xs)
        outer = term["c"] * _FN_NP[term["fn"]][1](np.prod(np.broadcast_arrays(*vals), axis=0))
        for j, (a, k, _) in enumerate(term["factors"]):
            others = [v for i, v in enumerate(vals) if i != j]
            part = outer * (np.prod(np.broadcast_arrays(*others), axis=0) if others else 1.0)
            if k is None:
                grads[a] = grads[a] + _sum_to(np.asarray(part), np.shape(xs[a]))
            else:
                grads[a][k] += np.sum(part)
    return grads


def _sum_to(a: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum a broadcast result back to `shape` (the gradient of a broadcast input)."""
    while a.ndim > len(shape):
        a = a.sum(axis=0)
    return a.reshape(shape) if a.size == int(np.prod(shape)) else a.sum().reshape(shape)


def _show_expr(expr: dict, names: list[str]) -> str:
    """The expression as a formula, e.g. 'x**2*y + 2*sin(x[0]*(x[1] + 2)) + 1'."""
    parts = []
    for term in expr["terms"]:
        factors = []
        for (a, k, s), group in itertools.groupby(term["factors"], key=tuple):
            base = names[a] if k is None else f"{names[a]}[{k}]"
            if s:
                base = f"({base} {'+' if s > 0 else '-'} {coef_text(abs(s))})"
            n = len(list(group))
            factors.append(base if n == 1 else f"{base}**{n}")
        body = "*".join(factors)
        if term["fn"] != "id":
            body = f"{term['fn']}{body}" if len(factors) == 1 and body.startswith("(") \
                else f"{term['fn']}({body})"
        c = term["c"]
        coef = "" if abs(c) == 1 else f"{coef_text(abs(c))}*"
        parts.append(("- " if c < 0 else "+ ") + coef + body)
    if expr["const"]:
        parts.append(("- " if expr["const"] < 0 else "+ ") + coef_text(abs(expr["const"])))
    text = " ".join(parts)
    text = text[2:] if text.startswith("+ ") else "-" + text[2:]
    return f"sum({text})" if expr["sum"] else text


# --- drawing random functions ---------------------------------------------------------
def _draw_coef(rng: np.random.Generator, low: float = 0.5, high: float = 3.0) -> float:
    return float(np.round(rng.uniform(low, high), 1) * rng.choice([-1, 1]))


def _draw_values(rng: np.random.Generator, shape: tuple) -> Any:
    v = np.round(rng.uniform(-2.0, 2.0, size=shape), 2)
    return float(v) if shape == () else v.tolist()


def _draw_expr(rng: np.random.Generator, n_args: int, size: int | None = None,
               total: bool = True, mild: bool = False) -> dict:
    """A random expression of n_args arguments using each of them.

    size None: element-wise factors (every argument has the same shape); size n: the single
    argument is a vector of length n and factors pick its components x[k]. mild: at most two
    factors a term, no exp, small coefficients (for h, whose value feeds another function).
    """
    def factor():
        arg = int(rng.integers(n_args))
        comp = None if size is None else int(rng.integers(size))
        shift = float(np.round(rng.uniform(-1, 1), 1)) if rng.random() < 0.25 else 0.0
        return [arg, comp, shift]

    def coef():
        return _draw_coef(rng, 0.2, 1.0) if mild else _draw_coef(rng)

    terms = []
    for _ in range(int(rng.integers(2, 5))):
        fn = str(rng.choice(["id", "id", "id", "sin", "tanh"] + ([] if mild else ["exp"])))
        n_factors = 1 if fn == "exp" else int(rng.integers(1, 3 if fn != "id" or mild else 4))
        factors = [factor() for _ in range(n_factors)]
        if fn == "exp":
            factors[0][2] = 0.0  # exp(x) with |x| <= 2 stays below e**2
        factors = sorted(factors, key=_factor_key)
        same = [t for t in terms if t["fn"] == fn and t["factors"] == factors]
        if same:  # a repeated monomial: merge it into the first, as one would write it
            same[0]["c"] = round(same[0]["c"] + coef(), 1) or 1.0
        else:
            terms.append({"c": coef(), "fn": fn, "factors": factors})
    used = {f[0] for t in terms for f in t["factors"]}
    for arg in range(n_args):
        if arg not in used:
            comp = None if size is None else int(rng.integers(size))
            terms.append({"c": coef(), "fn": "id", "factors": [[arg, comp, 0.0]]})
    if size is not None:
        # every component appears, so no gradient entry is an accidental structural zero
        seen = {f[1] for t in terms for f in t["factors"]}
        for comp in range(size):
            if comp not in seen:
                terms.append({"c": coef(), "fn": "id", "factors": [[0, comp, 0.0]]})
    const = float(np.round(rng.uniform(-2, 2), 1)) if rng.random() < 0.5 else 0.0
    return {"terms": terms, "const": const, "sum": total}


def _factor_key(f: list) -> tuple:
    return (f[0], -1 if f[1] is None else f[1], f[2])


# --- 1. gradients with respect to tensors ----------------------------------------------
ARG_NAMES = ["x", "y", "z"]


class GradWrtTensors(Question):
    """grad_wrt_tensors(f, *ts) -> [df/dt for t in ts], for constants and Variables alike."""

    name, unit = "grad_wrt_tensors", UNIT
    summary = "the gradient of f(*ts) with respect to every t, constants included (tape.watch)"

    def public(self):
        c, v = "constant", "Variable"
        return [
            # seed 004: x = 3 constant, watched: 2x, x**2 + 2, x**2 + 2x -> 2, 6, 8
            self.case(_expr(_term(2, 0)), [[c, 3.0]]),
            self.case(_expr(_term(1, 0, 0), const=2), [[c, 3.0]]),
            self.case(_expr(_term(1, 0, 0), _term(2, 0)), [[c, 3.0]]),
            # seed 004: z = x**2*y + x*y at (3, 2) -> 14, 12
            self.case(_expr(_term(1, 0, 0, 1), _term(1, 0, 1)), [[c, 3.0], [c, 2.0]]),
            # seed 001: f = x**2 + 2y**2 + 1 at Variables (3, 4) -> 6, 16;
            # on vectors [1, 2, 3], [4, 5, 6] -> [2, 4, 6], [16, 20, 24]
            self.case(_expr(_term(1, 0, 0), _term(2, 1, 1), const=1), [[v, 3.0], [v, 4.0]]),
            self.case(_expr(_term(1, 0, 0), _term(2, 1, 1), const=1),
                      [[v, [1.0, 2.0, 3.0]], [v, [4.0, 5.0, 6.0]]]),
            # seed 000: f = 8*x1 + 6*x2 at (1, 1) -> 8, 6
            self.case(_expr(_term(8, 0), _term(6, 1)), [[v, 1.0], [v, 1.0]]),
        ]

    # stratified: each kind is in every stream (k tensors, their kinds; None: drawn)
    KINDS = [
        (1, ["constant"]),                           # one tensor: still a list of one
        (2, ["Variable", "constant"]),               # a constant after the first tensor
        (3, ["constant", "constant", "constant"]),   # constants only
        (3, ["Variable", "Variable", "constant"]),   # the constant last
        (2, ["constant", "Variable"]),
        (3, None),                                   # kinds drawn, at least one constant
    ]
    n_hidden = len(KINDS)

    def hidden(self, rng):
        cases = []
        for k, kinds in self.KINDS:
            shape = () if rng.random() < 0.5 else (int(rng.integers(2, 5)),)
            if kinds is None:
                kinds = ["constant" if rng.random() < 0.5 else "Variable" for _ in range(k)]
                kinds[int(rng.integers(k))] = "constant"
            inputs = [[kind, _draw_values(rng, shape)] for kind in kinds]
            cases.append(self.case(_draw_expr(rng, k, total=shape != ()), inputs))
        return [cases[int(i)] for i in rng.permutation(len(cases))]

    def case(self, expr, inputs):
        names = ARG_NAMES[: len(inputs)]
        ts = ", ".join(f"tf.{kind}({value_text(v)})" for kind, v in inputs)
        formula = f"f({', '.join(names)}) = {_show_expr(expr, names)}"
        return super().case(expr, inputs, label=f"grad_wrt_tensors(f, {ts}) with {formula}")

    def student_args(self, expr, inputs):
        return Oracle(_tf_function(expr), out=[] if expr["sum"] else "same"), inputs

    def expected(self, expr, inputs):
        return _np_grads(expr, [np.asarray(v, np.float64) for _, v in inputs])

    def judge(self, got, want, expr, inputs):
        grads, names, calls = got["value"], ARG_NAMES[: len(inputs)], len(got["calls"])
        if is_error(grads):
            return error_cause(grads)
        if not isinstance(grads, list):
            if len(inputs) == 1 and close(grads, want[0], atol=ATOL, rtol=RTOL) is None:
                return (f"returned the gradient {show(grads)} itself; return a list with one "
                        "gradient per tensor, even for one tensor: [g]")
            return (f"returned {show(grads)}; return a list with one gradient per tensor "
                    f"({len(inputs)})")
        if len(grads) != len(inputs):
            return (f"returned {len(grads)} gradient(s) for {len(inputs)} tensor(s); return one "
                    "per tensor, in order")
        if calls == 0:
            return ("never called f: the gradients must come from f through a tape (numbers worked "
                    "out by hand do not fit other functions)")
        if calls != 1:
            return (f"called f {calls} times; call it once, under one tape, and get every "
                    "gradient from that tape (one tape.gradient call with the list of tensors, "
                    "or a persistent tape); no finite differences")
        taped = got["calls"][0].get("taped")
        for name, g, w, (kind, _) in zip(names, grads, want, inputs):
            if g is None:
                if taped is False:
                    return (f"the gradient for {name} is None: f ran while no tape was recording; "
                            "compute f(*ts) inside the tape's `with` block")
                if kind == "constant":
                    return (f"the gradient for {name} (a tf.constant) is None: a tape watches only "
                            f"trainable Variables by itself, so {name} must be given to tape.watch "
                            "inside the block before f is computed (a watch after f comes too "
                            "late)")
                return (f"the gradient for {name} (a tf.Variable) is None although f ran under a "
                        "tape: was the tape made with watch_accessed_variables=False, without "
                        f"tape.watch({name}) before f?")
            problem = _compare(g, w)
            if problem:
                return f"gradient for {name}: {problem}"
        return None


# --- 2. watching only some Variables ----------------------------------------------------
VAR_NAMES = ["a", "b", "c", "d"]


class SelectiveGrads(Question):
    """selective_grads(f, variables, wanted) -> (grads, tape): the tape watched exactly `wanted`."""

    name, unit = "selective_grads", UNIT
    summary = ("gradients for the wanted Variables only, from a tape that watched exactly those "
               "(watch_accessed_variables=False, tape.watch), checked by object identity")

    def public(self):
        return [
            # seed 001: f = a**2 + 2b**2 + 1 at (3, 4): only df/db = 16
            self.case(_expr(_term(1, 0, 0), _term(2, 1, 1), const=1), [3.0, 4.0], [True, True],
                      [1]),
            # seed 000: f = 8a + 6b at (1, 1): only df/da = 8
            self.case(_expr(_term(8, 0), _term(6, 1)), [1.0, 1.0], [True, True], [0]),
            # seed 004: z = a**2*b + a*b at (3, 2), b not trainable: both, 14 and 12
            self.case(_expr(_term(1, 0, 0, 1), _term(1, 0, 1)), [3.0, 2.0], [True, False], [0, 1]),
        ]

    # stratified: each kind is in every stream; every case has an unwanted trainable Variable
    # (a default tape would watch it)
    KINDS = ["reversed", "frozen_wanted", "frozen_unwanted", "most_wanted", "drawn"]
    n_hidden = len(KINDS)

    def hidden(self, rng):
        cases = [self._draw(rng, kind) for kind in self.KINDS]
        return [cases[int(i)] for i in rng.permutation(len(cases))]

    def _draw(self, rng, kind):
        for _ in range(50):  # until the kind's wanted gradients differ from one another
            k = 4 if kind == "most_wanted" else int(rng.integers(3, 5)) if kind != "drawn" \
                else int(rng.integers(2, 5))
            shape = () if rng.random() < 0.5 else (int(rng.integers(2, 4)),)
            values = [_draw_values(rng, shape) for _ in range(k)]
            order = [int(i) for i in rng.permutation(k)]
            n_wanted = {"reversed": 2, "frozen_wanted": 2, "frozen_unwanted": 1,
                        "most_wanted": 3}.get(kind) or int(rng.integers(1, k))
            wanted = order[:n_wanted]
            if kind == "reversed":  # wanted in the opposite order of `variables`
                wanted = sorted(wanted, reverse=True)
            elif kind == "most_wanted":
                wanted = sorted(wanted)[::-1] if rng.random() < 0.5 else wanted
            trainable = [bool(rng.random() < 0.7) for _ in range(k)]
            trainable[order[-1]] = True  # an unwanted trainable Variable a default tape would watch
            if kind == "frozen_wanted":
                trainable[wanted[int(rng.integers(n_wanted))]] = False
            if kind == "frozen_unwanted":
                trainable[order[-2]] = False
            expr = _draw_expr(rng, k, total=shape != ())
            grads = _np_grads(expr, [np.asarray(v, np.float64) for v in values])
            distinct = all(not np.allclose(grads[a], grads[b], atol=0.05)
                           for a, b in itertools.combinations(wanted, 2))
            if distinct and all(np.max(np.abs(grads[i])) > 0.05 for i in wanted):
                break
        return self.case(expr, values, trainable, wanted)

    def case(self, expr, values, trainable, wanted):
        names = VAR_NAMES[: len(values)]
        defs = ", ".join(f"{n} = tf.Variable({value_text(v)}{'' if t else ', trainable=False'})"
                         for n, v, t in zip(names, values, trainable))
        call = f"selective_grads(f, [{', '.join(names)}], [{', '.join(names[i] for i in wanted)}])"
        label = f"{call} with {defs}, f({', '.join(names)}) = {_show_expr(expr, names)}"
        return super().case(expr, values, trainable, wanted, label=label)

    def student_args(self, expr, values, trainable, wanted):
        # f's evaluations are not judged ("f_calls"); the Variables the returned tape watched
        # are compared by identity in the student's process (forgeable, like any answer)
        return (Oracle(_tf_function(expr), key="f_calls", out=[] if expr["sum"] else "same"),
                values, trainable, wanted)

    def expected(self, expr, values, trainable, wanted):
        grads = _np_grads(expr, [np.asarray(v, np.float64) for v in values])
        return {"grads": [grads[i] for i in wanted], "watched": sorted(wanted)}

    def judge(self, got, want, expr, values, trainable, wanted):
        names = VAR_NAMES[: len(values)]
        if "value" in got:  # the student's code raised
            return error_cause(got["value"]) if is_error(got["value"]) else \
                f"returned {show(got['value'])}; return two things: grads, tape"
        if "returned" in got:
            return f"returned {show(got['returned'])}; return two things: grads, tape"
        if got["tape"] != "GradientTape":
            return (f"the second thing returned is a {got['tape']}, not the tf.GradientTape you "
                    "recorded with")
        extra = [names[i] for i in got["watched"] if i not in want["watched"]]
        if extra:
            return (f"the tape also watched {', '.join(extra)}, not wanted: a tape watches every "
                    "trainable Variable f reads unless it is made with "
                    "watch_accessed_variables=False, and then exactly what tape.watch is given: "
                    "give it only the wanted ones")
        if got["foreign"]:
            return (f"the tape watched {got['foreign']} Variable(s) that are not the ones given "
                    "(copies?); tape.watch the objects in `wanted` themselves")
        missing = [names[i] for i in want["watched"] if i not in got["watched"]]
        if missing:
            frozen = [n for n in missing if not trainable[names.index(n)]]
            why = (f" ({', '.join(frozen)}: trainable=False, which a tape never watches by itself)"
                   if frozen else "")
            return (f"the tape did not watch {', '.join(missing)}{why}: call tape.watch(v) for "
                    "every wanted v before computing f (with watch_accessed_variables=False only "
                    "those are watched)")
        grads = got["grads"]
        if not isinstance(grads, list) or len(grads) != len(wanted):
            return (f"returned grads {show(grads)}; return a list with one gradient per wanted "
                    "Variable, in order")
        by_position = sorted(range(len(wanted)), key=lambda j: wanted[j])
        if by_position != list(range(len(wanted))) and all(
                g is not None and close(g, want["grads"][j], atol=ATOL, rtol=RTOL) is None
                for g, j in zip(grads, by_position)):
            return (f"the gradients come in the order of `variables` "
                    f"({', '.join(names[wanted[j]] for j in by_position)}); return them in the "
                    f"order of `wanted` ({', '.join(names[i] for i in wanted)})")
        for i, g, w in zip(wanted, grads, want["grads"]):
            if g is None:
                return (f"the gradient for {names[i]} is None although the tape watched it: "
                        "was f computed inside the `with` block, after tape.watch?")
            problem = _compare(g, w)
            if problem:
                return f"gradient for {names[i]}: {problem}"
        return None


# --- 3. two targets, one forward pass -----------------------------------------------------
class TwoGradsOnePass(Question):
    """two_grads_one_pass(f, x) -> [dy/dx, dz/dx] where (y, z) = f(x), calling f once."""

    name, unit = "two_grads_one_pass", UNIT
    summary = "the gradient of each of two targets from one forward pass (a persistent tape)"

    def public(self):
        return [
            # seed 002: w = [w1, w2] = [5, 3]; z1 = f(w1, w2 + 2), z2 = f(w1, w2 + 5) with
            # f = 3*w1**2 + 2*w1*w2 -> [40, 10] and [46, 10] (a list target would give their sum)
            self.case(_expr(_term(3, (0, 0), (0, 0)), _term(2, (0, 0), (0, 1, 2))),
                      _expr(_term(3, (0, 0), (0, 0)), _term(2, (0, 0), (0, 1, 5))), [5.0, 3.0]),
            # seed 004: y1 = 2x, y3 = x**2 + 2x at x = 3 -> 2 and 8
            self.case(_expr(_term(2, 0)), _expr(_term(1, 0, 0), _term(2, 0)), 3.0),
        ]

    # stratified: each kind is in every stream, with dy/dx and dz/dx apart (order is judged)
    KINDS = ["scalar", "components", "elementwise", "drawn"]
    n_hidden = len(KINDS)

    def hidden(self, rng):
        cases = [self._draw(rng, kind) for kind in self.KINDS]
        return [cases[int(i)] for i in rng.permutation(len(cases))]

    def _draw(self, rng, kind):
        if kind == "drawn":
            kind = str(rng.choice(["scalar", "components", "elementwise"]))
        for _ in range(50):  # until the two gradients differ
            if kind == "scalar":
                y, z = _draw_expr(rng, 1, total=False), _draw_expr(rng, 1, total=False)
                x = _draw_values(rng, ())
            elif kind == "components":  # y and z mix the components x[k]: already scalars
                n = int(rng.integers(2, 5))
                y = _draw_expr(rng, 1, size=n, total=False)
                z = _draw_expr(rng, 1, size=n, total=False)
                x = _draw_values(rng, (n,))
            else:
                n = int(rng.integers(2, 5))
                y, z, x = _draw_expr(rng, 1), _draw_expr(rng, 1), _draw_values(rng, (n,))
            dy, dz = self.expected(y, z, x)
            if not np.allclose(dy, dz, atol=0.05) and not np.allclose(dz, 0, atol=0.05):
                break
        return self.case(y, z, x)

    def case(self, y, z, x):
        formula = f"f(x) = ({_show_expr(y, ['x'])}, {_show_expr(z, ['x'])})"
        return super().case(y, z, x, label=f"two_grads_one_pass(f, tf.Variable({value_text(x)})) "
                                           f"with {formula}")

    def student_args(self, y, z, x):
        shape = list(np.shape(_np_value(y, [np.asarray(x, np.float64)])))
        # one oracle, one evaluation per call of f: (y, z) stacked, unstacked by the step
        return Oracle(expr_pair_tf(y, z), out=[2, *shape]), x

    def expected(self, y, z, x):
        xs = [np.asarray(x, np.float64)]
        return [_np_grads(y, xs)[0], _np_grads(z, xs)[0]]

    def judge(self, got, want, y, z, x):
        grads, calls = got["value"], len(got["calls"])
        if is_error(grads):
            return error_cause(grads)
        both = want[0] + want[1]
        if not isinstance(grads, list):
            if close(grads, both, atol=ATOL, rtol=RTOL) is None:
                return (f"returned one gradient, {show(grads)}, the gradient of y + z: a list "
                        "target is summed; call tape.gradient(y, x) and tape.gradient(z, x) "
                        "separately on a persistent tape")
            return f"returned {show(grads)}; return a list of two gradients [dy/dx, dz/dx]"
        if len(grads) != 2:
            return f"returned {len(grads)} items; return a list of two gradients [dy/dx, dz/dx]"
        if calls != 1:
            return (f"called f {calls} times, but one forward pass is allowed: compute "
                    "(y, z) once under tf.GradientTape(persistent=True) and call tape.gradient "
                    "once per target")
        if all(g is not None and close(g, both, atol=ATOL, rtol=RTOL) is None for g in grads):
            return ("both gradients equal the gradient of y + z: a list target (or a stacked "
                    "tensor) is summed; call tape.gradient(y, x) and tape.gradient(z, x) "
                    "separately on a persistent tape")
        if not np.allclose(want[0], want[1], atol=ATOL, rtol=RTOL) and all(
                g is not None and close(g, w, atol=ATOL, rtol=RTOL) is None
                for g, w in zip(grads, want[::-1])):
            return "the two gradients are swapped; return [dy/dx, dz/dx] in that order"
        for label, g, w in zip(["dy/dx", "dz/dx"], grads, want):
            if g is None:
                if got["calls"][0].get("taped") is False:
                    return (f"{label} is None: f ran while no tape was recording; compute "
                            "y, z = f(x) inside the tape's `with` block")
                return (f"{label} is None although f ran under a tape: ask that tape for the "
                        "gradient of the y and z that f returned, with respect to x itself (a "
                        "tape made with watch_accessed_variables=False needs tape.watch(x))")
            problem = _compare(g, w)
            if problem:
                return f"{label}: {problem}"
        return None


# --- 4. the gradient with respect to an intermediate ---------------------------------------
class GradWrtIntermediate(Question):
    """grad_wrt_intermediate(g, h, x) -> [dy/du, dy/dx] where u = h(x), y = g(u)."""

    name, unit = "grad_wrt_intermediate", UNIT
    summary = "the gradient of y = g(h(x)) with respect to the intermediate u = h(x) and to x"

    def public(self):
        square = {"kind": "expr", "expr": _expr(_term(1, 0, 0))}
        return [
            # seed 001's u = x**2 = 9 at x = 3; y = u**2: dy/du = 18, dy/dx = 108
            self.case(_expr(_term(1, 0, 0)), square, 3.0),
            # seed 001's vector: u = x**2 on [1, 2, 3], y = sum(u):
            # dy/du = [1, 1, 1], dy/dx = [2, 4, 6]
            self.case(_expr(_term(1, 0), total=True), square, [1.0, 2.0, 3.0]),
            # u = A @ x, y = sum(u**2): dy/du = 2u, dy/dx = A.T @ 2u
            self.case(_expr(_term(1, 0, 0), total=True),
                      {"kind": "affine", "A": [[1.0, 2.0], [3.0, 4.0]], "b": [0.0, 0.0],
                       "act": "id"},
                      [1.0, 1.0]),
        ]

    # stratified: each kind is in every stream; dy/du and dy/dx always differ (in shape or
    # value), and an affine h with m == n >= 2 tells the chain rule from an element-wise product
    KINDS = ["scalar", "elementwise", "affine_reshape", "affine_square", "drawn"]
    n_hidden = len(KINDS)

    def hidden(self, rng):
        cases = [self._draw(rng, kind) for kind in self.KINDS]
        return [cases[int(i)] for i in rng.permutation(len(cases))]

    def _draw(self, rng, kind):
        if kind == "drawn":
            kind = str(rng.choice(["scalar", "elementwise", "affine_reshape", "affine_square"]))
        for _ in range(50):
            n = 1 if kind == "scalar" else int(rng.integers(2, 5))
            shape = () if kind == "scalar" else (n,)
            if kind.startswith("affine"):
                m = n if kind == "affine_square" else \
                    int(rng.choice([v for v in range(2, 6) if v != n]))
                act = "tanh" if kind == "affine_square" or rng.random() < 0.5 else "id"
                h = {"kind": "affine", "A": np.round(rng.uniform(-0.6, 0.6, (m, n)), 2).tolist(),
                     "b": np.round(rng.uniform(-1, 1, m), 2).tolist(), "act": act}
            else:
                h = {"kind": "expr", "expr": _draw_expr(rng, 1, total=False, mild=True)}
            # g sees u = h(x), which may reach ~10: no exp and small coefficients keep y moderate
            g = _draw_expr(rng, 1, total=shape != () or h["kind"] == "affine", mild=True)
            x = _draw_values(rng, shape)
            if self._separates(g, h, x):
                break
        return self.case(g, h, x)

    def _separates(self, g, h, x) -> bool:
        """dy/du differs from dy/dx, and from dy/du * du/dx when h is not element-wise."""
        du, dx = self.expected(g, h, x)
        if np.max(np.abs(du)) < 0.05 or (
                np.shape(du) == np.shape(dx) and np.allclose(du, dx, atol=0.05)):
            return False
        if h["kind"] == "affine" and np.shape(du) == np.shape(dx):
            A = np.asarray(h["A"])
            u = np.asarray(self._u(h, np.asarray(x, np.float64)))
            local = A.T @ ((1 - u ** 2) if h["act"] == "tanh" else np.ones_like(u))
            return not np.allclose(du * local, dx, atol=0.05)
        return True

    @staticmethod
    def _u(h, x):
        if h["kind"] == "affine":
            pre = np.asarray(h["A"]) @ x + np.asarray(h["b"])
            return np.tanh(pre) if h["act"] == "tanh" else pre
        return _np_value(h["expr"], [x])

    def case(self, g, h, x):
        if h["kind"] == "affine":
            hx = f"{value_text(h['A'])} @ x + {value_text(h['b'])}"
            hx = f"tanh({hx})" if h["act"] == "tanh" else hx
        else:
            hx = _show_expr(h["expr"], ["x"])
        call = f"grad_wrt_intermediate(g, h, tf.Variable({value_text(x)}))"
        label = f"{call} with h(x) = {hx}, g(u) = {_show_expr(g, ['u'])}"
        return super().case(g, h, x, label=label)

    def student_args(self, g, h, x):
        if h["kind"] == "affine":
            h_tf, h_out = affine_tf(h), [len(h["A"])]
        else:
            h_tf, h_out = _tf_function(h["expr"], "h"), "same"
        g_out = [] if g["sum"] else "same"
        return (Oracle(_tf_function(g, "g"), name="g", key="g_calls", out=g_out),
                Oracle(h_tf, name="h", key="h_calls", out=h_out), x)

    def expected(self, g, h, x):
        x = np.asarray(x, np.float64)
        if h["kind"] == "affine":
            A, b = np.asarray(h["A"]), np.asarray(h["b"])
            pre = A @ x + b
            u = np.tanh(pre) if h["act"] == "tanh" else pre
            dy_du = _np_grads(g, [u])[0]
            dy_dx = A.T @ (dy_du * ((1 - u ** 2) if h["act"] == "tanh" else 1.0))
        else:
            u = _np_value(h["expr"], [x])
            dy_du = _np_grads(g, [u])[0]
            dy_dx = dy_du * _np_grads(h["expr"], [x])[0]  # h acts element-wise
        return [dy_du, dy_dx]

    def judge(self, got, want, g, h, x):
        grads, g_calls, h_calls = got["value"], len(got["g_calls"]), len(got["h_calls"])
        if is_error(grads):
            return error_cause(grads)
        if not isinstance(grads, list) or len(grads) != 2:
            return f"returned {show(grads)}; return a list of two gradients [dy/du, dy/dx]"
        du, dx = grads
        if du is None or dx is None:
            return self._none_cause(du, dx, got["h_calls"], got["g_calls"])
        if g_calls != 1 or h_calls != 1:
            return (f"called h {h_calls} and g {g_calls} times; one forward pass is "
                    "enough: u = h(x), y = g(u), then tape.gradient(y, [u, x])")
        if np.shape(want[0]) != np.shape(want[1]) or not np.allclose(want[0], want[1], atol=ATOL):
            if close(du, want[1], atol=ATOL, rtol=RTOL) is None:
                return ("the first gradient is dy/dx; dy/du is the gradient with respect to the "
                        "intermediate u = h(x) (it has u's shape)")
        if h["kind"] == "affine" and close(du, want[0], atol=ATOL, rtol=RTOL) is None:
            u = self._u(h, np.asarray(x, np.float64))
            slope = (1 - u ** 2) if h["act"] == "tanh" else np.ones_like(u)
            local = np.asarray(h["A"]).T @ slope
            product = want[0] * local if np.shape(want[0]) == np.shape(local) else None
            if product is not None and close(dx, product, atol=ATOL, rtol=RTOL) is None:
                return (f"dy/dx: returned {value_text(as_array(dx))}, expected "
                        f"{value_text(want[1])}; that is dy/du times tape.gradient(u, x), entry "
                        "by entry. Here u = h(x) mixes the entries of x, so the chain rule is not "
                        "an entry-by-entry product: ask the tape for dy/dx directly, "
                        "tape.gradient(y, [u, x])")
        for label, gr, w in zip(["dy/du", "dy/dx"], grads, want):
            problem = _compare(gr, w)
            if problem:
                return f"{label}: {problem}"
        return None

    @staticmethod
    def _none_cause(du, dx, h_log, g_log) -> str:
        """Why dy/du or dy/dx is None, as far as the logs of h and g show it; else what to try."""
        which = ("dy/du and dy/dx are None" if du is None and dx is None else
                 "dy/du is None" if du is None else "dy/dx is None")
        if not h_log or not g_log:
            return (f"{which}, and {'h' if not h_log else 'g'} was never called: compute u = h(x) "
                    "and y = g(u) under the tape, then tape.gradient(y, [u, x])")
        if du is None and len(h_log) > 1:
            return (f"{which}: h was called {len(h_log)} times, and each call makes a new tensor; "
                    "the u you asked about is not the u that g received. Keep u = h(x) from "
                    "inside the tape and ask for tape.gradient(y, [u, x]) with that same u")
        if all(c.get("taped") is False for c in g_log):
            return (f"{which}: g ran while no tape was recording, so the tape has no record of y; "
                    "compute y = g(u) inside the tape's `with` block")
        if h_log[0].get("taped") is False:
            if du is not None:
                return ("dy/dx is None: h ran while no tape was recording (u was computed before "
                        "the tape, then watched?), so the tape has no path from y back to x; "
                        "compute u = h(x) inside the `with` block too")
            return (f"{which}: h ran while no tape was recording, so u is a constant the tape "
                    "never watched; compute u = h(x) inside the `with` block, then y = g(u)")
        if du is None and dx is None:
            return (f"{which} although h and g ran under a tape: nothing the tape watched leads "
                    "to y. Check that x is watched when h(x) runs (a tape made with "
                    "watch_accessed_variables=False needs tape.watch(x) first) and that the "
                    "gradient is asked of that tape, for the very u passed to g")
        if du is None:
            return (f"{which} although h and g ran under a tape (dy/dx is not None): ask for the "
                    "gradient with respect to the very tensor u that was passed to g, not a copy "
                    "or a new h(x)")
        return (f"{which} although dy/du is not: the tape has no record linking u back to x. "
                "Check that x is watched when h(x) runs (a tape made with "
                "watch_accessed_variables=False needs tape.watch(x) first) and that u is h(x) "
                "itself, not a copy (.numpy(), tf.constant, tf.stop_gradient)")


# --- 5. predicting None -------------------------------------------------------------------
# A scenario is what happens between making x and calling tape.gradient(y, x), as plain data.
Y_CODES = ["tf.square(x)", "tf.square(x) + 2 * x", "x * x if x > 0 else -x",
           "tf.constant(x.numpy() ** 2)"]
SCENARIO_SPACE = {
    "source": ["constant", "Variable"],
    "dtype": ["float32", "float64", "int32"],
    "trainable": [True, False],
    "rebound": [False, True],
    "watch_accessed_variables": [True, False],
    "watch": ["no", "before", "after"],
    "y": Y_CODES,
    "where": ["tape", "stop_recording", "after_tape"],
}


def scenarios() -> list[dict]:
    """Every scenario predict_none can be asked about (constants are never rebound or frozen)."""
    out = []
    for values in itertools.product(*SCENARIO_SPACE.values()):
        s = dict(zip(SCENARIO_SPACE, values))
        if s["source"] == "constant" and (not s["trainable"] or s["rebound"]):
            continue
        out.append(s)
    return out


def _scenario_parts(s: dict) -> tuple[list[str], str, list, list[str]]:
    """(lines before the tape, the `with` line, the block's statements, lines after the block)."""
    value = "3" if s["dtype"] == "int32" else "3.0"
    dtype = "" if s["dtype"] != "float64" else ", tf.float64"
    if s["source"] == "constant":
        before = [f"x = tf.constant({value}{dtype})"]
    else:
        frozen = "" if s["trainable"] else ", trainable=False"
        dtype = dtype.replace(", ", ", dtype=")  # tf.Variable's second argument is `trainable`
        before = [f"x = tf.Variable({value}{dtype}{frozen})"]
        if s["rebound"]:
            before.append("x = x + 1")
    args = "" if s["watch_accessed_variables"] else "watch_accessed_variables=False"
    y = f"y = {s['y']}"
    block: list = ["tape.watch(x)"] if s["watch"] == "before" else []
    if s["where"] == "tape":
        block.append(y)
    elif s["where"] == "stop_recording":
        block.append(("with tape.stop_recording():", [y]))
    if s["watch"] == "after":
        block.append("tape.watch(x)")
    after = [y] if s["where"] == "after_tape" else []
    return before, f"with tf.GradientTape({args}) as tape:", block or ["pass"], after


def scenario_code(s: dict) -> str:
    """The scenario as the lines of code it stands for, ending with tape.gradient(y, x)."""
    before, with_line, block, after = _scenario_parts(s)

    def indent(stmts: list, depth: int) -> list[str]:
        out = []
        for st in stmts:
            if isinstance(st, tuple):
                out += ["    " * depth + st[0]] + indent(st[1], depth + 1)
            else:
                out.append("    " * depth + st)
        return out

    return "\n".join(before + [with_line] + indent(block, 1) + after + ["tape.gradient(y, x)"])


def scenario_line(s: dict) -> str:
    """The scenario's code on one line, blocks in braces (for check messages)."""
    before, with_line, block, after = _scenario_parts(s)

    def flat(stmts: list) -> str:
        return "; ".join(f"{st[0]} {{{flat(st[1])}}}" if isinstance(st, tuple) else st
                         for st in stmts)

    return "; ".join(before + [f"{with_line} {{{flat(block)}}}"] + after)


def run_scenario(s: dict) -> bool:
    """True if the scenario's tape.gradient(y, x) really is None (runs TensorFlow).

    A second method for predict_none's reference: tests can check `none_reason` against it.
    """
    import logging
    namespace = {"tf": tf}
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)  # int32 sources log a warning
    try:
        exec(compile(scenario_code(s).replace("tape.gradient(y, x)", "grad = tape.gradient(y, x)"),
                     "<scenario>", "exec"), namespace)
    finally:
        logger.setLevel(level)
    return namespace["grad"] is None


def none_reason(s: dict) -> str | None:
    """Why tape.gradient(y, x) is None in scenario s, or None when it gives a gradient."""
    if s["dtype"] == "int32":
        return "x is an int32 tensor, and int tensors never carry gradients"
    if s["where"] == "after_tape":
        return "y is computed after the `with` block, so the tape never recorded it"
    if s["where"] == "stop_recording":
        return "y is computed under tape.stop_recording(), so the tape did not record it"
    plain_variable = s["source"] == "Variable" and not s["rebound"]
    auto = plain_variable and s["trainable"] and s["watch_accessed_variables"]
    watched = s["watch"] == "before" or auto
    if not watched:
        if s["source"] == "constant":
            why = "x is a constant, and a tape watches only trainable Variables by itself"
        elif s["rebound"]:
            why = "`x = x + 1` rebinds x to a plain Tensor, which a tape does not watch by itself"
        elif not s["trainable"]:
            why = "x has trainable=False, so the tape does not watch it by itself"
        else:
            why = ("with watch_accessed_variables=False the tape watches only what tape.watch "
                   "is given")
        if s["watch"] == "after":
            return why + ("; the tape.watch(x) after y comes too late (it affects only later "
                          "operations)")
        return why + "; nothing calls tape.watch(x) before y"
    if "numpy" in s["y"]:
        return "y is made from x.numpy(), a NumPy value the tape cannot see through"
    return None


def gradient_reason(s: dict) -> str:
    """Why tape.gradient(y, x) does give a gradient in scenario s (s has no none_reason)."""
    if s["watch"] == "before":
        what = ("a constant" if s["source"] == "constant" else "a rebound Tensor" if s["rebound"]
                else "a trainable=False Variable" if not s["trainable"] else "x")
        reasons = [f"tape.watch(x) before y makes {what} watched"]
    else:
        reasons = ["a tape watches by itself a trainable Variable that is read inside it"]
    if s["dtype"] == "float64":
        reasons.append("float64 carries gradients like float32")
    if " if " in s["y"]:
        reasons.append("Python control flow is fine: the tape records the branch that ran")
    return "; ".join(reasons)


# The lecture's rules about when tape.gradient(y, x) is None, as switches: none_by_rules(s)
# is the answer; none_by_rules(s, broken=rule) is the answer of someone who gets that one rule
# wrong. predict_none's hidden cases hold, for every rule, a scenario where the two differ.
RULES = {
    "int": "int32 tensors never carry gradients",
    "float64": "float64 carries gradients like float32",
    "after_tape": "only what runs inside the `with` block is recorded",
    "stop_recording": "nothing is recorded under tape.stop_recording()",
    "numpy": "the tape cannot see through .numpy()",
    "control_flow": "Python control flow is recorded as the branch that ran",
    "constant": "a constant is not watched by itself",
    "watch_constant": "tape.watch(x) before y makes a constant watched",
    "watch_after": "tape.watch(x) after y comes too late",
    "auto": "a tape watches a trainable Variable it reads by itself",
    "trainable": "a trainable=False Variable is not watched by itself",
    "watch_frozen": "tape.watch(x) watches a trainable=False Variable",
    "watch_accessed_variables": "watch_accessed_variables=False: only what tape.watch is given",
    "watch_variable": "tape.watch(x) watches a Variable when watch_accessed_variables=False",
    "rebound": "`x = x + 1` rebinds x to a plain Tensor, not watched by itself",
    "watch_rebound": "tape.watch(x) watches the plain Tensor a rebound x is",
}


def none_by_rules(s: dict, broken: str | None = None) -> bool:
    """True if tape.gradient(y, x) is None in scenario s, applying every rule but `broken`."""
    if s["dtype"] == "int32" and broken != "int":
        return True
    if s["dtype"] == "float64" and broken == "float64":
        return True
    if s["where"] == "after_tape" and broken != "after_tape":
        return True
    if s["where"] == "stop_recording" and broken != "stop_recording":
        return True
    if "numpy" in s["y"] and broken != "numpy":
        return True
    if " if " in s["y"] and broken == "control_flow":
        return True
    constant = s["source"] == "constant"
    variable = not constant and (not s["rebound"] or broken == "rebound")
    auto = (variable and (s["trainable"] or broken == "trainable")
            and (s["watch_accessed_variables"] or broken == "watch_accessed_variables")
            and broken != "auto") or (constant and broken == "constant")
    watched = s["watch"] == "before" or (s["watch"] == "after" and broken == "watch_after")
    if watched and constant and broken == "watch_constant":
        watched = False
    if watched and variable and not s["trainable"] and broken == "watch_frozen":
        watched = False
    if watched and variable and not s["watch_accessed_variables"] and broken == "watch_variable":
        watched = False
    if watched and s["rebound"] and broken == "watch_rebound":
        watched = False
    return not (auto or watched)


@functools.lru_cache(maxsize=1)
def _decided_by_rule() -> dict[str, list[dict]]:
    """For every rule, the scenarios it decides: breaking only that rule flips the answer."""
    space = scenarios()
    return {rule: [s for s in space if none_by_rules(s) != none_by_rules(s, broken=rule)]
            for rule in RULES}


class PredictNone(Question):
    """predict_none(scenario) -> True if tape.gradient(y, x) gives None in that scenario."""

    name, unit = "predict_none", UNIT
    summary = "predict whether a tape gives None, over random scenarios of the lecture's rules"
    n_hidden = 18  # one scenario for each of the 16 RULES, and two drawn from all scenarios

    @staticmethod
    def scenario(source="Variable", dtype="float32", trainable=True, rebound=False,
                 watch_accessed_variables=True, watch="no", y="tf.square(x)", where="tape") -> dict:
        return {"source": source, "dtype": dtype, "trainable": trainable, "rebound": rebound,
                "watch_accessed_variables": watch_accessed_variables, "watch": watch, "y": y,
                "where": where}

    def public(self):
        s = self.scenario
        return [self.case(s()),                                                   # seed 001: 6
                self.case(s(dtype="int32")),                                      # seed 001: None
                self.case(s(source="constant", watch="before", y="tf.square(x) + 2 * x")),  # 004
                self.case(s(source="constant", y="tf.square(x) + 2 * x")),  # without watch
                self.case(s(trainable=False)),
                self.case(s(watch_accessed_variables=False)),
                self.case(s(watch_accessed_variables=False, watch="before")),
                self.case(s(where="stop_recording"))]

    def hidden(self, rng):
        # stratified: one scenario per rule of the lecture, drawn among the scenarios that rule
        # decides (where breaking only that rule flips the answer), then two drawn from all of them
        space, decided = scenarios(), _decided_by_rule()
        picks = [decided[rule][int(rng.integers(len(decided[rule])))] for rule in RULES]
        extra = rng.choice(len(space), self.n_hidden - len(picks), replace=False)
        picks += [space[int(i)] for i in extra]
        return [self.case(picks[i]) for i in rng.permutation(len(picks))]

    def case(self, s):
        return super().case(dict(s), label=f"predict_none(...) for `{scenario_line(s)}`")

    def expected(self, s):
        return {"none": none_reason(s) is not None, "why": none_reason(s) or gradient_reason(s)}

    def judge(self, got, want, s):
        if is_error(got):
            return error_cause(got)
        if not isinstance(got, bool):
            return f"returned {show(got)}; return True (the gradient is None) or False"
        if got == want["none"]:
            return None
        if want["none"]:
            return f"returned False, but the gradient is None: {want['why']}"
        return f"returned True, but the tape gives a gradient: {want['why']}"
