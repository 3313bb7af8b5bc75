"""Unit 09, Under the hood: the graded questions.

The functions handed to students are random expression trees, plain data in nested lists:
a variable is its name (``"x"``), a number is a number, and an operation is a list
``[op, operand, ...]`` with op one of ``+ - * /`` (two operands, a number allowed on either
side), ``**`` (a tree and a number) or ``sin cos exp log`` (one operand), e.g.
``["+", ["*", "x", "x"], 1]`` for x*x + 1. The step (autograder/student/u09_under_the_hood.py)
evaluates a tree by calling the student's operators, in the student's process; `expected`
evaluates the same tree in float64 NumPy with the hand-coded derivative of every operation
(`_walk`), never with TensorFlow. Both list the tree's operations in the
same order (post-order: operands before the operation), so a wrong answer is traced to the
first operation whose result is wrong, and the check names that operation's rule.
"""

from __future__ import annotations

import re

from collections.abc import Callable
from typing import Any

import numpy as np

from ..student.compare import INTERNAL, dtype_name, error_cause
from ..question import Question
from ..student.values import Plain, as_array, coef_text, is_error, number_text, show, value_text

UNIT = "09_under_the_hood"
ATOL, RTOL = 1e-8, 1e-8  # everything is float64 Python arithmetic

UNARY = ("sin", "cos", "exp", "log")
BINARY = ("+", "-", "*", "/")
POWERS = (2, 3, -1, -2, 0.5, 1.5)
FEATURED = ("*", "/", "c-", "c/", "**", "sin", "cos", "exp", "log")  # one per random case, at least

# Rules of each operation, as the lecture writes them.
DUAL_RULE = {
    "+": "(a + bε) + (c + dε) = (a + c) + (b + d)ε",
    "-": "(a + bε) - (c + dε) = (a - c) + (b - d)ε",
    "*": "(a + bε)(c + dε) = ac + (ad + bc)ε",
    "/": "(a + bε)/(c + dε) = a/c + (bc - ad)/c² ε",
    "**": "(a + bε)**p = a**p + p·a**(p-1)·b ε",
    "sin": "sin(a + bε) = sin a + b·cos a ε",
    "cos": "cos(a + bε) = cos a - b·sin a ε",
    "exp": "exp(a + bε) = exp a + b·exp a ε",
    "log": "log(a + bε) = log a + (b/a) ε",
}
LOCAL_RULE = {
    "+": "v = a + b has local derivatives 1 and 1",
    "-": "v = a - b has local derivatives 1 and -1",
    "*": "v = a·b has local derivatives b and a",
    "/": "v = a/b has local derivatives 1/b and -a/b²",
    "**": "v = a**p has local derivative p·a**(p-1)",
    "sin": "v = sin a has local derivative cos a",
    "cos": "v = cos a has local derivative -sin a",
    "exp": "v = exp a has local derivative exp a",
    "log": "v = log a has local derivative 1/a",
}
OPERATOR_ERRORS = [  # (substring of the error, likely cause) beyond compare.KNOWN_ERRORS
    ("unsupported operand type", ("a Python number on the left calls the reflected method of the "
                                  "right operand: define __radd__, __rsub__, __rmul__ and __rtruediv__")),
    ("must be real number", "math.sin and friends want a float: use the .val (or .value) part"),
    ("math domain error", "log of a number <= 0: use the .val (or .value) part, not the object"),
]
METHODS = ("sin", "cos", "exp", "log", "variable", "record", "adjoints", "gradient")
OURS_FOR_INTERNAL = ("failed inside TensorFlow or NumPy, which were handed a value they do not expect "
                     "(a Dual or a Node where a number belongs, or a tensor or an array where a Dual "
                     "or a Node belongs; compute with math on the plain floats in .val, .dot and .value)")


def _cause(err: Plain) -> str:
    """'raised T: message' with its likely cause; an error from inside a library behind our sentence."""
    text = error_cause(err)
    if INTERNAL in text:
        return f"{OURS_FOR_INTERNAL}: {text.replace(f' ({INTERNAL})', '')}"
    message = err["message"]
    if text != (f"raised {err['type']}: {message}" if message else f"raised {err['type']}"):
        return text  # compare.KNOWN_ERRORS named the cause
    number = re.search(r"'(int|float)' object has no attribute '(\w+)'", message)
    if number:
        return (f"{text} (a Python number reached code that reads .{number.group(2)} of a Dual or a "
                "Node: a number c is c + 0ε, so test isinstance(other, (int, float)) and treat it apart)")
    missing = re.search(r"object has no attribute '(\w+)'", message)
    if missing and missing.group(1) in METHODS:
        return f"{text} (define every method the statement lists, here .{missing.group(1)})"
    probe = f"{err['type']}: {message}"
    return next((f"{text} ({cause})" for needle, cause in OPERATOR_ERRORS if needle in probe), text)


# --- expression trees --------------------------------------------------------------------------
def _is_op(t: Any) -> bool:
    return isinstance(t, list)


def _nodes(tree: Any) -> list:
    """The operations of a tree in post-order: operands before the operation that uses them."""
    if not _is_op(tree):
        return []
    if tree[0] == "**":
        return _nodes(tree[1]) + [tree]
    return [n for child in tree[1:] for n in _nodes(child)] + [tree]


