"""Unit 07, Updating parameters: the graded questions.

Update steps work in place, and their state is explicit: the step (autograder/student/
u07_updating_parameters.py) creates the float32 parameter Variables and, for momentum and Adam,
one zero-initialised state Variable per parameter (Keras's m, and m and v), calls the student's
step k times with a random gradient sequence, and reports the values held by the *original*
objects after every call and whether the caller's lists still hold them (object identity is what
"in place" means; the student's process reports it, and it only ever names a mistake). `expected`
replays Keras 3's update rules (keras/src/optimizers/sgd.py and adam.py, facts.md §1) in float64
NumPy; Keras itself never runs here. The process is judged, not only the end point: a wrong
trajectory is reported at the first step where it leaves Keras's.

`gd_minimize`'s f is a random quadratic ½xᵀAx + b·x + c given as plain data, served to the
student as an oracle (autograder.student.oracles) whose evaluations the grader logs under "calls"; the
reference iterates x ← x − lr(Ax + b) in NumPy, and the logged evaluation points are compared with
that path (how many steps, which step left it). `clip_global_norm` runs with
`tf.clip_by_global_norm` and `tf.linalg.global_norm` switched off (probes.switched_off).

Every hidden stream is stratified: it is built from a fixed list of case kinds, each drawn with
random values, so that every student's cases separate every fixture in samples/wrong/07_*.py
from the reference (benchmarks/separation.py measures it).

Generic helpers defined here rather than in compare.py: `_flat` (a list of arrays as one
described vector, so `close` and its hints can judge several Variables at once) and `_held`
(close's sentence, reworded for values held by Variables rather than returned).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from ..student.compare import close, error_cause
from ..student.families import quad_tf as _quad_tf
from ..student.oracles import Oracle
from ..question import Question
from ..student.values import as_array, coef_text, is_error, number_text, show, value_text

UNIT = "07_updating_parameters"
ATOL, RTOL = 1e-4, 1e-4   # float32 work on values O(1-100)
ADAM_ATOL = 1e-5          # Adam's parameters stay within ±3, where 30 float32 steps err by < 4e-6
ADAM_SEPARATION = 2e-4    # every hidden case puts the textbook Adam (and others) this far away


def _f32(a: Any) -> np.ndarray:
    """A float64 array holding exactly the float32 values the checks will pass to TensorFlow."""
    return np.asarray(a, np.float64).astype(np.float32).astype(np.float64)


def _flat(arrays: list) -> dict:
    """Several arrays as one described float64 vector."""
    parts = [np.asarray(a, np.float64).reshape(-1) for a in arrays]
    v = np.concatenate(parts) if parts else np.zeros(0)
    return {"kind": "ndarray", "dtype": "float64", "shape": list(v.shape), "value": v}


def _held(problem: str | None, what: str, verb: str = "hold") -> str | None:
    """close()'s sentence about a returned value, said of the values `what` holds."""
    if problem and problem.startswith("returned "):
        return f"{what} {verb} " + problem[len("returned "):]
    return problem


def _start_text(w0: list) -> str:
    """The starting parameters of an optimizer case, for its label."""
    if all(np.size(w) <= 3 for w in w0):
        return "variables = [" + ", ".join(value_text(w) for w in w0) + "]"
    return "variables of shapes " + _shapes_text(w0)


def _shapes_text(arrays: list) -> str:
    return ", ".join(str(tuple(np.shape(a))) for a in arrays)


def _replaced(same: list[bool], name: str) -> str | None:
    """The sentence for a caller's list whose entries are no longer the objects passed in."""
    lost = [i for i, s in enumerate(same) if not s]
    if not lost:
        return None
    return (f"{name}[{lost[0]}] is no longer the Variable that was passed in: `{name}[i] = ...` "
            f"puts a new Tensor in the list and leaves the Variable unchanged; update it in place "
            f"with {name}[i].assign(...) / assign_sub(...)")


def _random_shapes(rng: np.random.Generator, k: int) -> list[tuple]:
    pool = [(), (2,), (3,), (2, 2), (2, 3), (4,)]
    return [pool[int(i)] for i in rng.integers(0, len(pool), size=k)]


def _first_wrong_step(steps: list, reference: list, atol: float, rtol: float) -> int | None:
    """The first call (1-based) after which the Variables left the reference trajectory, or None."""
    for t, (got, want) in enumerate(zip(steps, reference), start=1):
        g = as_array(got)
        if g is None or g.shape != want.shape or not np.allclose(g, want, atol=atol, rtol=rtol):
            return t
    return None


def _stepped(problem: str | None, t: int | None, k: int, what: str, carried: str) -> str | None:
    """close()'s sentence about the values held after k calls, with where the trajectory left the
    reference (evidence: the values held after every call)."""
    if not problem:
        return None
    body = problem[len("returned "):] if problem.startswith("returned ") else None
    if t is None or k == 1:
        where = ""
    elif t == 1:
        where = "the first step already differs from Keras's; "
    else:
        first = f"the first {t - 1} steps match" if t > 2 else "the first step matches"
        where = (f"{first} Keras's and step {t} of "
                 f"{k} does not (look at what carries over from one call to the next: {carried}); ")
    return f"{where}after {k} step{'s' if k > 1 else ''} {what} hold {body}" if body else where + problem


# --- 1. sgd_step ---------------------------------------------------------------------------
def _sgd(w0: list, grads: list, lr: float, sign: float = 1.0) -> list[np.ndarray]:
    """One SGD step (sign=-1: uphill) in float64; None gradients skipped."""
    return [np.asarray(w, np.float64) - (0.0 if g is None else sign * lr * np.asarray(g, np.float64))
            for w, g in zip(w0, grads)]


SGD_KINDS = ("none_inside", "all_present", "none_last", "mixed_shapes", "large_lr", "small_lr")


