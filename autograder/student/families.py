"""Random function families in TensorFlow, from the plain terms the grader draws (autograder/families.py).

Built here, on the student side, because some black boxes must stay TensorFlow ops in the
student's process (forward mode cannot see through an oracle); the grader serves the same
functions as oracles everywhere else. Every builder registered with `builder` stamps the function
it makes with its plain `spec` ({"builder": name, "args": [...]}), from which `build` makes it
again: the student kit (autograder/kit.py) stores an oracle's spec in its bank of cases and
serves the black box offline.
"""

from __future__ import annotations

from typing import Any, Callable

import tensorflow as tf

BUILDERS: dict[str, Callable[..., Callable]] = {}


def builder(name: str) -> Callable[[Callable[..., Callable]], Callable[..., Callable]]:
    """Register a maker of TensorFlow functions from plain data; what it makes carries its spec."""
    def register(make: Callable[..., Callable]) -> Callable[..., Callable]:
        def made(*args: Any) -> Callable:
            fn = make(*args)
            fn.spec = {"builder": name, "args": [a.name if isinstance(a, tf.DType) else a for a in args]}
            return fn
        made.__name__, made.__doc__ = make.__name__, make.__doc__
        if name in BUILDERS:
            raise ValueError(f"the builder {name!r} is declared twice")
        BUILDERS[name] = made
        return made
    return register


def build(spec: dict) -> Callable:
    """The function a builder made, again, from its spec (every unit's builders are loaded first)."""
    from . import steps

    steps.load()
    return BUILDERS[spec["builder"]](*spec["args"])


def num(c: float) -> Any:
    """A coefficient as one would type it: 2 rather than 2.0 (so it keeps any float dtype)."""
    c = float(c)
    return int(c) if c.is_integer() else c


@builder("vector")
def vector_tf(terms: list[dict], dtype: Any = None) -> Callable:
    """The vector family's f(x) of a tensor of shape (n,) from its plain terms; weights in
    `dtype` (default: x's dtype, so f computes in whatever float dtype it is given)."""
    fixed = tf.as_dtype(dtype) if dtype is not None else None

    def f(x):
        x = tf.convert_to_tensor(x)
        dt = fixed or x.dtype
        y = tf.constant(0.0, dt)
        for t in terms:
            k = t["kind"]
            if k == "quad":
                y = y + 0.5 * tf.tensordot(x, tf.linalg.matvec(tf.constant(t["A"], dt), x), 1)
            elif k == "diag":
                y = y + 0.5 * tf.reduce_sum(tf.constant(t["d"], dt) * tf.square(x))
            elif k == "lin":
                y = y + tf.tensordot(tf.constant(t["b"], dt), x, 1)
            elif k == "mono":
                term = tf.constant(t["c"], dt)
                for i, p in enumerate(t["p"]):
                    if p:
                        term = term * (x[i] if p == 1 else x[i] ** p)
                y = y + term
            elif k == "lse":
                y = y + tf.constant(t["c"], dt) * tf.reduce_logsumexp(x)
            elif k == "sin":
                y = y + tf.constant(t["c"], dt) * tf.sin(tf.tensordot(tf.constant(t["w"], dt), x, 1) + t.get("phi", 0.0))
            elif k == "exp":
                y = y + tf.constant(t["c"], dt) * tf.exp(tf.tensordot(tf.constant(t["w"], dt), x, 1))
            elif k == "const":
                y = y + tf.constant(t["c"], dt)
        return y

    return f


@builder("scalar")
def scalar_tf(terms: list[dict]) -> Callable:
    """The function in TensorFlow, element-wise; Python-number coefficients keep any float dtype."""
    def f(x):
        y = 0
        for t in terms:
            k, c = t["kind"], num(t["c"])
            if k == "pow":
                y = y + c * x ** t["p"]
            elif k == "sin":
                y = y + c * tf.sin(num(t["w"]) * x + num(t["phi"]))
            elif k == "exp":
                y = y + c * tf.exp(num(t["r"]) * x)
            elif k == "tanh":
                y = y + c * tf.tanh(num(t["w"]) * x)
            elif k == "const":
                y = y + c
        return y

    return f