def _variables(tree: Any) -> list[str]:
    """The variable names at the leaves of a tree, one per use."""
    if isinstance(tree, str):
        return [tree]
    if not _is_op(tree):
        return []
    children = tree[1:2] if tree[0] == "**" else tree[1:]
    return [v for child in children for v in _variables(child)]


def _prec(t: Any) -> int:
    if _is_op(t):
        return {"+": 1, "-": 1, "*": 2, "/": 2, "**": 4}.get(t[0], 9)
    if isinstance(t, (int, float)) and not isinstance(t, bool) and t < 0:
        return 3
    return 9


def text(t: Any) -> str:
    """A tree as Python would read it (operations group left to right, as evaluated)."""
    if isinstance(t, str):
        return t
    if not _is_op(t):
        return coef_text(t)
    op = t[0]
    if op in UNARY:
        return f"{op}({text(t[1])})"
    if op == "**":
        base = text(t[1]) if _prec(t[1]) > 4 else f"({text(t[1])})"
        return f"{base} ** {coef_text(t[2])}"
    a, b = t[1], t[2]
    left = text(a) if _prec(a) >= _prec(t) or _prec(a) == 3 else f"({text(a)})"
    right = text(b) if _prec(b) > _prec(t) and _prec(b) != 3 else f"({text(b)})"
    return f"{left} {op} {right}"


class _Domain(ValueError):
    """A random tree left the region where the checks are well conditioned."""


def _walk(tree: Any, names: list[str], point: list[float], out: list | None = None,
          strict: bool = False) -> tuple[float, np.ndarray]:
    """(value, gradient over `names`) of a tree in float64, each operation differentiated by hand.

    Appends (value, gradient, operands) for every operation to `out`, in post-order; operands are
    (value, gradient) pairs. With `strict`, raises _Domain near a pole, a log of a small number,
    an overflow or a steep gradient.
    """
    k = len(names)
    if isinstance(tree, str):
        g = np.zeros(k)
        g[names.index(tree)] = 1.0
        return float(point[names.index(tree)]), g
    if not _is_op(tree):
        return float(tree), np.zeros(k)
    op = tree[0]
    a, da = _walk(tree[1], names, point, out, strict)
    operands = [(a, da)]
    if op in BINARY:
        b, db = _walk(tree[2], names, point, out, strict)
        operands.append((b, db))
        if op == "+":
            v, d = a + b, da + db
        elif op == "-":
            v, d = a - b, da - db
        elif op == "*":
            v, d = a * b, da * b + a * db
        else:
            if strict and abs(b) < 0.3:
                raise _Domain
            v, d = a / b, (da * b - a * db) / b ** 2
    elif op == "**":
        p = tree[2]
        if strict and ((float(p) != int(p) and a < 0.2) or (p < 0 and abs(a) < 0.3)):
            raise _Domain
        v, d = a ** p, p * a ** (p - 1) * da
    elif op == "sin":
        v, d = np.sin(a), np.cos(a) * da
    elif op == "cos":
        v, d = np.cos(a), -np.sin(a) * da
    elif op == "exp":
        if strict and a > 3.5:
            raise _Domain
        v, d = np.exp(a), np.exp(a) * da
    else:  # log
        if strict and a < 0.2:
            raise _Domain
        v, d = np.log(a), da / a
    v = float(v)
    if strict and (abs(v) > 60 or np.max(np.abs(d)) > 600):
        raise _Domain
    if out is not None:
        out.append((v, d, operands))
    return v, d


# --- random trees --------------------------------------------------------------------------------
def _random_number(rng: np.random.Generator) -> float:
    if rng.random() < 0.5:
        return int(rng.integers(1, 4))
    return float(np.round(rng.uniform(0.5, 3.0), 1) * rng.choice([-1, 1]))


def _random_op(rng: np.random.Generator, names: list[str], depth: int) -> list:
    """A random operation whose operands are random subtrees of at most `depth - 1` levels."""
    kind = rng.choice(["tree", "tree", "number", "unary", "pow"])

    def sub():
        return _random_tree(rng, names, depth - 1)

    if kind == "tree":
        op, a, b = str(rng.choice(list(BINARY))), sub(), sub()
        if a == b and op in ("-", "/"):  # x - x and x / x are constants: x + x and x * x instead
            op = {"-": "+", "/": "*"}[op]
        return [op, a, b]
    if kind == "number":  # a number on the left is positive: 2 - x, not -2 - x
        op, c = str(rng.choice(list(BINARY))), _random_number(rng)
        return [op, abs(c), sub()] if rng.random() < 0.5 else [op, sub(), c]
    if kind == "unary":
        return [str(rng.choice(UNARY)), sub()]
    return ["**", sub(), POWERS[int(rng.integers(len(POWERS)))]]


def _random_tree(rng: np.random.Generator, names: list[str], depth: int) -> Any:
    if depth <= 0 or rng.random() < 0.3:
        return names[int(rng.integers(len(names)))]
    return _random_op(rng, names, depth)