class SgdStep(Question):
    """sgd_step(variables, grads, lr): w ← w − lr·g in place; None gradients are skipped."""

    name, unit = "sgd_step", UNIT
    summary = "one SGD step in place on a list of Variables, skipping None gradients"

    def public(self):
        return [self.case([1.0, 1.0], [8.0, 6.0], 0.01,
                          note="the seed post's step: x1 = 0.92, x2 = 0.94"),
                self.case([[1.0, 1.0], 0.5], [[8.0, 8.0], None], 0.1,
                          note="the lecture's unused Variable: w = [0.2, 0.2], unused stays 0.5")]

    def hidden(self, rng):
        """One case per kind: a None gradient first or in the middle (later Variables must still
        move), none, one last; scalars with matrices; a large and a small learning rate."""
        cases = []
        for kind in SGD_KINDS:
            k = int(rng.integers(3, 5)) if kind == "none_inside" else int(rng.integers(2, 5))
            shapes = ([(), (2, 3)] + _random_shapes(rng, k - 2)) if kind == "mixed_shapes" \
                else _random_shapes(rng, k)
            order = rng.permutation(k)
            shapes = [shapes[int(i)] for i in order]
            w0 = [_f32(np.round(rng.uniform(-3, 3, size=s), 3)) for s in shapes]
            grads: list = [_f32(np.round(rng.normal(size=s) * rng.uniform(0.5, 10), 3) + 0.01)
                           for s in shapes]
            if kind == "none_inside":
                grads[int(rng.integers(0, k - 1))] = None
            elif kind == "none_last":
                grads[-1] = None
            lr = float(np.round(10 ** {"large_lr": rng.uniform(-1, -0.3),
                                       "small_lr": rng.uniform(-2.5, -1.5)}.get(kind, rng.uniform(-2, -0.5)),
                                4))
            cases.append(self.case(w0, grads, lr))
        return cases

    def case(self, w0, grads, lr, note=""):
        ws = ", ".join(f"tf.Variable({value_text(w)})" for w in w0)
        gs = ", ".join("None" if g is None else value_text(g) for g in grads)
        return super().case(w0, grads, lr, label=f"sgd_step([{ws}], [{gs}], lr={number_text(lr)})"
                                                  + (f" ({note})" if note else ""))

    def expected(self, w0, grads, lr):
        return _sgd(w0, grads, lr)

    def judge(self, got, want, w0, grads, lr):
        if is_error(got):
            if any(g is None for g in grads) and "None" in got["message"]:
                return (f"{error_cause(got)}: a gradient is None (its Variable played no part in the "
                        "loss); skip it with `if g is None: continue`")
            return error_cause(got)
        values = [as_array(v) for v in got["values"]]
        start = [np.asarray(w, np.float64) for w in w0]
        replaced = _replaced(got["same"], "variables")
        if replaced:
            return replaced
        if all(np.allclose(v, s, atol=1e-7) for v, s in zip(values, start)):
            if grads[0] is None:
                return ("every Variable kept its old value, although only grads[0] is None: a None "
                        "gradient skips only its own Variable (`continue`, not `break` or `return`), "
                        "and the others are updated in place with w.assign_sub(lr * g)")
            return ("the Variables still hold their old values: update them in place with "
                    "w.assign_sub(lr * g) (`w = w - lr * g` only rebinds a local name to a new Tensor)")

        def known(g, _):
            if np.allclose(g, _flat(_sgd(w0, grads, lr, -1.0))["value"], atol=ATOL, rtol=RTOL):
                return "the step went uphill: subtract lr * g"
            if np.allclose(g, _flat(_sgd(w0, grads, lr * lr))["value"], atol=ATOL, rtol=RTOL):
                return f"that is a step of lr² · g (lr = {number_text(lr)} applied twice): subtract lr * g once"
            for i, gr in enumerate(grads):
                if gr is None and not np.allclose(values[i], start[i], atol=1e-7):
                    return (f"variables[{i}] has a None gradient and must stay unchanged, "
                            "but it was changed")
            unchanged = [i for i, gr in enumerate(grads)
                         if gr is not None and np.allclose(values[i], start[i], atol=1e-7)]
            moved = [i for i, gr in enumerate(grads)
                     if gr is not None and np.allclose(values[i], want[i], atol=ATOL, rtol=RTOL)]
            if unchanged and len(moved) + len(unchanged) == sum(gr is not None for gr in grads):
                after_none = any(grads[j] is None for j in range(unchanged[0]))
                return (f"variables[{unchanged[0]}] has a gradient but kept its old value"
                        + (": a None gradient earlier in the list must skip only its own Variable "
                           "(`continue`, not `break` or `return`)" if after_none else
                           ": every Variable whose gradient is not None takes a step"))
            return None

        return _held(close(_flat(values), _flat(want), atol=ATOL, rtol=RTOL, hints=[known]),
                     "the Variables")


# --- 2. momentum_step ----------------------------------------------------------------------
def _momentum(w0: list, G: list, lr: float, mu: float, variant: str = "keras") -> tuple[list, list, list]:
    """Keras 3 SGD(momentum=mu): m ← mu·m − lr·g; w ← w + m. (w, m, flat w after every step).

    Other variants are the known mistakes, named as in MOMENTUM_MISTAKES."""
    w = [np.asarray(a, np.float64).copy() for a in w0]
    m = [np.zeros_like(a) for a in w]
    path = []
    for gs in G:
        for i, g in enumerate(gs):
            g = np.asarray(g, np.float64)
            if variant == "uphill":
                m[i] = mu * m[i] + lr * g
            elif variant == "no_momentum":
                m[i] = -lr * g
            elif variant == "mu_one":
                m[i] = m[i] - lr * g
            elif variant == "w_before_m":
                w[i] = w[i] + m[i]
                m[i] = mu * m[i] - lr * g
                continue
            elif variant == "running_average":
                m[i] = mu * m[i] + (1 - mu) * g
                w[i] = w[i] - lr * m[i]
                continue
            else:
                m[i] = mu * m[i] - lr * g
            w[i] = w[i] + (lr * m[i] if variant == "lr_twice" else m[i])
        path.append(_flat(w)["value"])
    return w, m, path


