"""Random function families shared by several units' questions, as plain data.

The scalar family: f(x) = a sum of terms, applied element-wise. A term is a dict:
{"kind": "pow", "c", "p"}, {"kind": "sin", "c", "w", "phi"}, {"kind": "exp", "c", "r"},
{"kind": "tanh", "c", "w"} or {"kind": "const", "c"}. Questions draw the terms from a seeded
generator, serve the student the function in TensorFlow (`autograder/student/families.py`,
`scalar_tf`) and judge against the float64 closed forms here.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .student.families import num
from .student.values import coef_text as fmt


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


# --- the vector family: f(x) = a sum of terms of x, shape (n,) ----------------------------
# A term is a dict: {"kind": "quad", "A"} (½ xᵀAx), {"kind": "diag", "d"} (½ Σ dᵢxᵢ²),
# {"kind": "lin", "b"}, {"kind": "mono", "c", "p"} (c·Πxᵢ^pᵢ), {"kind": "lse", "c"}
# (c·logsumexp(x)), {"kind": "sin", "c", "w", "phi"} (c·sin(w·x + phi), phi optional),
# {"kind": "exp", "c", "w"} (c·exp(w·x)) or {"kind": "const", "c"}. Units 03 and 06 draw from it;
# the same terms in TensorFlow are autograder/student/families.py's vector_tf.
def _lse_p(x: np.ndarray) -> tuple[float, np.ndarray]:
    m = float(np.max(x))
    e = np.exp(x - m)
    return m + math.log(float(e.sum())), e / e.sum()


def _mono_part(c: float, p: list[int], x: np.ndarray, drop: list[int]) -> float:
    """∂/∂x_i ∂/∂x_j ... of c·Πx^p (one index per differentiation), at x."""
    q = np.asarray(p, dtype=np.int64).copy()
    coef = float(c)
    for i in drop:
        coef *= q[i]
        if q[i] == 0:
            return 0.0
        q[i] -= 1
    return coef * float(np.prod(x**q))


def vector_value(terms: list[dict], x: np.ndarray) -> float:
    x = np.asarray(x, np.float64)
    y = 0.0
    for t in terms:
        k = t["kind"]
        if k == "quad":
            y += 0.5 * x @ np.asarray(t["A"], np.float64) @ x
        elif k == "diag":
            y += 0.5 * float(np.asarray(t["d"], np.float64) @ x**2)
        elif k == "lin":
            y += float(np.asarray(t["b"], np.float64) @ x)
        elif k == "mono":
            y += _mono_part(t["c"], t["p"], x, [])
        elif k == "lse":
            y += t["c"] * _lse_p(x)[0]
        elif k == "sin":
            y += t["c"] * math.sin(float(np.asarray(t["w"], np.float64) @ x) + t.get("phi", 0.0))
        elif k == "exp":
            y += t["c"] * math.exp(float(np.asarray(t["w"], np.float64) @ x))
        elif k == "const":
            y += t["c"]
    return float(y)


def vector_grad(terms: list[dict], x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float64)
    g = np.zeros_like(x)
    for t in terms:
        k = t["kind"]
        if k == "quad":
            a = np.asarray(t["A"], np.float64)
            g += 0.5 * (a + a.T) @ x
        elif k == "diag":
            g += np.asarray(t["d"], np.float64) * x
        elif k == "lin":
            g += np.asarray(t["b"], np.float64)
        elif k == "mono":
            g += np.array([_mono_part(t["c"], t["p"], x, [i]) for i in range(len(x))])
        elif k == "lse":
            g += t["c"] * _lse_p(x)[1]
        elif k in ("sin", "exp"):
            w = np.asarray(t["w"], np.float64)
            s = float(w @ x)
            g += t["c"] * (math.cos(s + t.get("phi", 0.0)) if k == "sin" else math.exp(s)) * w
    return g


def vector_hess(terms: list[dict], x: np.ndarray) -> np.ndarray:
    """The dense Hessian (small n only)."""
    x = np.asarray(x, np.float64)
    n = len(x)
    h = np.zeros((n, n))
    for t in terms:
        k = t["kind"]
        if k == "quad":
            a = np.asarray(t["A"], np.float64)
            h += 0.5 * (a + a.T)
        elif k == "diag":
            h += np.diag(np.asarray(t["d"], np.float64))
        elif k == "mono":
            h += np.array(
                [[_mono_part(t["c"], t["p"], x, [i, j]) for j in range(n)] for i in range(n)]
            )
        elif k == "lse":
            p = _lse_p(x)[1]
            h += t["c"] * (np.diag(p) - np.outer(p, p))
        elif k in ("sin", "exp"):
            w = np.asarray(t["w"], np.float64)
            s = float(w @ x)
            h += t["c"] * (-math.sin(s + t.get("phi", 0.0)) if k == "sin" else math.exp(s)) * np.outer(w, w)
    return h


def vector_hvp(terms: list[dict], x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """H(x) v without forming H (except for dense quadratics and monomials, small n only)."""
    x, v = np.asarray(x, np.float64), np.asarray(v, np.float64)
    out = np.zeros_like(x)
    for t in terms:
        k = t["kind"]
        if k == "diag":
            out += np.asarray(t["d"], np.float64) * v
        elif k == "lse":
            p = _lse_p(x)[1]
            out += t["c"] * (p * v - p * float(p @ v))
        elif k in ("sin", "exp"):
            w = np.asarray(t["w"], np.float64)
            s = float(w @ x)
            out += (
                t["c"] * (-math.sin(s + t.get("phi", 0.0)) if k == "sin" else math.exp(s)) * float(w @ v) * w
            )
        elif k in ("quad", "mono"):
            out += vector_hess([t], x) @ v
    return out