def _featured_tree(rng: np.random.Generator, names: list[str], kind: str) -> list:
    """A random tree in which operation `kind` acts on a compound operand (not a bare variable)."""
    a = _random_op(rng, names, 2)
    if kind in ("*", "/"):
        b = _random_op(rng, names, 2)
        while b == a:
            b = _random_op(rng, names, 2)
        tree = [kind, a, b]
    elif kind in ("c-", "c/"):
        tree = [kind[1], abs(_random_number(rng)), a]
    elif kind == "**":
        tree = ["**", a, POWERS[int(rng.integers(len(POWERS)))]]
    else:
        tree = [kind, a]
    if rng.random() < 0.5:
        other = _random_tree(rng, names, 1)
        op = str(rng.choice(list(BINARY)))
        tree = [op, tree, other] if rng.random() < 0.5 else [op, other, tree]
    return tree


def _draw(rng: np.random.Generator, names: list[str], kind: str, ok: Callable[[Any], bool],
          point: list[float] | None = None) -> tuple:
    """A featured tree and a point (random, or the one given) where the tree is well conditioned."""
    given = point
    for _ in range(2000):
        tree = _featured_tree(rng, names, kind)
        point = given or [float(v) for v in np.round(rng.uniform(-2, 2, len(names)), 2)]
        if not ok(tree):
            continue
        try:
            _walk(tree, names, point, strict=True)
        except _Domain:
            continue
        return tree, point
    raise RuntimeError("no well-conditioned random tree found")  # pragma: no cover


# --- reading described numbers -------------------------------------------------------------------
def _number(d: Plain) -> float | None:
    """A described scalar (int, float, 0-d array) as a float, or None."""
    if isinstance(d, bool) or d is None:
        return None
    a = as_array(d)
    return float(a) if a is not None and a.shape == () else None


def _numbers(d: Plain) -> list[float] | None:
    """A described list of scalars (or a 1-d array) as floats, or None."""
    if isinstance(d, list):
        xs = [_number(v) for v in d]
        return None if any(x is None for x in xs) else xs
    a = as_array(d)
    return [float(x) for x in a] if a is not None and a.ndim == 1 else None


def _near(g: float, w: float) -> bool:
    return abs(g - w) <= ATOL + RTOL * abs(w)


def _all_near(g: list[float], w: list[float]) -> bool:
    return len(g) == len(w) and all(_near(a, b) for a, b in zip(g, w))


def _n(x: float) -> str:
    """A float of a feedback line, to the 8 digits the 1e-8 tolerance needs (no "-0.0")."""
    return number_text(float(x) + 0.0, 8)


def _vals(xs) -> str:
    return value_text(np.asarray(xs, np.float64) + 0.0, 8)


def _dual_text(v: float, d: float) -> str:
    return f"Dual({_n(v)}, {_n(d)})"


# The seed functions as trees: seed 001's f and seed 004's z.
SEED_F = ["+", ["+", ["*", "x", "x"], ["*", ["*", 2, "y"], "y"]], 1]        # x*x + 2*y*y + 1
SEED_Z = ["+", ["*", ["*", "x", "x"], "y"], ["*", "x", "y"]]                 # x*x*y + x*y


# --- 1. the chain rule on a graph ------------------------------------------------------------------
# Lecture section 2: f = x*x + 2*y*y + 1 at (3, 4), and seed 004's z = x*x*y + x*y at (3, 2).
F_EDGES = [("x", "v1", 3), ("x", "v1", 3), ("y", "v2", 2), ("y", "v3", 8), ("v2", "v3", 4),
           ("v1", "v4", 1), ("v3", "v4", 1), ("v4", "v5", 1)]
Z_EDGES = [("x", "v1", 3), ("x", "v1", 3), ("v1", "v2", 2), ("y", "v2", 9), ("x", "v3", 2),
           ("y", "v3", 3), ("v2", "v4", 1), ("v3", "v4", 1)]


def _graph_derivative(edges: list, source: str, target: str) -> float:
    """d target / d source by forward accumulation in topological order (not by listing paths)."""
    nodes = {n for e in edges for n in e[:2]} | {source, target}
    indegree = {n: 0 for n in nodes}
    for _, b, _ in edges:
        indegree[b] += 1
    order, ready = [], sorted(n for n in nodes if indegree[n] == 0)
    while ready:
        n = ready.pop()
        order.append(n)
        for a, b, _ in edges:
            if a == n:
                indegree[b] -= 1
                if indegree[b] == 0:
                    ready.append(b)
    tangent = {n: 0.0 for n in nodes}
    tangent[source] = 1.0
    for n in order:
        for a, b, d in edges:
            if a == n:
                tangent[b] += tangent[a] * float(d)
    return tangent[target]


def _count_paths(edges: list, source: str, target: str) -> int:
    if source == target:
        return 1
    return sum(_count_paths(edges, b, target) for a, b, _ in edges if a == source)