MOMENTUM_MISTAKES = {
    "uphill": ("that is a walk uphill, the mirror image of the right one: a sign is wrong; "
               "Keras does m = mu*m - lr*g, then w = w + m"),
    "no_momentum": "that is plain SGD: mu * m is missing from the velocity update",
    "mu_one": "the velocity was not multiplied by mu: Keras does m = mu*m - lr*g",
    "lr_twice": ("the learning rate is applied twice: m = mu*m - lr*g already holds lr, so the "
                 "step is w = w + m, not w + lr*m"),
    "w_before_m": ("w moved along the previous step's velocity: update m first "
                   "(m = mu*m - lr*g), then w = w + m with the new m"),
    "running_average": ("that is a running average m = mu*m + (1-mu)*g, as in Adam; Keras's "
                        "momentum is m = mu*m - lr*g, then w = w + m"),
}


def _gradient_sequence(rng: np.random.Generator, shapes: list, k: int, scale: float) -> list:
    """k steps of gradients, noise around a fixed mean so that the parameters drift."""
    mean = [rng.normal(size=s) * 0.7 for s in shapes]
    return [[_f32((mu + rng.normal(size=s)) * scale) for mu, s in zip(mean, shapes)]
            for _ in range(k)]


def _lecture_gradients() -> list:
    """The lecture's G: np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)."""
    g = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32).astype(np.float64)
    return [[row] for row in g]


MOMENTUM_KINDS = ("one_vector", "mixed_shapes", "high_mu", "low_mu", "large_lr", "short")


class MomentumStep(Question):
    """momentum_step(variables, grads, velocities, lr, mu): one Keras momentum step, in place."""

    name, unit = "momentum_step", UNIT
    summary = "Keras's momentum step m ← μm − ηg, w ← w + m, state held in Variables"

    def public(self):
        return [self.case([1.0, 1.0], [[8.0, 6.0]] * 2, 0.01, 0.9,
                          note="the seed post's gradients twice: x1 = 0.92, then 0.768"),
                self.case([np.array([1.0, 2.0, 3.0])], _lecture_gradients(), 0.1, 0.9,
                          note="the lecture's 20 gradients G: w = [1.1687, 2.2075, 1.5807]")]

    def hidden(self, rng):
        """One case per kind: one vector; a scalar with a matrix; mu near 0.95 and near 0.5; a
        larger learning rate; a short sequence. Each at least 8 calls in a row."""
        cases = []
        for kind in MOMENTUM_KINDS:
            k_params = 1 if kind == "one_vector" else int(rng.integers(2, 4))
            shapes = [(int(rng.integers(2, 5)),)] if kind == "one_vector" else _random_shapes(rng, k_params)
            if kind == "mixed_shapes":
                shapes = [(), (2, 3)] + shapes[2:]
            k = int(rng.integers(5, 9)) if kind == "short" else int(rng.integers(10, 21))
            w0 = [_f32(np.round(rng.uniform(-2, 2, size=s), 3)) for s in shapes]
            G = _gradient_sequence(rng, shapes, k, float(rng.uniform(0.5, 2.0)))
            lr = float(np.round(rng.uniform(0.08, 0.15) if kind == "large_lr" else rng.uniform(0.01, 0.08), 3))
            mu = float(np.round({"high_mu": rng.uniform(0.9, 0.97),
                                 "low_mu": rng.uniform(0.4, 0.6)}.get(kind, rng.uniform(0.6, 0.9)), 2))
            cases.append(self.case(w0, G, lr, mu))
        return cases

    def case(self, w0, G, lr, mu, note=""):
        return super().case(w0, G, lr, mu, label=(
            f"{len(G)} × momentum_step(variables, grads, velocities, lr={number_text(lr)}, "
            f"mu={number_text(mu)}) from {_start_text(w0)}, " + (note if note else "random gradients")))

    def expected(self, w0, G, lr, mu):
        w, m, path = _momentum(w0, G, lr, mu)
        return {"w": w, "m": m, "path": path}

    def judge(self, got, want, w0, G, lr, mu):
        if is_error(got):
            return error_cause(got)
        problem = _replaced(got["same_w"], "variables") or _replaced(got["same_m"], "velocities")
        if problem:
            return problem
        w, m = [as_array(v) for v in got["w"]], [as_array(v) for v in got["m"]]
        k = len(G)

        def known(g, _):
            for variant, why in MOMENTUM_MISTAKES.items():
                if np.allclose(g, _flat(_momentum(w0, G, lr, mu, variant)[0])["value"], atol=ATOL, rtol=RTOL):
                    if variant == "no_momentum" and all(np.allclose(a, 0, atol=1e-12) for a in m):
                        return ("that is plain SGD: the velocities stayed zero, so each step forgot the "
                                "last; store m with velocities[i].assign(...)")
                    return why
            return None

        t = _first_wrong_step(got["w_steps"], want["path"], ATOL, RTOL)
        problem = _stepped(close(_flat(w), _flat(want["w"]), atol=ATOL, rtol=RTOL, hints=[known]),
                           t, k, "the Variables", "the velocities")
        if problem:
            return problem

        def textbook(g, wm):
            if np.allclose(g, -wm / lr, atol=ATOL, rtol=RTOL):
                return ("they hold the textbook velocity v = mu*v + g, which is -m/lr; store Keras's "
                        "m = mu*m - lr*g (the same steps, a different state)")
            return None

        return _held(close(_flat(m), _flat(want["m"]), atol=ATOL, rtol=RTOL, hints=[textbook]),
                     f"the parameters are right but after {k} steps the velocities")


