"""Unit 04, When gradients go missing: the graded questions.

Five fix-me questions show a broken function, one per silent cause of a `None` gradient, and
ask for the fixed version. The functions handed to students come from one random family,
described as plain data: an element-wise function g(v) written as a list of terms such as
``{"kind": "sin", "c": 2, "w": 1.5, "phi": 0.3}``. It is built here as a TensorFlow function
(summed to a scalar loss, or element-wise as a model) and handed to the student's step as an
oracle (autograder.student.oracles), whose log of evaluations is the call count the checks judge;
`expected` evaluates the same terms and their derivative in closed form in float64 NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from ..student.compare import close, error_cause, first_problem
from ..families import scalar_deriv as _g_deriv, scalar_value as _g_value
from ..families import scalar_text
from ..student.oracles import Oracle
from ..question import Question
from ..student.families import scalar_parts_tf, scalar_sum_tf as _loss_tf, scalar_tf as _g_tf
from ..student.values import as_array, is_error, number_text, show, tensor_text, value_text

UNIT = "04_missing_gradients"
ATOL, RTOL = 1e-4, 1e-4  # float32 gradients of values O(1-100)




def _g_text(terms: list[dict], v: str = "v") -> str:
    return scalar_text(terms, v)


# --- the random family: g(v) = sum of terms, applied element-wise ------------------------
def _loss_oracle(terms: list[dict]) -> Oracle:
    """The scalar loss f as a black box served by the grader; its evaluations go under "calls"."""
    return Oracle(_loss_tf(terms), name="f", key="calls", out=[])


def _f_text(terms: list[dict], v: str, scalar: bool) -> str:
    """f(v) = sum(g(v)) as a formula; no sum() around a scalar."""
    body = _g_text(terms, v)
    return f"f({v}) = {body}" if scalar else f"f({v}) = sum({body})"


def _draw_terms(rng: np.random.Generator, kinds: list[str], n_terms: int, *,
                coef: tuple[float, float] = (0.5, 2.0), powers: tuple[int, ...] = (1, 2, 3),
                positive_pow: bool = False) -> list[dict]:
    """n_terms distinct random terms of the given kinds (two pow terms get different powers)."""
    chosen = rng.choice(kinds, size=min(n_terms, len(kinds)), replace=False)
    ps = iter(int(p) for p in rng.permutation(powers))
    terms = []
    for k in chosen:
        sign = 1.0 if (k == "pow" and positive_pow) else float(rng.choice([-1, 1]))
        c = float(np.round(rng.uniform(*coef) * sign, 2))
        if k == "pow":
            terms.append({"kind": "pow", "c": c, "p": next(ps)})
        elif k == "sin":
            terms.append({"kind": "sin", "c": c, "w": float(np.round(rng.uniform(0.5, 2.0), 2)),
                          "phi": float(np.round(rng.uniform(-1, 1), 2))})
        elif k == "exp":
            terms.append({"kind": "exp", "c": c,
                          "r": float(np.round(rng.uniform(0.3, 1.0) * rng.choice([-1, 1]), 2))})
        elif k == "tanh":
            terms.append({"kind": "tanh", "c": c, "w": float(np.round(rng.uniform(0.5, 2.0), 2))})
        else:
            terms.append({"kind": "const", "c": c})
    return terms


def _pow(c: float, p: int) -> dict:
    return {"kind": "pow", "c": float(c), "p": int(p)}


def _draw_values(rng: np.random.Generator, shape: tuple, low: float = -1.5,
                 high: float = 1.5) -> Any:
    v = np.round(rng.uniform(low, high, size=shape), 2)
    return float(v) if shape == () else v.tolist()


def _draw_shape(rng: np.random.Generator, scalar_p: float = 0.25) -> tuple:
    return () if rng.random() < scalar_p else (int(rng.integers(2, 5)),)


def _text(v: Any) -> str:
    """A value as it would be typed: 3.0, [1.0, 2.0], [[1.0, 2.0], [3.0, 4.0]]."""
    return value_text(np.asarray(v, np.float64))


def _variable_text(v: Any) -> str:
    return f"tf.Variable({_text(v)})"


def _got_text(got: Any) -> str:
    """A described answer as the call that makes it: tf.constant([1.0, 2.0]), np.array(...), 3.0."""
    if isinstance(got, dict) and got.get("kind") in ("Tensor", "Variable", "ndarray"):
        v, dtype = got["value"], got["dtype"]
        if got["kind"] == "Tensor":
            return tensor_text(v, dtype)
        if got["kind"] == "Variable":
            return f"tf.Variable({value_text(v)}{'' if dtype == 'float32' else ', tf.' + dtype})"
        return f"np.array({value_text(v)}{'' if dtype == 'float64' else ', np.' + dtype})"
    if isinstance(got, float):
        return number_text(got)
    return show(got)


def _close(got: Any, want: Any, hints: tuple = (), none_hint: str = "") -> str | None:
    """got against the float64 reference want at float32 tolerances; the values shown as typed."""
    w = np.asarray(want, np.float64)
    if is_error(got):
        return _raised(got)
    if got is None or (isinstance(got, dict) and got.get("kind") == "IndexedSlices"):
        return close(got, w, atol=ATOL, rtol=RTOL, none_hint=none_hint)
    g = as_array(got)
    if g is None:
        return f"returned {_got_text(got)}, expected a tensor like {tensor_text(w)}"
    if g.shape != w.shape:
        return (f"returned {_got_text(got)} of shape {tuple(g.shape)}, expected shape "
                f"{tuple(w.shape)} like {tensor_text(w)}")
    if np.allclose(g, w, atol=ATOL, rtol=RTOL):
        return None
    if not np.all(np.isfinite(g)):
        return f"returned {_got_text(got)}, which is not finite; expected {tensor_text(w)}"
    for hint in hints:
        message = hint(g, w)
        if message:
            return f"returned {_got_text(got)}, expected {tensor_text(w)}: {message}"
    err = float(np.max(np.abs(g - w))) if g.size else 0.0
    return (f"returned {_got_text(got)}, expected {tensor_text(w)} "
            f"(largest difference {number_text(err, 3)})")


def _raised(got: Any) -> str:
    """A described exception, with our words in front and its known cause after."""
    return f"your function {error_cause(got)}"


def _tensor_problem(got: Any, what: str = "the gradient",
                    advice: str = "return what tape.gradient gives, without .numpy()") -> str | None:
    """The statements ask for float32 tensors: a NumPy array, a Python number or another dtype is not one."""
    if isinstance(got, dict) and got.get("kind") in ("Tensor", "Variable"):
        if got["dtype"] != "float32":
            return (f"{what} is a {got['dtype']} tensor, {_got_text(got)}; the question asks for "
                    "float32, the dtype of the Variables")
        return None
    if isinstance(got, dict) and got.get("kind") == "ndarray":
        return f"{what} is the NumPy array {_got_text(got)}, not a float32 tf.Tensor: {advice}"
    if isinstance(got, (int, float)) and not isinstance(got, bool):
        return f"{what} is the Python number {_got_text(got)}, not a float32 tf.Tensor: {advice}"
    return None


def _grad_problem(got: Any, want: Any, none_cause: str, hints: tuple = ()) -> str | None:
    """A returned gradient against its reference: None (with its cause), error, type, shape, value."""
    if got is None:
        return f"the gradient is None: {none_cause}"
    if is_error(got):
        return _raised(got)
    return _tensor_problem(got) or _close(got, want, hints=hints)


def _calls_problem(calls: int, allowed: int, what: str, advice: str) -> str | None:
    """The process check of a black box: never called (a typed-in answer), or called too often."""
    if calls == 0:
        return (f"never called {what}: the gradient has to come from {what} through a tape "
                "(numbers worked out by hand do not fit the random functions of the checks)")
    if calls > allowed:
        return f"called {what} {calls} times; {advice}"
    return None


def _descent(terms: list[dict], w: Any, lr: float, steps: int) -> list[np.ndarray]:
    """The iterates w_0 = w, ..., w_steps of gradient descent on sum(g(w)), in float64."""
    path = [np.asarray(w, np.float64)]
    for _ in range(steps):
        path.append(path[-1] - lr * _g_deriv(terms, path[-1]))
    return path


def _error_mentions_none(got: Any) -> bool:
    return is_error(got) and "NoneType" in got["message"]


# --- 1. fix-me: a Variable rebound to a Tensor -------------------------------------------
class TrainSteps(Question):
    """train_steps(f, w, lr, steps): `steps` steps of gradient descent on f, updating w in place."""

    name, unit = "train_steps", UNIT
    summary = "fix a training loop whose `w = w - lr * g` rebinds the Variable (None from step 2)"

    def public(self):
        square = [_pow(1, 2)]
        # the lecture's section 3: w**2 from w = 3 with lr 0.1: 3 -> 2.4 -> 1.92 -> 1.536
        return [self.case(square, 3.0, 0.1, 2), self.case(square, 3.0, 0.1, 3),
                self.case([_pow(1, 2), _pow(-2, 1)], [3.0, -1.0], 0.1, 2)]

    def hidden(self, rng):
        # stratified: scalars and vectors in turn, every step count 2..5 twice, every lr
        steps = [int(s) for s in np.concatenate([rng.permutation([2, 3, 4, 5]) for _ in range(2)])]
        lrs = [float(x) for x in np.concatenate([rng.permutation([0.02, 0.05, 0.1]) for _ in range(3)])]
        cases = []
        for i in range(self.n_hidden):
            # a convex quadratic plus a mild wiggle keeps lr <= 0.1 stable (|f''| < 7)
            terms = _draw_terms(rng, ["pow"], 1, coef=(0.5, 2.0), powers=(2,), positive_pow=True)
            terms += _draw_terms(rng, ["pow", "sin", "tanh"], int(rng.integers(1, 3)),
                                 coef=(0.3, 1.0), powers=(1,))
            shape = () if i % 2 == 0 else (int(rng.integers(2, 5)),)
            cases.append(self.case(terms, _draw_values(rng, shape, -2.0, 2.0), lrs[i], steps[i]))
        return cases

    def case(self, terms, w, lr, steps):
        label = (f"train_steps(f, {_variable_text(w)}, lr={lr}, steps={steps}) with "
                 f"{_f_text(terms, 'w', np.ndim(w) == 0)}")
        return super().case(terms, w, lr, steps, label=label)

    def student_args(self, terms, w, lr, steps):
        return _loss_oracle(terms), w, lr, steps

    def expected(self, terms, w, lr, steps):
        return _descent(terms, w, lr, steps)[-1]

    def judge(self, got, want, terms, w, lr, steps):
        returned, log = got["value"], got["calls"]
        calls = len(log)
        if _error_mentions_none(returned):
            if calls <= 1:
                return (f"the gradient was None at the first step (your function "
                        f"{error_cause(returned)}): compute loss = f(w) inside the `with "
                        "tf.GradientTape() as tape:` block and ask for tape.gradient(loss, w)")
            return (f"the gradient was None at step {calls} (your function "
                    f"{error_cause(returned)}): from step 2 on, w is not the Variable you were "
                    "given any more. `w = ...` (w - lr * g, or the result of w.assign_sub) "
                    "rebinds the name to something no tape watches; call w.assign_sub(lr * g) "
                    "on its own line and keep w the Variable")
        if is_error(returned):
            return _raised(returned)
        start = np.asarray(w, np.float64)
        if calls == 0:
            return _calls_problem(calls, steps, "f", "")
        path = _descent(terms, w, lr, steps)
        for i, (call, at) in enumerate(zip(log, path)):  # the process: where f was evaluated
            seen = call["args"][0]["value"] if call["args"] else None
            if seen is None or np.shape(seen) != at.shape or \
                    np.allclose(seen, at, atol=ATOL, rtol=RTOL):
                continue
            if i == 0:
                return (f"f was first evaluated at w = {_text(seen)}, but w starts at "
                        f"{_text(start)}: evaluate f at the Variable w itself")
            before, g = path[i - 1], _g_deriv(terms, path[i - 1])
            if np.allclose(seen, before + lr * g, atol=ATOL, rtol=RTOL):
                cause = "the step went uphill: subtract lr * g (w.assign_sub), do not add it"
            elif np.allclose(seen, before, atol=ATOL, rtol=RTOL):
                cause = "w did not change between the steps: update it with w.assign_sub(lr * g)"
            else:
                cause = "the step is not w - lr * g; check the update w.assign_sub(lr * g)"
            return (f"step {i + 1} evaluated f at w = {_text(seen)}, but after {i} step"
                    f"{'s' if i != 1 else ''} of size lr = {number_text(lr)} from {_text(start)} "
                    f"w is {_text(at)}: {cause}")
        if calls < steps:
            return (f"called f {calls} time{'s' if calls != 1 else ''} for {steps} steps: each step "
                    "needs a new gradient at the new w, so f is evaluated once per step, "
                    "and the loop runs `steps` times")
        if calls > steps:
            return (f"called f {calls} times for {steps} steps; one forward pass per step "
                    "(f(w) under a tape, then one tape.gradient)")
        unchanged = np.allclose(got["var"]["value"], start, atol=1e-6) and \
            not np.allclose(want, start, atol=1e-6)
        if unchanged and not got["same_object"]:
            return (f"returned {_got_text(returned)}, but the Variable you were given still holds "
                    "its start value: making a new Variable (or Tensor) each step leaves it "
                    "unchanged; update it in place with w.assign_sub(lr * g) and return w")
        if unchanged:
            return "the Variable still holds its start value: update it with w.assign_sub(lr * g)"
        return first_problem(
            _close(got["var"], want),
            None if got["same_object"] else "return the Variable you were given (`return w`)",
        )


# --- 2. fix-me: NumPy inside the tape -------------------------------------------------------
class SigmoidGrad(Question):
    """sigmoid_grad(f, w) -> d f(sigmoid(w)) / dw, with TensorFlow ops only."""

    name, unit = "sigmoid_grad", UNIT
    summary = "fix a gradient that goes None because np.exp runs inside the tape"

    def public(self):
        # the lecture's w = [0.4, 2.6, 1.3] (section 4); at w = 0, p = 0.5 and dp/dw = 0.25
        return [self.case([_pow(1, 2)], [0.4, 2.6, 1.3]), self.case([_pow(1, 1)], 0.0)]

    def hidden(self, rng):
        cases = []
        for i in range(self.n_hidden):  # scalars and vectors in turn
            terms = _draw_terms(rng, ["pow", "pow", "sin", "exp", "tanh"], int(rng.integers(2, 4)),
                                coef=(0.5, 3.0))
            shape = () if i % 3 == 0 else (int(rng.integers(2, 5)),)
            cases.append(self.case(terms, _draw_values(rng, shape, -3.0, 3.0)))
        return cases

    def case(self, terms, w):
        label = (f"sigmoid_grad(f, {_variable_text(w)}) with "
                 f"{_f_text(terms, 'p', np.ndim(w) == 0)}")
        return super().case(terms, w, label=label)

    def student_args(self, terms, w):
        return _loss_oracle(terms), w

    def expected(self, terms, w):
        p = 1.0 / (1.0 + np.exp(-np.asarray(w, np.float64)))
        return _g_deriv(terms, p) * p * (1.0 - p)

    def judge(self, got, want, terms, w):
        grad, calls = got["value"], len(got["calls"])
        if is_error(grad):
            return _raised(grad)
        if grad is not None and calls != 1:
            return _calls_problem(calls, 1, "f", "one forward pass under one tape is "
                                  "enough (no finite differences)")
        p = 1.0 / (1.0 + np.exp(-np.asarray(w, np.float64)))

        def wrt_p(g, wnt):
            if np.allclose(g, _g_deriv(terms, p), atol=ATOL, rtol=RTOL):
                return ("that is the gradient with respect to p; the question asks for w, which "
                        "adds the chain rule's factor p * (1 - p): ask the tape for w")
            return None

        def flipped(g, wnt):
            q = 1.0 - p
            if np.allclose(g, -_g_deriv(terms, q) * p * q, atol=ATOL, rtol=RTOL):
                return "that is the gradient for p = 1 / (1 + e^w); the sigmoid has e^(-w)"
            return None

        return _grad_problem(grad, want,
                             "the tape recorded no path from w to the loss. Compute p from w "
                             "inside the tape with TensorFlow ops (tf.exp or tf.sigmoid): np.exp, "
                             ".numpy() or p computed before the `with` block cut the path",
                             hints=(wrt_p, flipped))


# --- 3. fix-me: a cast to int on the path ---------------------------------------------------
class MseGrad(Question):
    """mse_grad(model, w, labels) -> d mean((model(w) - labels)**2) / dw for int32 labels."""

    name, unit = "mse_grad", UNIT
    summary = "fix a gradient that goes None because the predictions are cast to int"

    def public(self):
        # unit 01's values: predictions [0.5, 0.0, 2.5] against labels [1, 0, 2]
        return [self.case([_pow(1, 1)], [0.5, 0.0, 2.5], [1, 0, 2]),
                self.case([_pow(1, 2)], [3.0], [4])]

    def hidden(self, rng):
        sizes = [1] + [int(n) for n in np.concatenate([rng.permutation([2, 3, 4, 5])] * 2)]
        cases = []
        for i in range(self.n_hidden):  # every size 1..5 (n >= 2 in most: the mean is not the sum)
            terms = _draw_terms(rng, ["pow", "pow", "sin", "exp", "tanh", "const"],
                                int(rng.integers(2, 4)), powers=(1, 2))
            n = sizes[i]
            cases.append(self.case(terms, _draw_values(rng, (n,)),
                                   rng.integers(0, 5, size=n).tolist()))
        return cases

    def case(self, terms, w, labels):
        label = (f"mse_grad(model, {_variable_text(w)}, tf.constant({labels})) with "
                 f"model(w) = {_g_text(terms, 'w')}")
        return super().case(terms, w, labels, label=label)

    def student_args(self, terms, w, labels):
        return Oracle(_g_tf(terms), name="model", key="calls", out="same"), w, labels

    def expected(self, terms, w, labels):
        w = np.asarray(w, np.float64)
        return 2.0 / w.size * (_g_value(terms, w) - np.asarray(labels, np.float64)) * _g_deriv(terms, w)

    def judge(self, got, want, terms, w, labels):
        grad, calls = got["value"], len(got["calls"])
        if is_error(grad):
            return _raised(grad)
        if grad is not None and calls != 1:
            return _calls_problem(calls, 1, "model", "one forward pass under one tape "
                                  "is enough (no finite differences)")
        n = np.size(labels)

        def summed(g, wnt):
            if n > 1 and np.allclose(g, wnt * n, atol=ATOL, rtol=RTOL):
                return (f"that is {n} times the gradient: the loss is the mean over the {n} "
                        "predictions (tf.reduce_mean), not the sum")
            return None

        return _grad_problem(grad, want,
                             "an operation with no gradient cuts the path from w to the loss: a "
                             "cast to int (even cast back to float), tf.round or tf.floor of the "
                             "predictions. Keep the predictions float32 and cast the labels "
                             "instead: tf.cast(labels, tf.float32)",
                             hints=(summed,))


# --- 4. fix-me: assign inside the tape ------------------------------------------------------
class BatchGrad(Question):
    """batch_grad(f, w, batch) -> d mean_k f(w * batch[k]) / dw."""

    name, unit = "batch_grad", UNIT
    summary = "fix a gradient that goes None because the loss is accumulated with assign_add"

    def public(self):
        # the lecture's section 5: y = 3*x**2 at x = 2 gives dy/dx = 12
        return [self.case([_pow(3, 2)], [2.0], [[1.0]]),
                self.case([_pow(1, 2)], [1.0, 2.0], [[1.0, 1.0], [2.0, 0.5]])]

    def hidden(self, rng):
        cases = []
        for _ in range(self.n_hidden):
            terms = _draw_terms(rng, ["pow", "pow", "sin", "exp", "tanh"], int(rng.integers(2, 4)))
            n, k = int(rng.integers(1, 5)), int(rng.integers(2, 5))
            cases.append(self.case(terms, _draw_values(rng, (n,)), _draw_values(rng, (k, n))))
        return cases

    def case(self, terms, w, batch):
        label = (f"batch_grad(f, {_variable_text(w)}, tf.constant({_text(batch)})) with "
                 f"{_f_text(terms, 'v', False)}")
        return super().case(terms, w, batch, label=label)

    def student_args(self, terms, w, batch):
        return _loss_oracle(terms), w, batch

    def expected(self, terms, w, batch):
        w, xs = np.asarray(w, np.float64), np.asarray(batch, np.float64)
        return np.mean(xs * _g_deriv(terms, w * xs), axis=0)

    def judge(self, got, want, terms, w, batch):
        grad, calls = got["value"], len(got["calls"])
        if is_error(grad):
            return _raised(grad)
        if grad is not None and not 1 <= calls <= len(batch):
            return _calls_problem(calls, len(batch), "f", f"for {len(batch)} examples, "
                                  "once per example (or once on the whole batch) under one tape "
                                  "is enough")

        def summed(g, wnt):
            if len(batch) > 1 and np.allclose(g, wnt * len(batch), atol=ATOL, rtol=RTOL):
                return "that is the sum over the batch; divide by the number of examples (the mean)"
            return None

        return _grad_problem(grad, want,
                             "nothing the tape recorded links the loss to w. Add the losses up as "
                             "Tensors (total = total + f(w * x); total.assign_add is a state "
                             "update the tape cannot differentiate), with TensorFlow ops (no "
                             "NumPy), and finish the mean inside the `with` block",
                             hints=(summed,))


# --- 5. fix-me: an unwatched constant -------------------------------------------------------
class InputGrad(Question):
    """input_grad(f, w, x) -> d f(w * x) / dx for a tf.constant input x."""

    name, unit = "input_grad", UNIT
    summary = "fix a gradient with respect to a constant input that goes None (tape.watch)"

    def public(self):
        # seed 004: x = 3 constant, watched: 2x, x**2 + 2, x**2 + 2x -> 2, 6, 8
        return [self.case([_pow(2, 1)], 1.0, 3.0),
                self.case([_pow(1, 2), {"kind": "const", "c": 2.0}], 1.0, 3.0),
                self.case([_pow(1, 2), _pow(2, 1)], 1.0, 3.0)]

    def hidden(self, rng):
        cases = []
        for i in range(self.n_hidden):  # scalars and vectors in turn
            terms = _draw_terms(rng, ["pow", "pow", "sin", "exp", "tanh"], int(rng.integers(2, 4)))
            shape = () if i % 3 == 0 else (int(rng.integers(2, 5)),)
            # 0.5 <= |w| <= 1.5 and |w| != 1: the gradients for w and for w * x differ from x's
            mag = np.where(rng.random(shape) < 0.5, rng.uniform(0.5, 0.9, shape),
                           rng.uniform(1.1, 1.5, shape))
            w = np.round(mag * rng.choice([-1, 1], size=shape), 2)
            cases.append(self.case(terms, float(w) if shape == () else w.tolist(),
                                   _draw_values(rng, shape)))
        return cases

    def case(self, terms, w, x):
        label = (f"input_grad(f, {_variable_text(w)}, tf.constant({_text(x)})) with "
                 f"{_f_text(terms, 'v', np.ndim(x) == 0)}")
        return super().case(terms, w, x, label=label)

    def student_args(self, terms, w, x):
        return _loss_oracle(terms), w, x

    def expected(self, terms, w, x):
        w, x = np.asarray(w, np.float64), np.asarray(x, np.float64)
        return w * _g_deriv(terms, w * x)

    def judge(self, got, want, terms, w, x):
        grad, calls = got["value"], len(got["calls"])
        if is_error(grad):
            return _raised(grad)
        if grad is not None and calls != 1:
            return _calls_problem(calls, 1, "f", "one forward pass under one tape is "
                                  "enough (no finite differences)")

        xa, wa = np.asarray(x, np.float64), np.asarray(w, np.float64)

        def wrt_w(g, wnt):
            if np.allclose(g, xa * _g_deriv(terms, wa * xa), atol=ATOL, rtol=RTOL):
                return "that is the gradient with respect to w; the question asks for x"
            return None

        def wrt_product(g, wnt):
            if np.allclose(g, _g_deriv(terms, wa * xa), atol=ATOL, rtol=RTOL):
                return ("that is the gradient with respect to the product w * x; the one for x "
                        "has the chain rule's factor w: watch x itself and ask the tape for x")
            return None

        watched = got.get("watched_x")  # the student's process says so: for the message only
        if watched is True:
            none_cause = ("you called tape.watch(x), but the tape recorded no path from x to "
                          "the loss: it links x only through operations it records after the "
                          "watch, inside the `with` block; compute w * x and f there, after "
                          "tape.watch(x)")
        elif watched is False:
            none_cause = ("x is a tf.constant, and a tape watches only trainable Variables by "
                          "itself; call tape.watch(x) inside the tape, before computing w * x "
                          "and the loss")
        else:
            none_cause = ("the tape recorded no path from x to the loss: x is a tf.constant, so "
                          "call tape.watch(x) inside the tape, then compute w * x and f after it")
        return _grad_problem(grad, want, none_cause, hints=(wrt_w, wrt_product))


# --- 6. zeros instead of None -----------------------------------------------------------------
VAR_NAMES = ["a", "b", "c", "d"]


class GradsOrZeros(Question):
    """grads_or_zeros(loss_fn, variables) -> one gradient per Variable, zeros where unconnected."""

    name, unit = "grads_or_zeros", UNIT
    summary = "gradients of loss_fn() for a list of Variables, zeros (not None) where unused"

    def public(self):
        # the lecture's section 6: used = 3.0, unused = [1.0, 2.0], loss = used**2 -> [6, [0, 0]]
        # seed 001: f = x**2 + 2y**2 + 1 at (3, 4) -> 6, 16, with a third Variable unused
        return [self.case([3.0, [1.0, 2.0]], [[_pow(1, 2)], None]),
                self.case([3.0, 4.0, [0.5, -0.5, 1.0]],
                          [[_pow(1, 2), {"kind": "const", "c": 1.0}], [_pow(2, 2)], None])]

    def hidden(self, rng):
        # stratified: the unused Variables first, last or in the middle, so a list out of step
        # with `variables` (Nones dropped, zeros appended) fails whatever the draw
        places = ["first", "last", "middle", "first", "last", "middle", "last", "first"]
        cases = []
        for i in range(self.n_hidden):
            k = int(rng.integers(3, 5)) if places[i] == "middle" else int(rng.integers(2, 5))
            values = [_draw_values(rng, _draw_shape(rng, 0.3)) for _ in range(k)]
            n_unused = int(rng.integers(1, k - 1)) if places[i] == "middle" else int(rng.integers(1, k))
            start = 0 if places[i] == "first" else k - n_unused if places[i] == "last" else \
                int(rng.integers(1, k - n_unused))
            unused = list(range(start, start + n_unused))
            used = [j not in unused for j in range(k)]
            if all(np.ndim(values[j]) == 0 for j in unused):  # a scalar 0 must not pass for zeros
                values[unused[0]] = _draw_values(rng, (int(rng.integers(2, 4)),))
            parts = [_draw_terms(rng, ["pow", "pow", "sin", "exp", "tanh"], int(rng.integers(1, 3)))
                     if u else None for u in used]
            cases.append(self.case(values, parts))
        return cases

    def case(self, values, parts):
        names = VAR_NAMES[: len(values)]
        variables = ", ".join(f"{n} = {_variable_text(v)}" for n, v in zip(names, values))
        loss = " + ".join(_g_text(p, n) if np.ndim(v) == 0 else f"sum({_g_text(p, n)})"
                          for n, v, p in zip(names, values, parts) if p)
        label = f"grads_or_zeros(loss_fn, [{', '.join(names)}]) with {variables}; loss_fn() = {loss}"
        return super().case(values, parts, label=label)

    def student_args(self, values, parts):
        """loss_fn() as a black box of the Variables it uses (an unused one stays unconnected)."""
        oracle = Oracle(scalar_parts_tf([p for p in parts if p]), name="loss_fn", key="calls", out=[], tree=True)
        return oracle, values, [p is not None for p in parts]

    def expected(self, values, parts):
        return [_g_deriv(p, v) if p else np.zeros(np.shape(v)) for v, p in zip(values, parts)]

    def judge(self, got, want, values, parts):
        grads, calls, names = got["value"], len(got["calls"]), VAR_NAMES[: len(values)]
        if is_error(grads):
            return _raised(grads)
        if not isinstance(grads, list) or len(grads) != len(values):
            n = len(grads) if isinstance(grads, list) else None
            what = f"a list of {n} entries for {len(values)} Variables" if n is not None \
                else _got_text(grads)
            return (f"returned {what}; return a list with one gradient per Variable, in order "
                    "(keep the unused ones as zeros rather than dropping them)")
        if calls != 1:
            return _calls_problem(calls, 1, "loss_fn", "call it once under one tape and "
                                  "ask for every Variable in one tape.gradient call")
        for name, g, w, v, p in zip(names, grads, want, values, parts):
            if g is None:
                if p is None:
                    return (f"the gradient for {name} is None: loss_fn does not use {name}; pass "
                            "unconnected_gradients=tf.UnconnectedGradients.ZERO to tape.gradient")
                return f"the gradient for {name} is None, but loss_fn uses {name}"
            problem = _tensor_problem(g, f"the entry for {name}",
                                      f"return one float32 tensor per Variable (tf.zeros_like({name}), "
                                      "or unconnected_gradients=tf.UnconnectedGradients.ZERO)")
            if problem:
                return problem
            a = as_array(g)
            if p is None and a is not None and a.shape != w.shape and np.all(a == 0):
                return (f"the zero for {name} has shape {tuple(a.shape)}, but {name} has shape "
                        f"{tuple(w.shape)}: a gradient has its Variable's shape (tf.zeros_like, "
                        "or unconnected_gradients=tf.UnconnectedGradients.ZERO)")
            problem = _close(g, w)
            if problem:
                return f"gradient for {name}: {problem}"
        return None


# --- 7. IndexedSlices (and None) to a dense tensor ----------------------------------------
class DenseGrad(Question):
    """dense_grad(g, shape) -> g as a dense float32 tensor of `shape` (zeros if g is None)."""

    name, unit = "dense_grad", UNIT
    summary = "a gradient that may be IndexedSlices, a dense Tensor or None, as a dense tensor"

    def public(self):
        # the lecture's section 9: tf.gather(table, [0, 2, 0]) on a 3x2 table, loss = sum
        ones = [[1.0, 1.0]] * 3
        return [self.case({"kind": "slices", "indices": [0, 2, 0], "values": ones}, (3, 2)),
                self.case({"kind": "dense", "values": [[1.0, 2.0], [3.0, 4.0]]}, (2, 2)),
                self.case({"kind": "none"}, (2,))]

    def hidden(self, rng):
        cases = []
        for i in range(self.n_hidden):
            kind = ["slices", "none", "dense"][i] if i < 3 else \
                str(rng.choice(["slices", "slices", "dense", "none"]))
            rows = int(rng.integers(2, 6))
            shape = (rows,) if rng.random() < 0.3 else (rows, int(rng.integers(1, 4)))
            if kind == "slices":
                k = int(rng.integers(2, 6))
                indices = rng.integers(0, rows, size=k)
                if i == 0 or rng.random() < 0.7:  # a row read twice must be added up
                    indices[int(rng.integers(1, k))] = indices[0]
                values = _draw_values(rng, (k,) + shape[1:], -2.0, 2.0)
                cases.append(self.case({"kind": kind, "indices": indices.tolist(), "values": values},
                                       shape))
            elif kind == "dense":
                cases.append(self.case({"kind": kind, "values": _draw_values(rng, shape, -2, 2)},
                                       shape))
            else:
                cases.append(self.case({"kind": kind}, shape))
        return cases

    def case(self, g, shape):
        if g["kind"] == "slices":
            what = (f"g = tf.IndexedSlices from tf.gather(table, {g['indices']}), "
                    f"values {_text(g['values'])}")
        elif g["kind"] == "dense":
            what = f"g = tf.Tensor({_text(g['values'])})"
        else:
            what = "g = None"
        return super().case(g, tuple(shape), label=f"dense_grad(g, {tuple(shape)}) with {what}")

    def expected(self, g, shape):
        dense = np.zeros(shape)
        if g["kind"] == "slices":
            np.add.at(dense, np.asarray(g["indices"]), np.asarray(g["values"], np.float64))
        elif g["kind"] == "dense":
            dense = np.asarray(g["values"], np.float64)
        return dense

    def judge(self, got, want, g, shape):
        if is_error(got):
            if g["kind"] == "none":
                return (f"g is None here (the loss does not use that variable), and your function "
                        f"{error_cause(got)}; "
                        "return tf.zeros(shape) then")
            return _raised(got)
        if isinstance(got, dict) and got.get("kind") == "ndarray":
            return (f"returned the NumPy array {_got_text(got)}; return a tf.Tensor "
                    "(tf.convert_to_tensor)")
        if isinstance(got, dict) and got.get("kind") in ("Tensor", "Variable") \
                and got["dtype"] != "float32":
            return f"returned a {got['dtype']} tensor; the gradient is float32"
        if g["kind"] == "slices":
            a = as_array(got)
            vals = np.asarray(g["values"], np.float64)
            if a is not None and a.shape == vals.shape and a.shape != want.shape \
                    and np.allclose(a, vals, atol=ATOL):
                return ("returned the IndexedSlices' values, one row per read, not per table row; "
                        "tf.convert_to_tensor(g) adds them up into the dense gradient")

        def values_only(gv, wnt):
            vals = np.asarray(g.get("values", []), np.float64)
            if g["kind"] == "slices" and vals.shape == gv.shape and np.allclose(gv, vals, atol=ATOL):
                return ("that is the IndexedSlices' values, one row per read, not per table row; "
                        "tf.convert_to_tensor(g) adds them up into the dense gradient")
            return None

        def overwritten(gv, wnt):
            if g["kind"] != "slices":
                return None
            last = np.zeros(shape)
            for i, v in zip(g["indices"], np.asarray(g["values"], np.float64)):
                last[i] = v
            if np.allclose(gv, last, atol=ATOL):
                return ("a row read twice keeps only its last values; the rows of the same index "
                        "must be added (tf.convert_to_tensor(g) does that)")
            return None

        none_hint = "g is None here; return tf.zeros(shape) then" if g["kind"] == "none" else ""
        return _close(got, want, hints=(values_only, overwritten), none_hint=none_hint)


# --- 8. a straight-through estimator ---------------------------------------------------------
class RoundSte(Question):
    """round_ste(x) -> tf.round(x) in the forward pass, gradient 1 (straight through)."""

    name, unit = "round_ste", UNIT
    summary = "tf.round in the forward pass with a straight-through gradient"

    def public(self):
        # the lecture's w = [0.4, 2.6, 1.3] (section 4), where tf.round gave None
        return [self.case([0.4, 2.6, 1.3], [1.0, 1.0, 1.0]),
                self.case([-1.7, -0.2, 0.3, 2.2], [1.0, 2.0, 3.0, 4.0])]

    def hidden(self, rng):
        cases = []
        for _ in range(self.n_hidden):
            shape = [(), (int(rng.integers(2, 6)),), (2, 3)][int(rng.integers(3))]
            x = np.round(rng.uniform(-4.0, 4.0, size=shape), 2)
            tie = np.abs(np.abs(x - np.floor(x)) - 0.5) < 0.03  # no halves: fair to floor(x + 0.5)
            x = np.where(tie, x + 0.1, x)
            u = np.round(rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1, 1], size=shape), 2)
            if shape == ():
                cases.append(self.case(float(x), float(u) if abs(u) != 1 else 1.5))
            else:
                cases.append(self.case(x.tolist(), u.tolist()))
        return cases

    def case(self, x, upstream):
        label = f"round_ste(x) at x = {_variable_text(x)}"
        if not np.allclose(upstream, 1.0):
            label += f", gradient of sum({_text(upstream)} * round_ste(x))"
        return super().case(x, upstream, label=label)

    def expected(self, x, upstream):
        x = np.asarray(x, np.float64)
        return {"value": np.round(x), "grad": np.broadcast_to(np.asarray(upstream, np.float64), x.shape)}

    def judge(self, got, want, x, upstream):
        value, grad = got["value"], got["grad"]
        if is_error(value):
            return _raised(value)
        dt = value.get("dtype") if isinstance(value, dict) else None
        if dt and not dt.startswith("float"):
            return (f"returned an {dt} tensor: a cast to int is not rounding for a model; keep "
                    "float32 (tf.round)")

        def identity(g, w):
            return "that is x itself: the forward pass must round" if \
                np.allclose(g, x, atol=ATOL) else None

        def sign(g, w):
            xa = np.asarray(x, np.float64)
            return ("check the sign: x + tf.stop_gradient(tf.round(x) - x) has the value "
                    "tf.round(x)") if np.allclose(g, 2 * xa - np.round(xa), atol=ATOL) else None

        problem = _close(value, want["value"], hints=(identity, sign))
        if problem:
            return f"value: {problem}"
        if is_error(grad):
            return f"gradient: {_raised(grad)}"
        if grad is None:
            return ("the gradient is None: tf.round has no gradient; pass it straight through "
                    "with tf.custom_gradient (grad returns upstream) or "
                    "x + tf.stop_gradient(tf.round(x) - x)")

        def ignores_upstream(g, w):
            if np.allclose(g, 1.0) and not np.allclose(w, 1.0):
                return ("the gradient is all ones: your grad(upstream) ignores upstream; return "
                        "upstream (times 1), not tf.ones_like(x)")
            return None

        def zero(g, w):
            return "the gradient is 0, the true derivative of a step: pass it straight through" \
                if np.allclose(g, 0.0) else None

        problem = _close(grad, want["grad"], hints=(ignores_upstream, zero))
        return f"gradient: {problem}" if problem else None


# --- 9. log(1 + e^x), stable in value and gradient -----------------------------------------
class Log1pexp(Question):
    """log1pexp(x) -> log(1 + exp(x)) with a finite, correct value and gradient on [-1000, 1000]."""

    name, unit = "log1pexp", UNIT
    summary = "log(1 + e^x) with a finite value and a finite, correct gradient for |x| <= 1000"

    def public(self):
        return [self.case([-1000.0, 0.0, 1000.0], [1.0, 1.0, 1.0]),
                self.case([-20.0, -1.0, 1.0, 20.0], [1.0, 1.0, 1.0, 1.0])]

    def hidden(self, rng):
        cases = []
        for i in range(self.n_hidden):
            n = int(rng.integers(3, 7))
            wide = rng.uniform(-1000.0, 1000.0, size=n)
            narrow = rng.uniform(-30.0, 30.0, size=n)
            x = np.round(np.where(rng.random(n) < 0.5, wide, narrow), 2)
            x[0] = np.round(rng.uniform(100.0, 1000.0), 2)     # exp(x) overflows float32 here
            x[1] = -np.round(rng.uniform(100.0, 1000.0), 2)
            if i % 2:
                x[2] = 0.0                                       # the kink of max(x, 0) and |x|
            x = rng.permutation(x)
            u = np.round(rng.uniform(0.5, 2.0, size=n) * rng.choice([-1, 1], size=n), 2)
            if rng.random() < 0.3:
                cases.append(self.case(x.reshape(1, n).tolist(), u.reshape(1, n).tolist()))
            else:
                cases.append(self.case(x.tolist(), u.tolist()))
        return cases

    def case(self, x, upstream):
        label = f"log1pexp(x) at x = {_variable_text(x)}"
        if not np.allclose(upstream, 1.0):
            label += f", gradient of sum({_text(upstream)} * log1pexp(x))"
        return super().case(x, upstream, label=label)

    def expected(self, x, upstream):
        x = np.asarray(x, np.float64)
        sigmoid = np.exp(-np.logaddexp(0.0, -x))  # 1 / (1 + e^-x) without overflow
        return {"value": np.logaddexp(0.0, x), "grad": np.asarray(upstream, np.float64) * sigmoid}

    def judge(self, got, want, x, upstream):
        value, grad = got["value"], got["grad"]
        xa = np.asarray(x, np.float64)
        if is_error(value):
            if value["type"] == "NotAllowedHere":  # the step switches softplus off
                return (f"{value['message']}: softplus is log1pexp under another name; build it "
                        "from tf.exp/tf.math.log1p with tf.custom_gradient (or a stable rewrite)")
            return _raised(value)
        v = as_array(value)
        if v is not None and v.shape == xa.shape and not np.all(np.isfinite(v)):
            bad = xa[~np.isfinite(v)]
            return (f"the value is {_got_text(value)}, not finite at x = {number_text(bad[0])}: exp(x) "
                    "overflows float32 for x > 88; rewrite log(1 + e^x) = max(x, 0) + "
                    "log1p(e^-|x|), whose exp never overflows")
        problem = _close(value, want["value"])
        if problem:
            return f"value: {problem}"
        if is_error(grad):
            return f"gradient: {_raised(grad)}"
        if grad is None:
            return ("the gradient is None: is the value built from tf ops inside the function "
                    "(no NumPy, no constant)?")
        gv = as_array(grad)
        if gv is not None and gv.shape == xa.shape and not np.all(np.isfinite(gv)):
            bad = xa[~np.isfinite(gv)]
            return (f"the gradient is {_got_text(grad)}, not finite at x = {number_text(bad[0])}: an exp that "
                    "overflows anywhere on the path (even in a branch tf.where did not pick) gives "
                    "inf * 0 = nan; give the function its own gradient, sigmoid(x), with "
                    "tf.custom_gradient")

        def kink(g, w):
            at0 = xa == 0
            if at0.any() and not np.allclose(g[at0], w[at0], atol=ATOL):
                bad = (~np.isclose(g, w, atol=ATOL, rtol=RTOL)) & ~at0
                if not bad.any():
                    return ("wrong only at x = 0, where the gradient must be 0.5: tf.maximum, "
                            "tf.abs and relu pick one side at their kink; give log1pexp its own "
                            "gradient, sigmoid(x), with tf.custom_gradient")
            return None

        def ignores_upstream(g, w):
            sig = w / np.asarray(upstream, np.float64)
            if not np.allclose(upstream, 1.0) and np.allclose(g, sig, atol=ATOL, rtol=RTOL):
                return "your grad(upstream) ignores upstream; return upstream * sigmoid(x)"
            return None

        problem = _close(grad, want["grad"], hints=(kink, ignores_upstream))
        return f"gradient: {problem}" if problem else None