class DerivativeOnGraph(Question):
    """derivative_on_graph(edges, source, target): the sum over paths of products of local derivatives."""

    name, unit = "derivative_on_graph", UNIT
    summary = "d target / d source on a computational graph given as edges with local derivatives"

    def public(self):
        f, z = f"seed 001: f = {text(SEED_F)} at (3, 4)", f"seed 004: z = {text(SEED_Z)} at (3, 2)"
        return [self.case(F_EDGES, "x", "v5", f), self.case(F_EDGES, "y", "v5", f),
                self.case(F_EDGES, "x", "v3", f), self.case(Z_EDGES, "x", "v4", z),
                self.case(Z_EDGES, "y", "v4", z)]

    # Every student's stream holds each kind: edges shuffled, edges listed from the target back
    # (so an answer that reads them in list order fails), an intermediate target, and a target
    # that no path reaches (0).
    KINDS = ["shuffled", "shuffled", "shuffled", "reversed", "reversed", "middle", "no path", "shuffled"]

    def hidden(self, rng):
        cases = []
        for kind in rng.permutation(self.KINDS):
            n_inputs, n_ops = int(rng.integers(2, 4)), int(rng.integers(4, 9))
            inputs = [f"x{j}" for j in range(n_inputs)]
            source = inputs[int(rng.integers(n_inputs))]
            edges = []

            def local():
                return float(np.round(rng.uniform(0.5, 2.0) * rng.choice([-1, 1]), 1))

            d = local()
            edges += [(source, "v1", d), (source, "v1", d)]  # v1 = source * source: two edges
            for j in range(2, n_ops + 1):  # v_j uses v_{j-1} (a chain to the target) and maybe one more
                edges.append((f"v{j - 1}", f"v{j}", local()))
                if rng.random() < 0.7:
                    earlier = inputs + [f"v{m}" for m in range(1, j)]
                    edges.append((earlier[int(rng.integers(len(earlier)))], f"v{j}", local()))
            target = f"v{n_ops}"
            if kind == "middle":
                target = f"v{int(rng.integers(2, n_ops))}"
            elif kind == "no path":  # w1 = other * other, w2 = w1 + v_k: w2 depends on source, w1 not
                other = next(x for x in inputs if x != source)
                k = int(rng.integers(1, n_ops + 1))
                edges += [(other, "w1", local()), (other, "w1", local()), ("w1", "w2", local()),
                          (f"v{k}", "w2", local())]
                target = "w1"
            if kind == "reversed":  # every edge listed after the edges that use its result
                level = {n: (0 if n in inputs else int(n[1:])) for e in edges for n in e[:2]}
                edges = sorted(edges, key=lambda e: -level[e[1]])
            else:
                edges = [edges[m] for m in rng.permutation(len(edges))]
            cases.append(self.case(edges, source, target))
        return cases

    def case(self, edges, source, target, about=""):
        shown = ", ".join(f"({a!r}, {b!r}, {coef_text(d)})" for a, b, d in edges[:3])
        more = f", ... {len(edges)} edges" if len(edges) > 3 else ""
        label = (f"derivative_on_graph({'edges of ' + about if about else '[' + shown + more + ']'}, "
                 f"{source!r}, {target!r})")
        return super().case([list(e) for e in edges], source, target, label=label)

    def expected(self, edges, source, target):
        return _graph_derivative(edges, source, target)

    def judge(self, got, want, edges, source, target):
        if is_error(got):
            return _cause(got)
        g = _number(got)
        if g is None:
            return f"returned {show(got)}; return one number, d {target} / d {source}"
        if _near(g, want):
            return None
        merged = {(a, b): d for a, b, d in edges}
        pairs = [(a, b) for a, b, _ in edges]
        doubled = sorted({p for p in pairs if pairs.count(p) > 1})
        if doubled and _near(g, _graph_derivative([(a, b, d) for (a, b), d in merged.items()],
                                                  source, target)):
            a, b = doubled[0]
            return (f"returned {_n(g)}, expected {_n(want)}, which is the value when only one of the "
                    f"edges from {a!r} to {b!r} counts: {b} = {a}·{a} has one edge per operand, and "
                    "each is a path of its own; count every triple of `edges`, even when two join "
                    "the same nodes")
        n = _count_paths(edges, source, target)
        if n == 0:
            return (f"returned {_n(g)}, expected 0.0: no path leads from {source!r} to {target!r}, "
                    "so the sum over paths is empty")
        return (f"returned {_n(g)}, expected {_n(want)}: there are {n} paths from {source!r} to "
                f"{target!r} (the edges come in no particular order); multiply the local derivatives "
                "along each path, then add the products of all the paths, even where paths share "
                "nodes")


# --- 2. Dual ---------------------------------------------------------------------------------------
LECTURE_H = ["+", ["+", ["+", ["*", ["exp", ["*", "a", "b"]], ["sin", "c"]], ["*", ["*", "d", "d"], "a"]],
                   ["sin", ["*", ["exp", "d"], "b"]]], 1]                    # the lecture's h(a, b, c, d)
H_POINT = [0.41, -0.69, -1.38, -1.45]
NEW_OPS = ["+", ["-", ["/", ["-", 2, "x"], "y"], ["**", "x", 3]], ["*", ["cos", "x"], ["log", "y"]]]