# --- 3. adam_step --------------------------------------------------------------------------
ADAM_VARIANTS = {
    "textbook": ("that is the textbook Adam, m̂/(√v̂ + ε): Keras 3 puts ε after the bias "
                 "correction, w -= alpha_t * m / (sqrt(v) + epsilon) with "
                 "alpha_t = lr*sqrt(1-beta_2**t)/(1-beta_1**t)"),
    "inside": ("ε is inside the square root: Keras 3 divides by sqrt(v) + epsilon, with the bias "
               "correction in alpha_t = lr*sqrt(1-beta_2**t)/(1-beta_1**t)"),
    "uncorrected": ("the bias correction is missing: the step size is alpha_t = "
                    "lr*sqrt(1-beta_2**t)/(1-beta_1**t), not lr"),
    "t_plus_one": "the step number is off by one: the first call has t = 1, use t as given",
    "lr_twice": ("the learning rate is applied twice: alpha_t = lr*sqrt(1-beta_2**t)/(1-beta_1**t) "
                 "already contains lr"),
    "state_rebound": ("ms and vs were not updated in place, so every step restarts the averages "
                      "from zero: store them with ms[i].assign(...) and vs[i].assign(...)"),
    "no_epsilon_arg": "epsilon was not taken from the argument (the checks pass epsilon=...)",
    "default_betas": ("beta_1 and beta_2 were not taken from the arguments (the checks pass other "
                      "values than Keras's defaults 0.9 and 0.999)"),
    "swapped_betas": "beta_1 and beta_2 are swapped: m uses beta_1, v uses beta_2",
}
DEFAULT_BETAS = (0.9, 0.999)


def _adam(w0: list, G: list, lr: float, b1: float, b2: float, eps: float, variant: str = "keras"):
    """Keras 3 Adam (or a known mistake) in float64: (w, m, v, flat w after every step)."""
    if variant == "no_epsilon_arg":
        eps = 1e-7
    if variant == "default_betas":
        b1, b2 = DEFAULT_BETAS
    if variant == "swapped_betas":
        b1, b2 = b2, b1
    w = [np.asarray(a, np.float64).copy() for a in w0]
    m = [np.zeros_like(a) for a in w]
    v = [np.zeros_like(a) for a in w]
    path = []
    for t, gs in enumerate(G, start=1):
        t_used = t + 1 if variant == "t_plus_one" else t
        for i, g in enumerate(gs):
            g = np.asarray(g, np.float64)
            m_new = m[i] + (1 - b1) * (g - m[i])
            v_new = v[i] + (1 - b2) * (g * g - v[i])
            if variant != "state_rebound":
                m[i], v[i] = m_new, v_new
            m_hat, v_hat = m_new / (1 - b1 ** t_used), v_new / (1 - b2 ** t_used)
            if variant == "textbook":
                w[i] = w[i] - lr * m_hat / (np.sqrt(v_hat) + eps)
            elif variant == "inside":
                w[i] = w[i] - lr * m_hat / np.sqrt(v_hat + eps)
            elif variant == "uncorrected":
                w[i] = w[i] - lr * m_new / (np.sqrt(v_new) + eps)
            else:
                alpha = lr * np.sqrt(1 - b2 ** t_used) / (1 - b1 ** t_used)
                if variant == "lr_twice":
                    alpha *= lr
                w[i] = w[i] - alpha * m_new / (np.sqrt(v_new) + eps)
        path.append(_flat(w)["value"])
    return w, m, v, path


def _gap(a: list, b: list) -> float:
    return float(np.max(np.abs(_flat(a)["value"] - _flat(b)["value"])))


# (gradient size, epsilon, betas): small gradients make ε matter next to sqrt(v); a large ε
# matters at any size; betas other than Keras's defaults show answers that ignore the arguments.
ADAM_KINDS = (("small", "1e-7", "default"), ("large_eps", "large", "other"),
              ("small", "1e-7", "other"), ("large_eps", "large", "default"))