@builder("scalar_sum")
def scalar_sum_tf(terms: list[dict]) -> Callable:
    """f(v) = sum(g(v)) of the scalar family's g, a scalar loss."""
    g = scalar_tf(terms)

    def f(v):
        return tf.reduce_sum(g(v))

    return f


@builder("scalar_parts")
def scalar_parts_tf(parts: list[list[dict]]) -> Callable:
    """loss(*vs) = sum over the parts of sum(g_i(v_i)), each g_i of the scalar family."""
    gs = [scalar_tf(p) for p in parts]

    def loss(*used):
        return tf.add_n([tf.reduce_sum(g(v)) for g, v in zip(gs, used)])

    return loss


@builder("scalars")
def scalars_tf(terms: list[dict]) -> Callable:
    """The vector family as f(x, y, ...) of scalar tensors, with Python-number coefficients (any dtype)."""

    def f(*xs):
        y = 0
        for t in terms:
            k = t["kind"]
            if k == "mono":
                term = num(t["c"])
                for x, p in zip(xs, t["p"]):
                    if p:
                        term = term * (x if p == 1 else x ** p)
                y = y + term
            elif k in ("sin", "exp"):
                arg = 0
                for x, w in zip(xs, t["w"]):
                    if w:
                        arg = arg + num(w) * x
                y = y + num(t["c"]) * (tf.sin(arg) if k == "sin" else tf.exp(arg))
            elif k == "const":
                y = y + num(t["c"])
        return y

    return f


@builder("tree_loss")
def tree_loss_tf(coefs: dict) -> Callable:
    """sum over leaves p of sum(a p² + b p + c sin p), plus c·(sum of every leaf)², float32 weights."""

    def loss_fn(*leaves):
        total, loss = 0.0, 0.0
        for p, a, b, c in zip(leaves, coefs["A"], coefs["B"], coefs["C"]):
            loss = loss + tf.reduce_sum(tf.constant(a, tf.float32) * tf.square(p)
                                        + tf.constant(b, tf.float32) * p
                                        + tf.constant(c, tf.float32) * tf.sin(p))
            total = total + tf.reduce_sum(p)
        return loss + coefs["c"] * tf.square(total)

    return loss_fn


@builder("expr")
def expr_tf(expr: dict, name: str = "f") -> Callable:
    """An expression of products of (shifted) arguments or their components, through sin/tanh/exp,
    as a TensorFlow function of its arguments (autograder/questions/u02_gradient_tape.py draws them)."""
    fns = {"sin": tf.sin, "tanh": tf.tanh, "exp": tf.exp}

    def f(*xs):
        total: Any = expr["const"]
        for term in expr["terms"]:
            p = None
            for arg, comp, shift in term["factors"]:
                v = xs[arg] if comp is None else xs[arg][comp]
                if shift:
                    v = v + shift
                p = v if p is None else p * v
            if term["fn"] != "id":
                p = fns[term["fn"]](p)
            total = total + term["c"] * p
        return tf.reduce_sum(total) if expr["sum"] else total

    f.__name__ = name
    return f


@builder("expr_pair")
def expr_pair_tf(y: dict, z: dict) -> Callable:
    """v -> (y(v), z(v)) stacked: two expressions evaluated together."""
    fy, fz = expr_tf(y), expr_tf(z)

    def f(v):
        return tf.stack([fy(v), fz(v)])

    return f


@builder("affine")
def affine_tf(h: dict) -> Callable:
    """v -> A v + b, through tanh if h["act"] says so, in v's dtype."""

    def f(v):
        A, b = tf.constant(h["A"], v.dtype), tf.constant(h["b"], v.dtype)
        u = tf.linalg.matvec(A, v) + b
        return tf.tanh(u) if h["act"] == "tanh" else u

    return f


@builder("quad")
def quad_tf(spec: dict) -> Callable:
    """f(x) = ½ xᵀAx + b·x + c as a TensorFlow function of a tensor or Variable, shape (n,)."""

    def f(x):
        if not isinstance(x, (tf.Tensor, tf.Variable)):
            x = tf.convert_to_tensor(x, tf.float32)
        dt = x.dtype
        a, b = tf.constant(spec["A"], dt), tf.constant(spec["b"], dt)
        return (0.5 * tf.tensordot(x, tf.linalg.matvec(a, x), 1) + tf.tensordot(b, x, 1)
                + tf.constant(spec["c"], dt))

    return f