class DualNumbers(Question):
    """Dual(val, dot): forward mode; operators + - * / and ** a number, methods sin cos exp log."""

    name, unit = "Dual", UNIT
    summary = "dual numbers: every operation carries the tangent, compared at random expressions"
    n_hidden = len(FEATURED)

    def public(self):
        return [self.case(SEED_F, ["x", "y"], [3, 4], [1, 0]),
                self.case(SEED_F, ["x", "y"], [3, 4], [0, 1]),
                self.case(SEED_Z, ["x", "y"], [3, 2], [1, 0]),
                self.case(SEED_Z, ["x", "y"], [3, 2], [1, 1]),
                self.case(["sin", "x"], ["x"], [1, ], [1]),
                self.case(LECTURE_H, ["a", "b", "c", "d"], H_POINT, [1, 0, 0, 0]),
                self.case(NEW_OPS, ["x", "y"], [2, 0.5], [1, 0])]

    def hidden(self, rng):
        cases = []
        for kind in rng.permutation(FEATURED):
            k = int(rng.integers(1, 4))
            names = ["x", "y", "z"][:k]

            def ok(t, k=k):  # four operations at least, on two variables at least (when there are two)
                return len(_nodes(t)) >= 4 and len(set(_variables(t))) >= min(2, k)

            tree, point = _draw(rng, names, str(kind), ok)
            used = sorted({names.index(v) for v in _variables(tree)})
            j = used[int(rng.integers(len(used)))]
            if rng.random() < 0.5:  # a direction e_j along a variable the tree uses, as in the lecture
                dots = [int(i == j) for i in range(k)]
            else:
                dots = [float(v) for v in np.round(rng.uniform(-1.5, 1.5, k), 1)]
                dots[j] = 1.0
            cases.append(self.case(tree, names, point, dots))
        return cases

    def case(self, tree, names, point, dots):
        duals = ", ".join(f"Dual({coef_text(v)}, {coef_text(d)})" for v, d in zip(point, dots))
        return super().case(tree, names, point, dots,
                            label=f"f({duals}) for f({', '.join(names)}) = {text(tree)}")

    def expected(self, tree, names, point, dots):
        steps: list = []
        _walk(tree, names, point, steps)
        t = np.asarray(dots, np.float64)
        return [{"val": v, "dot": float(g @ t), "operands": [(a, float(da @ t)) for a, da in ops]}
                for v, g, ops in steps]

    def judge(self, got, want, tree, names, point, dots):
        for n, v, d, leaf in zip(names, point, dots, got["leaves"]):
            gv, gd = _number(leaf["val"]), _number(leaf["dot"])
            if gv is None or gd is None or not (_near(gv, v) and _near(gd, d)):
                return (f"Dual({coef_text(v)}, {coef_text(d)}) has .val = {show(leaf['val'])} and "
                        f".dot = {show(leaf['dot'])}: store the two numbers as self.val and self.dot")
        if len(got["leaves"]) < len(names):
            return f"Dual({coef_text(point[0])}, {coef_text(dots[0])}) {_cause(got['error'])}"
        nodes = _nodes(tree)
        for i, (node, ref) in enumerate(zip(nodes, want)):
            if i >= len(got["nodes"]):
                return f"computing `{text(node)}` {_cause(got['error'])}"
            g = got["nodes"][i]
            gv, gd = _number(g["val"]), _number(g["dot"])
            if gv is None or gd is None:
                return (f"`{text(node)}` gave a {g['type']} object with no numbers in .val and .dot: "
                        "every operation on a Dual must return a new Dual")
            if not (_near(gv, ref["val"]) and _near(gd, ref["dot"])):
                narrow = [dtype_name(g[k]) for k in ("val", "dot") if dtype_name(g[k]) in ("float32", "float16")]
                if narrow:
                    return (f"`{text(node)}` gave {_dual_text(gv, gd)} held as {narrow[0]} values, expected "
                            f"{_dual_text(ref['val'], ref['dot'])}: {narrow[0]} keeps few digits and the "
                            "checks compare within 1e-8; compute with math on Python floats")
                return self._hint(node, ref, gv, gd)
        return None

    @staticmethod
    def _hint(node: list, ref: dict, gv: float, gd: float) -> str:
        op, v, d = node[0], ref["val"], ref["dot"]
        operands = ref["operands"]
        number_left = op in BINARY and not _is_op(node[1]) and not isinstance(node[1], str)
        shown = " and ".join(coef_text(a) if not _is_op(t) and not isinstance(t, str) else _dual_text(a, da)
                             for (a, da), t in zip(operands, node[1:]))
        head = (f"`{text(node)}` gave {_dual_text(gv, gd)}, expected {_dual_text(v, d)} "
                f"(from {shown})")
        (a, b) = operands[0]
        c, e = operands[1] if len(operands) > 1 else (0.0, 0.0)
        if number_left and op in ("-", "/"):
            swapped = c - a if op == "-" else c / a
            if _near(gv, swapped):
                name = "sub" if op == "-" else "truediv"
                return (f"{head}: `{coef_text(a)} {op} u` calls u.__r{name}__({coef_text(a)}), which "
                        f"must compute {coef_text(a)} {op} u; reusing __{name}__ computes u {op} "
                        f"{coef_text(a)}")
        if not _near(gv, v):
            return f"{head}: the value part is the plain operation on the .val parts"
        numbers = [not _is_op(t) and not isinstance(t, str) for t in node[1:3]]
        if op in ("*", "/") and any(numbers) and _near(gd, e if numbers[0] else b):
            return (f"{head}: the tangent came out unscaled; a number c is the dual number c + 0ε, "
                    f"so {DUAL_RULE[op]} scales the tangent by it too")
        if op == "*":
            if _near(gd, a * e - b * c) or _near(gd, b * c - a * e):
                return f"{head}: a sign error in the product rule, {DUAL_RULE['*']}"
            if any(_near(gd, w) for w in (a * e, b * c, b * e)) or _near(gd, 2 * (a * e + b * c)):
                return f"{head}: the product rule has two terms, each once: {DUAL_RULE['*']}"
        if op == "/" and (_near(gd, (b * c + a * e) / c ** 2) or _near(gd, (b * c - a * e) / c)):
            return f"{head}: the quotient rule is {DUAL_RULE['/']}"
        if op in UNARY or op == "**":
            bare = {"sin": np.cos(a), "cos": -np.sin(a), "exp": np.exp(a),
                    "log": 1 / a if a else np.inf}.get(op)
            if op == "**":
                bare = node[2] * a ** (node[2] - 1)
            if abs(b - 1) > 1e-9 and _near(gd, float(bare)):
                return (f"{head}: the chain rule multiplies the derivative by the incoming tangent b, "
                        f"{DUAL_RULE[op]}")
        return f"{head}: {DUAL_RULE[op]}"