class AdamStep(Question):
    """adam_step(variables, grads, ms, vs, t, lr, beta_1, beta_2, epsilon): one Keras 3 Adam step."""

    name, unit = "adam_step", UNIT
    summary = "Keras 3's Adam step (ε after the bias correction), state m, v held in Variables"

    def public(self):
        g = _lecture_gradients()
        small = [[_f32(np.asarray(row[0]) * 1e-4)] for row in g]
        w0 = [np.array([1.0, 2.0, 3.0])]
        return [self.case(w0, g, 0.001, 0.9, 0.999, 1e-7,
                          note="the lecture's 20 gradients G: w = [0.9982, 2.00285, 2.9971]"),
                self.case(w0, small, 0.001, 0.9, 0.999, 1e-7,
                          note="the lecture's G × 1e-4, where the textbook Adam is 3.5e-4 away")]

    def hidden(self, rng):
        """One case per kind of ADAM_KINDS, each redrawn until every known mistake that the kind
        can show (textbook, ε inside, no correction, t + 1, and betas or ε ignored) ends at least
        ADAM_SEPARATION away from Keras."""
        cases = []
        for size, eps_kind, betas in ADAM_KINDS:
            while True:
                shapes = _random_shapes(rng, int(rng.integers(1, 4)))
                k = int(rng.integers(15, 26))
                w0 = [_f32(np.round(rng.uniform(-2, 2, size=s), 3)) for s in shapes]
                scale = 10 ** rng.uniform(-4.5, -3) if size == "small" else 10 ** rng.uniform(-1, 0.3)
                eps = 1e-7 if eps_kind == "1e-7" else float(rng.choice([1e-3, 1e-2, 0.1]))
                if betas == "default":
                    b1, b2 = DEFAULT_BETAS
                else:
                    b1, b2 = float(rng.choice([0.8, 0.85, 0.95])), float(rng.choice([0.99, 0.98]))
                G = _gradient_sequence(rng, shapes, k, float(scale))
                lr = float(np.round(10 ** rng.uniform(-3, -1.7), 4))
                w = _adam(w0, G, lr, b1, b2, eps)[0]
                variants = ["textbook", "inside", "uncorrected", "t_plus_one", "state_rebound"]
                variants += ["default_betas"] if betas != "default" else []
                variants += ["no_epsilon_arg"] if eps != 1e-7 else []
                gaps = [_gap(w, _adam(w0, G, lr, b1, b2, eps, v)[0]) for v in variants]
                if min(gaps) >= ADAM_SEPARATION and np.max(np.abs(_flat(w)["value"])) < 3:
                    cases.append(self.case(w0, G, lr, b1, b2, eps))
                    break
        return cases

    def case(self, w0, G, lr, b1, b2, eps, note=""):
        size = float(np.mean([np.mean(np.abs(g)) for gs in G for g in gs]))
        what = note or f"random gradients of size ~{number_text(size, 1)}"
        return super().case(w0, G, lr, b1, b2, eps, label=(
            f"{len(G)} × adam_step(variables, grads, ms, vs, t, lr={number_text(lr)}, "
            f"beta_1={number_text(b1)}, beta_2={number_text(b2)}, epsilon={number_text(eps)}) "
            f"from {_start_text(w0)}, {what}"))

    def expected(self, w0, G, lr, b1, b2, eps):
        w, m, v, path = _adam(w0, G, lr, b1, b2, eps)
        return {"w": w, "m": m, "v": v, "path": path}

    def judge(self, got, want, w0, G, lr, b1, b2, eps):
        if is_error(got):
            if got["type"] == "ZeroDivisionError" or "division by zero" in got["message"]:
                return (f"{error_cause(got)}: 1 - beta_1**t is 0 only at t = 0; the first call "
                        "has t = 1, use t as given")
            return error_cause(got)
        problem = (_replaced(got["same_w"], "variables") or _replaced(got["same_m"], "ms")
                   or _replaced(got["same_v"], "vs"))
        if problem:
            return problem
        w, m, v = ([as_array(d) for d in got[key]] for key in ("w", "m", "v"))
        k = len(G)

        def known(g, _):
            for variant, why in ADAM_VARIANTS.items():
                if np.allclose(g, _flat(_adam(w0, G, lr, b1, b2, eps, variant)[0])["value"],
                               atol=ADAM_ATOL, rtol=1e-6):
                    return why
            if all(np.allclose(a, 0, atol=1e-12) for a in m + v):
                return "ms and vs stayed zero: update them in place with ms[i].assign(...)"
            return None

        t = _first_wrong_step(got["w_steps"], want["path"], ADAM_ATOL, 1e-6)
        problem = _stepped(close(_flat(w), _flat(want["w"]), atol=ADAM_ATOL, rtol=1e-6, hints=[known]),
                           t, k, "the Variables", "ms, vs and t")
        if problem:
            return problem
        for key, name, held in (("m", "ms", m), ("v", "vs", v)):
            ref = _flat(want[key])["value"]
            scale = float(np.max(np.abs(ref))) if ref.size else 1.0
            # tiny states (gradients ~1e-4 give v ~1e-8) are shown in a readable unit
            unit = 10.0 ** np.floor(np.log10(scale)) if 0 < scale < 1e-2 else 1.0
            factor = 1 - (b1 if key == "m" else b2) ** k

            def corrected(g, wv, key=key, factor=factor, tol=1e-5 * scale / unit):
                if np.allclose(g, wv / factor, atol=tol, rtol=1e-4):
                    return (f"they hold the bias-corrected {key}̂; keep the raw running average "
                            f"{key} (the correction belongs in alpha_t)")
                return None

            what = f"{name}" + (f" (in units of {number_text(unit)})" if unit != 1.0 else "")
            problem = _held(close(_flat([a / unit for a in held]), _flat([ref / unit]),
                                  atol=1e-5 * scale / unit, rtol=1e-4, hints=[corrected]),
                            f"the parameters are right but after {k} steps {what}")
            if problem:
                return problem
        return None


# --- 4. gd_minimize ------------------------------------------------------------------------
def _gd_path(spec: dict, x0: Any, lr: float, steps: int, sign: float = 1.0) -> list[np.ndarray]:
    """x_0, ..., x_steps of x ← x − sign·lr·(Ax + b) in float64."""
    a, b = np.asarray(spec["A"], np.float64), np.asarray(spec["b"], np.float64)
    x = np.asarray(x0, np.float64)
    path = [x]
    for _ in range(steps):
        x = x - sign * lr * (a @ x + b)
        path.append(x)
    return path


def _quad_text(spec: dict) -> str:
    a, b, c = np.asarray(spec["A"]), np.asarray(spec["b"]), float(spec["c"])
    n = len(b)
    if not a.any():
        parts = [f"{coef_text(bi)}*x[{i}]" for i, bi in enumerate(b) if bi]
        return " + ".join(parts).replace("+ -", "- ") + (f" + {number_text(c)}" if c else "")
    lam = np.linalg.eigvalsh(a)
    shown = (f"A = {value_text(np.round(a, 3))}" if n <= 2
             else f"A {n}×{n} with eigenvalues {number_text(lam[0], 3)} to {number_text(lam[-1], 3)}")
    body = "½ xᵀAx" + (" + b·x" if b.any() else "")
    body += (f" + {number_text(c)}" if c else "").replace("+ -", "- ")
    extra = f", b = {value_text(b)}" if b.any() and n <= 3 else ""
    return f"{body}, {shown}{extra}"


# (kind, dimension range, ratio of lr to 2/λmax, steps range)
GD_KINDS = (("diverging", (2, 6), (1.02, 1.1), (5, 11)),
            ("zigzag", (2, 6), (0.8, 0.97), (4, 11)),
            ("smooth", (2, 6), (0.2, 0.6), (4, 11)),
            ("line", (1, 2), (0.3, 0.95), (2, 8)),
            ("linear", (1, 4), None, (2, 6)))


