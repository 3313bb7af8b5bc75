"""Random function families in TensorFlow, from the plain terms the grader draws (autograder/families.py).

Built here, on the student side, because some black boxes must stay TensorFlow ops in the
student's process (forward mode cannot see through an oracle); the grader serves the same
functions as oracles everywhere else.
"""

from __future__ import annotations

from typing import Any, Callable

import tensorflow as tf


def num(c: float) -> Any:
    """A coefficient as one would type it: 2 rather than 2.0 (so it keeps any float dtype)."""
    c = float(c)
    return int(c) if c.is_integer() else c


def vector_tf(terms: list[dict], dtype: Any = None) -> Callable:
    """The vector family's f(x) of a tensor of shape (n,) from its plain terms; weights in
    `dtype` (default: x's dtype, so f computes in whatever float dtype it is given)."""
    def f(x):
        x = tf.convert_to_tensor(x)
        dt = dtype or x.dtype
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