# --- 3. MiniTape -----------------------------------------------------------------------------------
class MiniTapeReverse(Question):
    """MiniTape(): reverse mode; variable(value, name), operators on nodes, gradient(target, sources)."""

    name, unit = "MiniTape", UNIT
    summary = "a recording tape whose one backward sweep gives every partial derivative"

    def public(self):
        return [self.case([SEED_F], ["x", "y"], [3, 4], [["x", "y"]]),
                self.case([SEED_F], ["x", "y"], [3, 4], [["y", "x"]]),
                self.case([SEED_Z], ["x", "y"], [3, 2], [["x", "y"]]),
                self.case([LECTURE_H], ["a", "b", "c", "d"], H_POINT, [["a", "b", "c", "d"]]),
                self.case([SEED_F, SEED_Z], ["x", "y"], [3, 2], [["x", "y"], ["x", "y"]]),
                self.case([NEW_OPS], ["x", "y"], [2, 0.5], [["x", "y"]])]

    # Every student's stream holds: two functions recorded on one tape (a second gradient call
    # must start from fresh adjoints), one function recorded twice and asked for its partials in
    # two opposite orders (the partials follow `sources`, whatever order the sweep meets them in),
    # and a source the function does not use (0.0); every tree uses a variable twice (+=), and the
    # featured operations cover all of FEATURED.
    KINDS = ["two", "twice", "unused", "one", "one", "one", "one", "one"]

    def hidden(self, rng):
        kinds = iter(rng.permutation(FEATURED))
        cases = []
        for kind in rng.permutation(self.KINDS):
            k = int(rng.integers(3, 5)) if kind == "unused" else int(rng.integers(2, 5))
            names = ["x", "y", "z", "w"][:k]

            def ok(t, kind=kind, k=k):  # 4 operations, two variables at least, one used twice
                used = _variables(t)
                return (len(_nodes(t)) >= 4 and len(set(used)) >= 2 and len(used) > len(set(used))
                        and (kind != "unused" or len(set(used)) < k))

            tree, point = _draw(rng, names, str(next(kinds)), ok)
            trees = [tree]
            if kind == "two":
                trees.append(_draw(rng, names, str(next(kinds)), ok, point)[0])
            order = [str(n) for n in rng.permutation(names)]
            if kind == "twice":
                _, g = _walk(tree, names, point)
                for _ in range(20):
                    if not _near(g[names.index(order[0])], g[names.index(order[-1])]):
                        break
                    order = [str(n) for n in rng.permutation(names)]
                cases.append(self.case([tree, tree], names, point, [order, order[::-1]]))
                continue
            orders = [order]
            if kind == "two":
                orders.append([str(n) for n in rng.permutation(names)])
            if kind == "one" and rng.random() < 0.4:
                orders = [order[:int(rng.integers(2, k + 1))]]
            cases.append(self.case(trees, names, point, orders))
        return cases

    def case(self, trees, names, point, orders):
        fs = ["f", "g"][:len(trees)]
        at = ", ".join(f"{n} = {coef_text(v)}" for n, v in zip(names, point))
        defs = " and ".join(f"{f} = {text(t)}" for f, t in zip(fs, trees))
        calls = ", then ".join(f"tape.gradient({f}, [{', '.join(o)}])" for f, o in zip(fs, orders))
        where = "recorded on one tape" if len(trees) > 1 else "recorded"
        return super().case(trees, names, point, orders, label=f"{defs} {where} at {at}; {calls}")

    def expected(self, trees, names, point, orders):
        want: dict = {"values": [], "grads": [], "local": []}
        for tree, order in zip(trees, orders):
            steps: list = []
            _, g = _walk(tree, names, point, steps)
            want["values"].append([v for v, _, _ in steps])
            want["grads"].append([float(g[names.index(n)]) for n in order])
            want["local"].append([[float(x) for x in gi] for _, gi, _ in steps])
        return want

    def judge(self, got, want, trees, names, point, orders):
        fs = ["f", "g"]
        if got["stage"] == "variable":
            return f"MiniTape() or tape.variable(value, name) {_cause(got['error'])}"
        for t, tree in enumerate(trees):
            for node, gv, wv in zip(_nodes(tree), got["values"][t] if t < len(got["values"]) else [],
                                    want["values"][t]):
                g = _number(gv)
                if g is None:
                    return (f"recording `{text(node)}` gave a node whose .value is {show(gv)}: every "
                            "operation returns a new node holding its float value in .value")
                if not _near(g, wv):
                    return (f"recording `{text(node)}` gave a node with .value {_n(g)}, expected "
                            f"{_n(wv)}: a node's value is the plain operation on its operands' values")
            if got["stage"] == "record" and got["target"] == t:
                node = _nodes(tree)[got["at"]]
                return f"recording `{text(node)}` {_cause(got['error'])}"
        for t, (tree, order) in enumerate(zip(trees, orders)):
            call = f"tape.gradient({fs[t]}, [{', '.join(order)}])"
            if got["stage"] == "gradient" and got["target"] == t:
                return f"{call} {_cause(got['error'])}"
            g, w = _numbers(got["grads"][t]), want["grads"][t]
            if g is None:
                return f"{call} returned {show(got['grads'][t])}; return a list of numbers, one per source"
            if len(g) != len(w):
                return (f"{call} returned {len(g)} numbers for {len(w)} sources: one partial per source, "
                        "0.0 for a source the target does not use")
            if _all_near(g, w):
                continue
            if _all_near(sorted(g), sorted(w)):
                return (f"{call} returned {_vals(g)}, expected {_vals(w)}: the right partials in another "
                        "order; they must come in the order of `sources`")
            problem = self._local_problem(tree, names, point, got["local"][t], want["local"][t])
            if problem:
                return problem
            if t > 0 and _all_near(_numbers(got["grads"][0]) or [], want["grads"][0]):
                return (f"the second gradient call on the same tape, {call}, returned {_vals(g)}, "
                        f"expected {_vals(w)} (the first call was right): adjoints left over from "
                        "the first sweep; start every sweep from fresh adjoints (a new dict)")
            return f"{call} returned {_vals(g)}, expected {_vals(w)}"
        for t, ((before, after), order) in enumerate(zip(got["sweeps"], orders)):
            call = f"tape.gradient({fs[t]}, [{', '.join(order)}])"
            b, a = _number(before), _number(after)
            if b is None or a is None:
                return (f"tape.sweeps is {show(before)} before {call}: the statement's MiniTape counts "
                        "its backward sweeps in tape.sweeps (adjoints adds 1)")
            if a - b != 1:
                return (f"{call} ran {coef_text(a - b)} backward sweeps for {len(order)} sources: one sweep from "
                        f"the target gives every partial at once; call adjoints once and read each "
                        "source's adjoint")
        return None

    @staticmethod
    def _local_problem(tree: list, names: list[str], point: list[float], got_local: list,
                       want_local: list) -> str | None:
        """The first operation whose own gradient (on a fresh tape) is wrong, with its likely cause."""
        nodes = _nodes(tree)
        wrong, first = set(), []
        for i, (node, g, w) in enumerate(zip(nodes, got_local, want_local)):
            if is_error(g):
                return f"tape.gradient(`{text(node)}`, [{', '.join(names)}]) {_cause(g)}"
            xs = _numbers(g)
            if xs is not None and len(xs) != len(w):
                return (f"tape.gradient(`{text(node)}`, [{', '.join(names)}]) returned {len(xs)} numbers "
                        f"for {len(w)} sources: one partial per source, in the order of `sources`, "
                        "and 0.0 for a source the target does not use")
            if xs is not None and _all_near(xs, w):
                continue
            wrong.add(id(node))
            if not any(id(c) in wrong for c in node[1:] if _is_op(c)):
                first.append((node, xs, w))
        if not first:
            return None

        def shared(node):
            children = node[1:2] if node[0] == "**" else node[1:]
            uses = [set(_variables(c)) for c in children]
            return len(uses) == 2 and bool(uses[0] & uses[1])

        node, xs, w = next((f for f in first if not shared(f[0])), first[0])
        head = (f"the partials of `{text(node)}` over [{', '.join(names)}] came out "
                f"{show(xs) if xs is None else _vals(xs)}, expected {_vals(w)}")
        if xs is not None and len(_nodes(node)) > 1:  # which wrong sweep gives exactly these numbers?
            records = _records(node, names, point)
            overwrites = _all_near(xs, _sweep(records, names, backwards=True, add=False))
            forwards = _all_near(xs, _sweep(records, names, backwards=False, add=True))
            if overwrites and not forwards:
                return (f"{head}, the numbers a sweep gives that sets adjoints with = : a node used "
                        "several times collects one contribution per use; accumulate with +=")
            if forwards and not overwrites:
                return (f"{head}, the numbers a sweep gives that walks the records first to last: "
                        "walk them backwards (reversed), so that a node's adjoint is complete before "
                        "it is passed on to its inputs")
            if forwards and overwrites:
                return (f"{head}: walk the records backwards (reversed) and add each contribution "
                        "with += (a node used several times collects one per use)")
        if shared(node):
            both = sorted(set(_variables(node[1])) & set(_variables(node[2])), key=names.index)
            return (f"{head}: {both[0]} is used in both operands, and each use adds its own "
                    "contribution to its adjoint (+=)")
        op = node[0]
        number_left = op in ("-", "/") and not _is_op(node[1]) and not isinstance(node[1], str)
        if number_left:
            rule = ("v = c - a has local derivative -1" if op == "-"
                    else "v = c/a has local derivative -c/a²")
            return f"{head}: {rule} (a number on the left calls __rsub__ / __rtruediv__)"
        return f"{head}: {LOCAL_RULE[op]}"