class GdMinimize(Question):
    """gd_minimize(f, x0, lr, steps) -> x after `steps` steps of x ← x − lr·∇f(x) from x0."""

    name, unit = "gd_minimize", UNIT
    summary = "gradient descent on a black-box f for a given number of steps, with a tape"

    def public(self):
        seed = {"A": [[0.0, 0.0], [0.0, 0.0]], "b": [8.0, 6.0], "c": 0.0}
        line = {"A": [[0.0]], "b": [8.0], "c": 0.0}
        bowl = {"A": [[3.0, 1.0], [1.0, 3.0]], "b": [0.0, 0.0], "c": 0.0}
        return [self.case(seed, [1.0, 1.0], 0.01, 1, note="seed 000: [0.92, 0.94]"),
                self.case(line, [1.0], 0.01, 3, note="the lecture's 3 steps: 0.76"),
                self.case(bowl, [-2.0, 1.0], 0.3, 3,
                          note="the lecture's first steps: [-0.092, 0.1]"),
                self.case(bowl, [-2.0, 1.0], 0.52, 20, note="lr above 2/λmax = 0.5: it diverges")]

    def hidden(self, rng):
        """One case per kind of GD_KINDS: a path that diverges (lr just above 2/λmax), one that
        zigzags towards the minimum, a smooth one, a one-dimensional quadratic and a linear f;
        every case at least 2 steps, each step moving x by more than 0.01."""
        cases = []
        for kind, dims, ratios, step_range in GD_KINDS:
            while True:
                n = int(rng.integers(*dims))
                if kind == "linear":
                    a = np.zeros((n, n))
                    b = np.round(rng.uniform(1, 9, size=n) * rng.choice([-1, 1], size=n), 1)
                    lr = float(np.round(10 ** rng.uniform(-2, -1), 3))
                else:
                    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
                    a = np.round(q @ np.diag(rng.uniform(0.5, 10, size=n)) @ q.T, 2)
                    a = (a + a.T) / 2
                    lam = np.linalg.eigvalsh(a)
                    if lam[0] < 0.2:
                        continue
                    b = np.round(rng.uniform(-3, 3, size=n), 2)
                    lr = float(np.round(rng.uniform(*ratios) * 2 / lam[-1], 4))
                spec = {"A": a.tolist(), "b": b.tolist(), "c": float(np.round(rng.uniform(-2, 2), 2))}
                x0 = np.round(rng.uniform(-2, 2, size=n), 2).tolist()
                steps = int(rng.integers(*step_range))
                path = _gd_path(spec, x0, lr, steps + 1)
                moves = [np.max(np.abs(p - q)) for p, q in zip(path[1:], path[:-1])]
                if np.all(np.isfinite(path[-1])) and np.max(np.abs(path[-2])) < 100 and min(moves) > 1e-2:
                    cases.append(self.case(spec, x0, lr, steps))
                    break
        return cases

    def case(self, spec, x0, lr, steps, note=""):
        return super().case(spec, x0, lr, steps, label=(
            f"gd_minimize(f, tf.constant({value_text(np.asarray(x0))}), lr={number_text(lr)}, "
            f"steps={steps}) with f(x) = {_quad_text(spec)}" + (f" ({note})" if note else "")))

    def student_args(self, spec, x0, lr, steps):
        return Oracle(_quad_tf(spec), out=[]), x0, lr, steps

    def expected(self, spec, x0, lr, steps):
        return _gd_path(spec, x0, lr, steps)[-1]

    def judge(self, got, want, spec, x0, lr, steps):
        x, calls = got["value"], got["calls"]
        points = [np.asarray(c["args"][0]["value"], np.float64) if c["args"] and c["args"][0]["value"] is not None
                  else None for c in calls]
        kinds = [c["args"][0]["kind"] if c["args"] else "?" for c in calls]
        plural = "s" if steps > 1 else ""
        if is_error(x):
            if "None" in x["message"] or "NoneType" in x["message"]:
                if kinds and kinds[0] != "Variable":
                    return (f"{error_cause(x)}: the gradient was None at the first step: f was given a "
                            "plain tensor, which a tape does not watch; make x a tf.Variable, or call "
                            "tape.watch(x) inside the tape")
                if len(kinds) > 1 and kinds[0] == "Variable" and kinds[-1] != "Variable":
                    return (f"{error_cause(x)}: the first step worked on a Variable, then f was given "
                            "a plain tensor and its gradient was None: `x = x - lr * g` made x a Tensor "
                            "that the next tape does not watch; keep x a Variable and update it with "
                            "x.assign_sub(lr * g)")
            return error_cause(x)
        if len(calls) > steps + 1:
            return (f"f was called {len(calls)} times for {steps} step{plural}: one "
                    "evaluation of f under a tape per step gives the gradient (finite differences "
                    "need 2n evaluations per step)")
        path = _gd_path(spec, x0, lr, steps + 1)

        def known(g, _):
            if steps > 1 and np.allclose(g, path[-3], atol=ATOL, rtol=RTOL):
                return f"that is the point after {steps - 1} steps: the loop ran one step too few"
            if np.allclose(g, path[-1], atol=ATOL, rtol=RTOL):
                return f"that is the point after {steps + 1} steps: the loop ran one step too many"
            if np.allclose(g, _gd_path(spec, x0, lr, steps, -1.0)[-1], atol=ATOL, rtol=RTOL):
                return "the steps went uphill: x ← x − lr·g, subtract the gradient"
            if np.allclose(g, np.asarray(x0, np.float64), atol=ATOL, rtol=RTOL):
                return ("that is x0 unchanged: the updates went to a copy or to a name rebound by "
                        "`x = x - lr * g`, not to the x that was returned")
            return None

        problem = close(x, _flat([want]), atol=ATOL, rtol=RTOL, hints=[known],
                        none_hint="return the final x (a Variable or a tensor of shape (n,))")
        if not problem:
            return None
        # the process, from the grader's log of f's evaluations: where did the path leave x_k?
        on_path = 0
        for p, ref in zip(points, path):
            if p is None or p.shape != ref.shape or not np.allclose(p, ref, atol=ATOL, rtol=RTOL):
                break
            on_path += 1
        observed = close(x, _flat([want]), atol=ATOL, rtol=RTOL)
        if not points:
            return (f"f was never evaluated, for steps={steps}: each step takes the gradient of f at "
                    f"the current x (one evaluation under a tape); did the loop run? {observed}")
        if on_path == len(points) and len(points) < steps:
            n = len(points)
            return (f"f was evaluated {n} time{'s' if n > 1 else ''}, at the first {n} point"
                    f"{'s' if n > 1 else ''} of the path, for steps={steps}: the loop stopped early; run "
                    f"exactly {steps} step{plural} (no stopping rule, even where f grows); {observed}")
        if 0 < on_path < len(points) and on_path < steps:
            return (f"{f'the first {on_path} evaluations' if on_path > 1 else 'the first evaluation'} of f "
                    f"{'were' if on_path > 1 else 'was'} on the path x ← x − lr·∇f(x), but evaluation "
                    f"{on_path + 1} was at {value_text(points[on_path])}, expected x_{on_path} = "
                    f"{value_text(path[on_path])}; {problem}")
        return problem


