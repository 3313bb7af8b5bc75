"""Unit 01, Tensors, Variables and dtypes: the graded questions."""

from __future__ import annotations

import numpy as np

from ..compare import close, dtype_name, error_cause, first_problem
from ..question import Question
from ..student.values import is_error, show

UNIT = "01_tensors"


class AsParam(Question):
    """as_param(value) -> a trainable float32 tf.Variable holding value."""

    name, unit = "as_param", UNIT
    summary = "a trainable float32 Variable from a number, a list or a NumPy array"

    def public(self):
        return [self.case(3), self.case(3.0), self.case([1, 2, 3]),
                self.case(np.arange(3)), self.case(np.array([0.5, 1.5]))]

    def hidden(self, rng):
        cases = []
        for _ in range(self.n_hidden):
            shape = tuple(rng.integers(1, 4, size=rng.integers(0, 3)))
            kind = rng.choice(["int", "float", "int64", "float64", "list"])
            if kind == "int":
                cases.append(self.case(int(rng.integers(-9, 10))))
            elif kind == "float":
                cases.append(self.case(float(np.round(rng.normal() * 5, 3))))
            elif kind == "int64":
                cases.append(self.case(rng.integers(-9, 10, size=shape).astype(np.int64)))
            elif kind == "float64":
                cases.append(self.case(rng.normal(size=shape)))
            else:
                cases.append(self.case(rng.integers(-5, 6, size=shape).tolist()))
        return cases

    def expected(self, value):
        return np.asarray(value, dtype=np.float64)

    def judge(self, got, want, value):
        if is_error(got):
            return error_cause(got)
        if not (isinstance(got, dict) and got.get("kind") == "Variable"):
            return (f"returned {show(got)}, not a tf.Variable: tf.constant and arithmetic "
                    "give Tensors, which cannot be updated in place")
        if got["dtype"] != "float32":
            cause = {"int32": "a Python int (or list of ints) makes an int32 Variable",
                     "int64": "an int64 NumPy array keeps its dtype",
                     "float64": "a float64 NumPy array keeps its dtype"}.get(got["dtype"], "")
            return (f"dtype {got['dtype']}, expected float32" + (f": {cause}; " if cause else "; ")
                    + "pass dtype=tf.float32 or cast first")
        if not got["trainable"]:
            return "the Variable has trainable=False, so a tape will not watch it"
        return close(got, want, atol=1e-6)


class UpdateInPlace(Question):
    """update_in_place(var, delta) adds delta to var in place and returns var."""

    name, unit = "update_in_place", UNIT
    summary = "add delta to a float32 Variable in place (same object), delta of any dtype"

    def public(self):
        return [self.case([1.0, 2.0], 0.5), self.case([1.0, 2.0], [1, 1]),
                self.case([3.0], np.array([-0.25]))]

    def hidden(self, rng):
        cases = []
        for _ in range(self.n_hidden):
            n = int(rng.integers(1, 5))
            start = np.round(rng.normal(size=n), 3).tolist()
            kind = rng.choice(["float64", "int", "tf64", "scalar"])
            if kind == "float64":
                delta = rng.normal(size=n)
            elif kind == "int":
                delta = (rng.integers(1, 4, size=n) * rng.choice([-1, 1], size=n)).tolist()
            elif kind == "tf64":
                delta = {"tf_float64": rng.normal(size=n)}
            else:
                delta = float(np.round(rng.normal(), 3)) or 0.5
            cases.append(self.case(start, delta))
        return cases

    def case(self, start, delta):
        shown = (f"tf.constant({np.round(delta['tf_float64'], 3).tolist()}, tf.float64)"
                 if isinstance(delta, dict) else repr(delta) if not isinstance(delta, np.ndarray)
                 else f"np.array({np.round(delta, 3).tolist()})")
        return super().case(start, delta, label=f"update_in_place(tf.Variable({start}), {shown})")


    def expected(self, start, delta):
        d = delta["tf_float64"] if isinstance(delta, dict) else delta
        return np.asarray(start, np.float64) + np.asarray(d, np.float64)

    def judge(self, got, want, start, delta):
        if is_error(got):
            return error_cause(got)
        var = got["var"]
        unchanged = np.allclose(var["value"], np.asarray(start, np.float64), atol=1e-6)
        if unchanged and not np.allclose(want, np.asarray(start, np.float64), atol=1e-6):
            return ("the Variable passed in still holds its old value: `var = var + delta` makes "
                    "a new Tensor; use var.assign_add(...)")
        return first_problem(
            close(var, want, atol=1e-5),
            None if got["same_object"] else "return the Variable you were given (`return var`)",
        )


class MseIntLabels(Question):
    """mse_int_labels(y_int, y_pred): mean squared error of int labels and float32 predictions."""

    name, unit = "mse_int_labels", UNIT
    summary = "mean squared error between int labels and float32 predictions, as float32"

    def public(self):
        return [self.case([1, 0, 2], [0.5, 0.0, 2.5]), self.case([3], [2.5])]

    def hidden(self, rng):
        cases = []
        for _ in range(self.n_hidden):
            n = int(rng.integers(1, 8))
            labels = rng.integers(0, 5, size=n).tolist()
            preds = np.round(rng.normal(2.0, 1.5, size=n), 3).tolist()
            cases.append(self.case(labels, preds, label_dtype=str(rng.choice(["int32", "int64"]))))
        return cases

    def case(self, labels, preds, label_dtype="int32"):
        return super().case(labels, preds, label_dtype,
                            label=f"mse_int_labels(tf.constant({labels}, {label_dtype}), "
                                  f"tf.constant({preds}))")


    def expected(self, labels, preds, label_dtype):
        return float(np.mean((np.asarray(labels, np.float64) - np.asarray(preds, np.float64)) ** 2))

    def judge(self, got, want, labels, preds, label_dtype):
        dt = dtype_name(got)
        if dt and not dt.startswith("float"):
            return (f"returned an {dt} tensor: casting the predictions to int throws away their "
                    "fractions; cast the labels to float32 instead")

        def truncated(g, w):
            t = np.mean((np.asarray(labels) - np.trunc(np.asarray(preds))) ** 2)
            return "the predictions were truncated to ints before subtracting" if np.isclose(g, t) else None

        return close(got, want, atol=1e-5, hints=[truncated])


CARRY_DTYPES = ["float16", "bfloat16", "float32", "float64", "complex64", "complex128",
                "int32", "int64", "uint8", "bool"]


class CarriesGradient(Question):
    """carries_gradient(t) -> True if a GradientTape can give a gradient with respect to t."""

    name, unit = "carries_gradient", UNIT
    summary = "whether a tape gives a gradient for a tensor of t's dtype"

    def public(self):
        return [self.case("float32"), self.case("int32")]

    def hidden(self, rng):
        return [self.case(d) for d in rng.permutation(CARRY_DTYPES)]

    def case(self, dtype):
        value = "True" if dtype == "bool" else "3"
        return super().case(dtype, label=f"carries_gradient(tf.constant({value}, tf.{dtype}))")


    def expected(self, dtype):
        # Which dtypes a tape differentiates; tests/test_questions.py confirms this by running tapes.
        return dtype.startswith(("float", "bfloat", "complex"))

    def judge(self, got, want, dtype):
        if is_error(got):
            return error_cause(got)
        if not isinstance(got, bool):
            return f"returned {show(got)}; return True or False"
        if got == want:
            return None
        if want:
            return f"returned False, but a tape does differentiate {dtype} tensors"
        return f"returned True, but a tape gives None for {dtype} tensors (only float and complex dtypes carry gradients)"