def _records(tree: Any, names: list[str], point: list[float]) -> list[list[tuple]]:
    """The records a right MiniTape makes for a tree: per operation, [(input, local derivative)],
    an input being a variable's name or the index of an earlier record; numbers get no entry."""
    records: list[list[tuple]] = []

    def go(t: Any) -> tuple:
        if isinstance(t, str):
            return t, float(point[names.index(t)])
        if not _is_op(t):
            return None, float(t)
        op = t[0]
        ka, a = go(t[1])
        if op == "**":
            p = t[2]
            v, ins = a ** p, [(ka, p * a ** (p - 1))]
        elif op in UNARY:
            if op == "sin":
                v, local = np.sin(a), np.cos(a)
            elif op == "cos":
                v, local = np.cos(a), -np.sin(a)
            elif op == "exp":
                v, local = np.exp(a), np.exp(a)
            else:
                v, local = np.log(a), 1 / a
            ins = [(ka, local)]
        else:
            kb, b = go(t[2])
            if op == "/":
                v, la, lb = a / b, 1 / b, -a / b ** 2
            else:
                v, la, lb = {"+": (a + b, 1.0, 1.0), "-": (a - b, 1.0, -1.0), "*": (a * b, b, a)}[op]
            ins = [(ka, la), (kb, lb)]
        records.append([(k, float(d)) for k, d in ins if k is not None])
        return len(records) - 1, float(v)

    go(tree)
    return records