# --- 5. max_stable_lr ----------------------------------------------------------------------
def _lr_variants(a: np.ndarray) -> dict[str, float]:
    """Known wrong answers: {what went wrong: its value}."""
    a = np.asarray(a, np.float64)
    lam = np.linalg.eigvalsh(a)
    return {
        "that is 2/λmin: every direction must be stable, and the steepest one (λmax) diverges "
        "first": 2 / lam[0],
        "that is 1/λmax, where the factor 1 − lr·λmax reaches 0; the limit is 2/λmax, where it "
        "reaches −1": 1 / lam[-1],
        "that is 2/(λmin + λmax), the fastest learning rate; the stability limit is 2/λmax":
            2 / (lam[0] + lam[-1]),
        "that is 2 over the largest diagonal entry: the off-diagonal entries change the "
        "eigenvalues; use the largest eigenvalue (np.linalg.eigvalsh)":
            2 / float(np.max(np.diag(a))),
        "that is 2 over the largest entry of A; use its largest eigenvalue (np.linalg.eigvalsh)":
            2 / float(np.max(np.abs(a))),
        "that is 2 over the Frobenius norm of A (np.linalg.norm), which overestimates λmax; use the "
        "largest eigenvalue": 2 / float(np.linalg.norm(a)),
        "that is 2 over the trace, the sum of all eigenvalues; use the largest one":
            2 / float(np.trace(a)),
    }


# (kind, n range): a rotated SPD matrix (every variant apart), the lecture's 2×2 shape, and a
# diagonal matrix whose largest entry is neither first nor last (unsorted eigenvalues).
LR_KINDS = (("rotated", (3, 7)), ("rotated", (2, 3)), ("rotated", (4, 7)),
            ("diagonal_middle", (3, 6)), ("rotated", (2, 7)))


class MaxStableLr(Question):
    """max_stable_lr(A) -> 2/λmax(A): descent on ½xᵀAx converges for every learning rate below it."""

    name, unit = "max_stable_lr", UNIT
    summary = "the stability limit 2/λmax of gradient descent on a quadratic with Hessian A"

    def public(self):
        return [self.case([[3.0, 1.0], [1.0, 3.0]], note="the lecture's A: 0.5"),
                self.case([[50.5, 49.5], [49.5, 50.5]],
                          note="the lecture's long valley, λ = 100 and 1: 0.02")]

    def hidden(self, rng):
        """One case per kind of LR_KINDS, each redrawn until every known wrong value (2/λmin,
        1/λmax, the best rate, diagonal, entry, Frobenius and trace) is at least 2 % away; in the
        diagonal kind 2 over the first or the last eigenvalue is also wrong."""
        cases = []
        for kind, dims in LR_KINDS:
            while True:
                n = int(rng.integers(*dims))
                lam = np.round(np.sort(rng.uniform(0.5, 50, size=n)), 2)
                if lam[-1] / lam[0] < 1.5 or lam[-1] / lam[-2] < 1.05:
                    continue
                if kind == "diagonal_middle":
                    order = rng.permutation(n - 1)
                    d = list(lam[:-1][order])
                    d.insert(int(rng.integers(1, n - 1)), lam[-1])
                    a32 = _f32(np.diag(d))
                    cases.append(self.case(a32.tolist()))
                    break
                q, _ = np.linalg.qr(rng.normal(size=(n, n)))
                a = np.round(q @ np.diag(lam) @ q.T, 3)
                a32 = _f32((a + a.T) / 2)
                want = 2 / np.linalg.eigvalsh(a32)[-1]
                apart = all(abs(v / want - 1) > 0.02 for v in _lr_variants(a32).values())
                if np.linalg.eigvalsh(a32)[0] > 0.2 and apart:
                    cases.append(self.case(a32.tolist()))
                    break
        return cases

    def case(self, a, note=""):
        n = len(a)
        arr = np.asarray(a)
        if n <= 2:
            shown = f"tf.constant({value_text(np.round(arr, 3))})"
        elif not (arr - np.diag(np.diag(arr))).any():
            shown = f"tf.linalg.diag({value_text(np.diag(arr))})"
        else:
            shown = f"tf.constant(A) with A {n}×{n} symmetric positive definite"
        return super().case(a, label=f"max_stable_lr({shown})" + (f" ({note})" if note else ""))

    def expected(self, a):
        return float(2 / np.linalg.eigvalsh(np.asarray(a, np.float64))[-1])

    def judge(self, got, want, a):
        value = as_array(got)
        if value is not None and value.size != 1:
            return (f"returned {show(got)}, expected one number: the limit comes from the largest "
                    "eigenvalue only")

        def known(g, _):
            for why, v in _lr_variants(a).items():
                if np.allclose(g, v, atol=1e-6, rtol=1e-4):
                    return why
            lam = np.linalg.eigvalsh(np.asarray(a, np.float64))
            if any(np.allclose(g, 2 / v, atol=1e-6, rtol=1e-4) for v in lam[:-1]):
                return ("that is 2 over an eigenvalue of A, but not the largest: np.linalg.eigvals "
                        "does not sort them; take the max (or np.linalg.eigvalsh, ascending)")
            if 0.9 < float(g.reshape(-1)[0]) / want < 1:
                return ("that is below 2/λmax: descent converges for every rate below the limit, "
                        "so the answer is the limit itself, 2/λmax")
            return None

        return close(got, want, atol=1e-6, rtol=1e-4, hints=[known], exact_shape=False,
                     none_hint="return 2 / λmax as a number")


# --- 6. clip_global_norm -------------------------------------------------------------------
def _clip(grads: list, c: float, mode: str = "global") -> tuple[list, float]:
    """tf.clip_by_global_norm in float64, or a known mistake."""
    arrays = [None if g is None else np.asarray(g, np.float64) for g in grads]
    norms = [float(np.sqrt(np.sum(g * g))) for g in arrays if g is not None]
    norm = float(np.sqrt(sum(n * n for n in norms)))
    if mode == "per_tensor":
        return [None if g is None else g * min(1.0, c / max(float(np.sqrt(np.sum(g * g))), 1e-300))
                for g in arrays], norm
    if mode == "always":
        return [None if g is None else g * c / norm for g in arrays], norm
    if mode == "sum_of_norms":
        s = sum(norms)
        return [None if g is None else g * min(1.0, c / s) for g in arrays], s
    if mode == "by_value":
        return [None if g is None else np.clip(g, -c, c) for g in arrays], norm
    scale = min(1.0, c / norm) if norm > 0 else 1.0
    return [None if g is None else g * scale for g in arrays], norm


