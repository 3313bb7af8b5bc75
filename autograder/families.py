"""Random function families shared by several units' questions, as plain data.

The scalar family: f(x) = a sum of terms, applied element-wise. A term is a dict:
{"kind": "pow", "c", "p"}, {"kind": "sin", "c", "w", "phi"}, {"kind": "exp", "c", "r"},
{"kind": "tanh", "c", "w"} or {"kind": "const", "c"}. Questions draw the terms from a seeded
generator, give the student `scalar_tf(terms)` and judge against the float64 closed forms.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np


def num(c: float) -> Any:
    """A coefficient as one would type it: 2 rather than 2.0."""
    c = float(c)
    return int(c) if c.is_integer() else c


def fmt(c: float) -> str:
    return f"{float(c):g}"


def join(parts: list[str]) -> str:
    """Terms of a formula joined with + (and '+ -' read as '-')."""
    return (" + ".join(p for p in parts if p) or "0").replace("+ -", "- ")


def scaled(c: float, body: str) -> str:
    """c*body written as a person would: body, -body or 1.5*body."""
    if c == 1:
        return body
    if c == -1:
        return "-" + body
    return f"{fmt(c)}*{body}"


def scalar_value(terms: list[dict], x: Any) -> np.ndarray:
    """f(x) in float64."""
    x = np.asarray(x, np.float64)
    y = np.zeros_like(x)
    for t in terms:
        k, c = t["kind"], t["c"]
        if k == "pow":
            y = y + c * x ** t["p"]
        elif k == "sin":
            y = y + c * np.sin(t["w"] * x + t["phi"])
        elif k == "exp":
            y = y + c * np.exp(t["r"] * x)
        elif k == "tanh":
            y = y + c * np.tanh(t["w"] * x)
        elif k == "const":
            y = y + c
    return y


def scalar_deriv(terms: list[dict], x: Any) -> np.ndarray:
    """f'(x) in float64, in closed form."""
    x = np.asarray(x, np.float64)
    d = np.zeros_like(x)
    for t in terms:
        k, c = t["kind"], t["c"]
        if k == "pow":
            d = d + c * t["p"] * x ** (t["p"] - 1)
        elif k == "sin":
            d = d + c * t["w"] * np.cos(t["w"] * x + t["phi"])
        elif k == "exp":
            d = d + c * t["r"] * np.exp(t["r"] * x)
        elif k == "tanh":
            d = d + c * t["w"] * (1 - np.tanh(t["w"] * x) ** 2)
    return d


def scalar_text(terms: list[dict], x: str = "x") -> str:
    """The function as a formula, e.g. '1.5*x**2 - 0.8*sin(2*x + 0.3)'."""
    parts = []
    for t in terms:
        k, c = t["kind"], t["c"]
        if k == "pow":
            parts.append(scaled(c, x if t["p"] == 1 else f"{x}**{t['p']}"))
        elif k == "sin":
            inner = scaled(t["w"], x) + (f" + {fmt(t['phi'])}" if t["phi"] else "")
            parts.append(scaled(c, f"sin({inner})".replace("+ -", "- ")))
        elif k == "exp":
            parts.append(scaled(c, f"exp({scaled(t['r'], x)})"))
        elif k == "tanh":
            parts.append(scaled(c, f"tanh({scaled(t['w'], x)})"))
        elif k == "const":
            parts.append(fmt(c))
    return join(parts)


def scalar_tf(terms: list[dict]) -> Callable:
    """The function in TensorFlow, element-wise; Python-number coefficients keep any float dtype."""
    import tensorflow as tf

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