def _sweep(records: list[list[tuple]], names: list[str], backwards: bool, add: bool) -> list[float]:
    """The partials over `names` from one sweep of `records`: right (backwards, +=) or a wrong variant."""
    adjoint: dict = {len(records) - 1: 1.0}
    for i in (reversed(range(len(records))) if backwards else range(len(records))):
        for key, local in records[i]:
            contribution = adjoint.get(i, 0.0) * local
            adjoint[key] = adjoint.get(key, 0.0) + contribution if add else contribution
    return [float(adjoint.get(n, 0.0)) for n in names]


# --- 4. passes_needed --------------------------------------------------------------------------------
class PassesNeeded(Question):
    """passes_needed(n, m, mode): passes for the m x n Jacobian of f: R^n -> R^m, forward or reverse."""

    name, unit = "passes_needed", UNIT
    summary = "forward mode needs n forward evaluations (columns), reverse mode m sweeps (rows)"

    def public(self):
        return [self.case(2, 1, "forward"), self.case(2, 1, "reverse"), self.case(12, 1, "forward"),
                self.case(12, 1, "reverse"), self.case(2, 6, "forward"), self.case(2, 6, "reverse"),
                self.case(6, 2, "forward"), self.case(6, 2, "reverse")]

    # Each mode with a wide (n > m) and a tall (n < m) Jacobian for every student, then random ones.
    def hidden(self, rng):
        plan = [("forward", True), ("forward", False), ("reverse", True), ("reverse", False)]
        plan += [(str(rng.choice(["forward", "reverse"])), bool(rng.random() < 0.5)) for _ in range(4)]
        cases = []
        for i in rng.permutation(len(plan)):
            mode, wide = plan[i]
            while True:
                n, m = (int(np.round(10 ** rng.uniform(0, 6))) for _ in range(2))
                if n != m and m > 1 and (n > m) == wide:
                    break
            cases.append(self.case(n, m, mode))
        return cases

    def expected(self, n, m, mode):
        return n if mode == "forward" else m

    def judge(self, got, want, n, m, mode):
        if is_error(got):
            return _cause(got)
        g = _number(got)
        if g is None:
            return f"returned {show(got)}; return the number of evaluations or sweeps, an int"
        if g == want:
            return None
        shape = f"the {m} x {n} Jacobian"
        if mode == "reverse" and g == m + 1:
            return (f"returned {coef_text(g)}, expected {want}: one sweep per row of {shape}, m = {m}; "
                    "the one recorded evaluation is not counted")
        if mode == "forward" and g == m:
            return (f"returned {coef_text(g)}, expected {want}: a forward evaluation with tangent e_j gives one column "
                    f"of {shape} (every output along input j), so it takes one evaluation per input, n = {n}")
        if mode == "reverse" and g == n:
            return (f"returned {coef_text(g)}, expected {want}: a backward sweep from output i gives one row of "
                    f"{shape} (output i against every input), so it takes one sweep per output, m = {m}")
        if mode == "reverse" and g == 1:
            return (f"returned 1, expected {want}: one sweep gives the gradient of one scalar output, "
                    f"one row; {shape} has m = {m} rows, one sweep each")
        return f"returned {coef_text(g)}, expected {want}: forward mode needs n evaluations, reverse mode m sweeps"