CLIP_MISTAKES = {
    "per_tensor": ("each gradient was clipped by its own norm (tf.clip_by_norm per tensor): that "
                   "changes the direction; scale all of them by one factor c / global norm"),
    "always": ("the gradients were scaled by c / global norm although the global norm is below c: "
               "clip only when ||g|| > c, i.e. scale by min(1, c / ||g||)"),
    "sum_of_norms": ("the global norm is the square root of the sum of the squared norms, "
                     "sqrt(Σ ||g_i||²), not the sum of the norms"),
    "by_value": ("each entry was capped at ±c (tf.clip_by_value): clipping by the global norm "
                 "scales every gradient by one factor min(1, c / ||g||)"),
}

# (kind, ratio of the global norm to c, whether a None is inserted, number of tensors)
CLIP_KINDS = (("below", (0.2, 0.8), True, (2, 4)),
              ("above", (1.5, 6), False, (2, 5)),
              ("above", (1.5, 6), True, (2, 5)),
              ("dominant", (2, 6), False, (2, 4)),
              ("below", (0.3, 0.9), False, (2, 5)),
              ("above", (6, 20), True, (3, 5)))


class ClipGlobalNorm(Question):
    """clip_global_norm(grads, c) -> (clipped list, global norm), like tf.clip_by_global_norm."""

    name, unit = "clip_global_norm", UNIT
    summary = "clipping a list of gradients by their global norm, None entries kept"

    def public(self):
        return [self.case([[3.0, 4.0], 12.0], 1.0,
                          note="the lecture's example: global norm 13, clipped "
                               "[[0.2308, 0.3077], 0.9231]"),
                self.case([[3.0, 4.0], 12.0], 20.0, note="below the limit: unchanged"),
                self.case([[3.0, 4.0], None, 12.0], 1.0, note="a None gradient stays None")]

    def hidden(self, rng):
        """One case per kind of CLIP_KINDS: global norms below and above c, with and without a
        None (first, inside or last), one gradient much larger than the others, scalars and
        matrices mixed."""
        cases = []
        for kind, ratios, with_none, counts in CLIP_KINDS:
            k = int(rng.integers(*counts))
            shapes = _random_shapes(rng, k)
            raw = [rng.normal(size=s) for s in shapes]
            if kind == "dominant":
                raw[int(rng.integers(0, k))] *= 10
            c = float(np.round(rng.uniform(0.5, 5), 2))
            ratio = rng.uniform(*ratios)
            norm = np.sqrt(sum(float(np.sum(g * g)) for g in raw))
            grads: list = [_f32(np.round(g * ratio * c / norm, 3)) for g in raw]
            if with_none:
                grads.insert(int(rng.integers(0, k + 1)), None)
            cases.append(self.case(grads, c))
        return cases

    def case(self, grads, c, note=""):
        shown = ", ".join("None" if g is None else
                          (f"tf.constant({value_text(np.asarray(g))})" if np.size(g) <= 3
                           else f"<a tensor of shape {tuple(np.shape(g))}>") for g in grads)
        return super().case(grads, c, label=f"clip_global_norm([{shown}], {number_text(c)})"
                                            + (f" ({note})" if note else ""))

    def expected(self, grads, c):
        clipped, norm = _clip(grads, c)
        return {"clipped": clipped, "norm": norm}

    def judge(self, got, want, grads, c):
        if is_error(got):
            if any(g is None for g in grads) and "None" in got["message"]:
                return f"{error_cause(got)}: a None gradient must be passed through as None"
            return error_cause(got)
        if not (isinstance(got, list) and len(got) == 2 and isinstance(got[0], list)):
            return (f"returned {show(got)}; return the pair (list of clipped gradients, global "
                    "norm), as tf.clip_by_global_norm does")
        clipped, norm = got
        if len(clipped) != len(grads):
            nones = sum(g is None for g in grads)
            why = (": the None entries were dropped; keep each None in its place"
                   if nones and len(clipped) == len(grads) - nones else " (one per gradient, in order)")
            return f"the clipped list has {len(clipped)} entries, expected {len(grads)}{why}"
        for i, (g, out) in enumerate(zip(grads, clipped)):
            if g is None and out is not None:
                return f"entry {i} is {show(out)}, expected None: a None gradient stays None"
            if g is not None and out is None:
                return f"entry {i} is None, expected a clipped tensor"
        keep = [i for i, g in enumerate(grads) if g is not None]
        values = [as_array(clipped[i]) for i in keep]
        if any(v is None for v in values):
            return f"the clipped list holds {show(clipped)}; each entry must be a tensor"
        if any(v.shape != np.shape(grads[i]) for v, i in zip(values, keep)):
            return "a clipped gradient changed shape: each keeps the shape of its gradient"

        def known(g, _):
            for mode, why in CLIP_MISTAKES.items():
                alt = _clip(grads, c, mode)[0]
                if np.allclose(g, _flat([alt[i] for i in keep])["value"], atol=ATOL, rtol=RTOL):
                    return why
            return None

        problem = _held(close(_flat(values), _flat([want["clipped"][i] for i in keep]),
                              atol=1e-5, rtol=1e-5, hints=[known]), "the clipped gradients")
        if problem:
            return problem

        def after(g, w):
            if np.allclose(g, min(float(w), c), atol=1e-5, rtol=1e-5):
                return "that is the norm after clipping; return the global norm before clipping"
            return None

        return _held(close(norm, want["norm"], atol=1e-5, rtol=1e-5, hints=[after], exact_shape=False,
                           none_hint="the second item is the global norm"), "the global norm", "is")
