"""Unit 01, Tensors, Variables and dtypes: the graded questions.

The random cases are stratified: every student's stream holds each kind of input the statement
names (a Python int, a float, lists, int64 and float64 NumPy arrays, tf.float64 tensors, scalar
and vector deltas, int32 and int64 labels, vectors and matrices), drawn with random values, so a
rule that works for one kind only fails for every student.
"""

from __future__ import annotations

import numpy as np

from ..student.compare import close, dtype_name, error_cause
from ..question import Question
from ..student.values import as_array, is_error, number_text, show, value_text

UNIT = "01_tensors"


def _kinds(rng: np.random.Generator, fixed: list[str], extra: list[str], n: int) -> list[str]:
    """Every kind of `fixed` once, then random kinds of `extra` up to n, in a random order."""
    kinds = list(fixed) + [str(k) for k in rng.choice(extra, size=max(0, n - len(fixed)))]
    return [kinds[i] for i in rng.permutation(len(kinds))]


def _shape(rng: np.random.Generator, ndim: int) -> tuple:
    return tuple(int(d) for d in rng.integers(1, 4, size=ndim))


def _typed(value) -> str:
    """How a case's value reads in a call: 3, 2.5, [1, 2], np.array([...]) with its dtype."""
    if isinstance(value, np.ndarray):
        suffix = "" if value.dtype == np.float64 else f", np.{value.dtype.name}"
        return f"np.array({value_text(value)}{suffix})"
    return repr(value)


# what tf.Variable(value) infers without dtype= (lecture 01, "dtype inference")
def _inferred(value) -> tuple[str, str]:
    if isinstance(value, np.ndarray):
        return value.dtype.name, f"a NumPy {value.dtype.name} array keeps its dtype"
    if isinstance(value, bool):
        return "bool", ""
    if isinstance(value, int):
        return "int32", "a Python int makes an int32 Variable"
    if isinstance(value, float):
        return "float32", ""
    flat = np.asarray(value)
    if flat.dtype.kind in "iu":
        return "int32", "a list of ints makes an int32 Variable"
    return "float32", ""


class AsParam(Question):
    """as_param(value) -> a trainable float32 tf.Variable holding value."""

    name, unit = "as_param", UNIT
    summary = "a trainable float32 Variable from a number, a list or a NumPy array"

    def public(self):
        return [self.case(3), self.case(3.0), self.case([1, 2, 3]),
                self.case(np.arange(3)), self.case(np.array([0.5, 1.5]))]

    KINDS = ["int", "float", "int list", "float list", "int64", "float64", "float64 matrix"]

    def hidden(self, rng):
        cases = []
        for kind in _kinds(rng, self.KINDS, self.KINDS, self.n_hidden):
            if kind == "int":
                cases.append(self.case(int(rng.integers(-9, 10))))
            elif kind == "float":
                cases.append(self.case(float(np.round(rng.normal() * 5, 3))))
            elif kind == "int list":
                shape = _shape(rng, int(rng.integers(1, 3)))
                cases.append(self.case(rng.integers(-5, 6, size=shape).tolist()))
            elif kind == "float list":
                cases.append(self.case(np.round(rng.normal(size=int(rng.integers(1, 5))) * 3, 2).tolist()))
            elif kind == "int64":
                shape = _shape(rng, int(rng.integers(0, 3)))
                cases.append(self.case(rng.integers(-9, 10, size=shape).astype(np.int64)))
            elif kind == "float64":
                cases.append(self.case(np.round(rng.normal(size=_shape(rng, int(rng.integers(0, 2)))), 3)))
            else:
                cases.append(self.case(np.round(rng.normal(size=_shape(rng, 2)), 3)))
        return cases

    def case(self, value):
        return super().case(value, label=f"as_param({_typed(value)})")

    def expected(self, value):
        return np.asarray(value, dtype=np.float64)

    def judge(self, got, want, value):
        if is_error(got):
            return error_cause(got)
        if not (isinstance(got, dict) and got.get("kind") == "Variable"):
            if isinstance(got, dict) and got.get("kind") == "Tensor":
                return ("returned a Tensor, not a tf.Variable: tf.constant, tf.cast and arithmetic "
                        "give Tensors, which cannot be updated in place; wrap the value in tf.Variable(...)")
            return f"returned {show(got)}, not a tf.Variable: make one with tf.Variable(...)"
        if got["dtype"] != "float32":
            inferred, why = _inferred(value)
            cause = f": tf.Variable(value) without dtype= infers {inferred} ({why})" \
                if why and got["dtype"] == inferred else ""
            article = "an" if got["dtype"][0] in "aeiou" else "a"
            return (f"{article} {got['dtype']} Variable, expected float32{cause}; "
                    "pass dtype=tf.float32, or cast the value to float32 first")
        if not got["trainable"]:
            return "the Variable has trainable=False, so a tape will not watch it; leave trainable=True"
        return close(got, want, atol=1e-6)


class UpdateInPlace(Question):
    """update_in_place(var, delta) adds delta to var in place and returns var."""

    name, unit = "update_in_place", UNIT
    summary = "add delta to a float32 Variable in place (same object), delta of any dtype"

    def public(self):
        return [self.case([1.0, 2.0], 0.5), self.case([1.0, 2.0], [1, 1]),
                self.case([3.0], np.array([-0.25]))]

    KINDS = ["float64", "int list", "float list", "tf64", "scalar", "int scalar"]

    def hidden(self, rng):
        cases = []
        for kind in _kinds(rng, self.KINDS, self.KINDS, self.n_hidden):
            n = int(rng.integers(2, 5)) if kind in ("scalar", "int scalar") else int(rng.integers(1, 5))
            start = np.round(rng.normal(size=n), 3).tolist()
            if kind == "float64":
                delta = np.round(rng.normal(size=n), 3)
            elif kind == "int list":
                delta = (rng.integers(1, 4, size=n) * rng.choice([-1, 1], size=n)).tolist()
            elif kind == "float list":
                delta = np.round(rng.uniform(0.25, 2.0, size=n) * rng.choice([-1, 1], size=n), 2).tolist()
            elif kind == "tf64":
                delta = {"tf_float64": np.round(rng.normal(size=n), 3)}
            elif kind == "scalar":
                delta = float(np.round(rng.uniform(0.25, 2.0) * rng.choice([-1, 1]), 3))
            else:
                delta = int(rng.integers(1, 4) * rng.choice([-1, 1]))
            cases.append(self.case(start, delta))
        return cases

    def case(self, start, delta):
        shown = (f"tf.constant({value_text(delta['tf_float64'])}, tf.float64)"
                 if isinstance(delta, dict) else _typed(delta))
        return super().case(start, delta, label=f"update_in_place(tf.Variable({value_text(start)}), {shown})")

    def expected(self, start, delta):
        d = delta["tf_float64"] if isinstance(delta, dict) else delta
        return np.asarray(start, np.float64) + np.asarray(d, np.float64)

    def judge(self, got, want, start, delta):
        if is_error(got):
            return error_cause(got)
        var, returned = got["var"], got.get("returned")
        old = np.asarray(start, np.float64)
        now = as_array(var)
        unchanged = now is not None and now.shape == old.shape and np.allclose(now, old, atol=1e-6)
        if unchanged and not np.allclose(want, old, atol=1e-6):
            made = returned.get("kind") if isinstance(returned, dict) else None
            if got["same_object"]:
                how = "your function returned it without changing it"
            elif made == "Tensor":
                how = "it returned a new Tensor (`var = var + delta` makes one)"
            elif made == "Variable":
                how = "it returned a new Variable"
            else:
                how = f"it returned {show(returned)}"
            return (f"the Variable passed in still holds its old value {value_text(old)}: {how}; "
                    "update the Variable itself with var.assign_add(...)")
        problem = close(var, want, atol=1e-5)
        if problem and now is not None and now.shape == want.shape:
            d = want - old
            if np.allclose(now, old - d, atol=1e-5):
                problem = (f"the Variable holds {value_text(now)}, expected {value_text(want)}: "
                           "delta was subtracted; add it (assign_add)")
            elif np.allclose(now, np.broadcast_to(d, now.shape), atol=1e-5):
                problem = (f"the Variable holds {value_text(now)}, expected {value_text(want)}: it holds "
                           "delta alone; add delta to the old value (assign_add, or assign var + delta)")
            else:
                problem = (f"the Variable holds {value_text(now)}, expected {value_text(want)} "
                           f"(old value {value_text(old)} plus delta)")
        if problem:
            return problem
        if not got["same_object"]:
            what = returned.get("kind", "object") if isinstance(returned, dict) else show(returned)
            return (f"the Variable was updated, but the function returned another object (a {what}), "
                    "not the Variable it was given: end with `return var`")
        return None


class MseIntLabels(Question):
    """mse_int_labels(y_int, y_pred): mean squared error of int labels and float32 predictions."""

    name, unit = "mse_int_labels", UNIT
    summary = "mean squared error between int labels and float32 predictions, as a float32 scalar tensor"

    def public(self):
        return [self.case([1, 0, 2], [0.5, 0.0, 2.5]), self.case([3], [2.5])]

    KINDS = ["int32", "int64", "int32 matrix", "int64 matrix", "int32 one"]

    def hidden(self, rng):
        cases = []
        for kind in _kinds(rng, self.KINDS, ["int32", "int64"], 6):
            dtype = kind.split()[0]
            if kind.endswith("matrix"):
                shape = (int(rng.integers(2, 4)), int(rng.integers(2, 4)))
            else:
                shape = (1,) if kind.endswith("one") else (int(rng.integers(3, 8)),)
            labels = rng.integers(0, 5, size=shape)
            preds = labels + np.round(rng.uniform(0.1, 0.9, size=shape) * rng.choice([-1, 1], size=shape), 2)
            cases.append(self.case(labels.tolist(), np.round(preds, 3).tolist(), label_dtype=dtype))
        return cases

    def case(self, labels, preds, label_dtype="int32"):
        return super().case(labels, preds, label_dtype,
                            label=f"mse_int_labels(tf.constant({value_text(labels)}, tf.{label_dtype}), "
                                  f"tf.constant({value_text(preds)}))")

    def expected(self, labels, preds, label_dtype):
        return float(np.mean((np.asarray(labels, np.float64) - np.asarray(preds, np.float64)) ** 2))

    def judge(self, got, want, labels, preds, label_dtype):
        if is_error(got):
            return error_cause(got)
        g = as_array(got)
        dt = dtype_name(got)
        if dt and not dt.startswith(("float", "bfloat")) and g is not None:
            return (f"returned an {dt} tensor: casting the predictions to int throws away their "
                    "fractions; cast the labels to float32 instead")
        if g is not None and g.shape == () and not np.isclose(float(g), want, atol=1e-5, rtol=1e-5):
            y, p = np.asarray(labels, np.float64), np.asarray(preds, np.float64)
            if np.isclose(float(g), np.mean((y - np.trunc(p)) ** 2), atol=1e-5):
                return (f"returned {number_text(float(g))}, expected {number_text(want)}: the predictions "
                        "were truncated to ints before subtracting; cast the labels to float32 instead")
            if y.ndim > 1 and np.isclose(float(g), np.sum((y - p) ** 2) / len(y), atol=1e-5):
                return (f"returned {number_text(float(g))}, expected {number_text(want)}: the sum was "
                        f"divided by len(y) = {len(y)}, the number of rows, not by the {y.size} "
                        "elements; tf.reduce_mean averages over all of them")
            return (f"returned {number_text(float(g))}, expected {number_text(want)}, the mean of "
                    f"the {y.size} squared differences")
        problem = close(got, want, atol=1e-5)
        if problem:
            return problem
        if not (isinstance(got, dict) and got.get("kind") == "Tensor"):
            return (f"returned {show(got)}, the right value but not a tensor: return a float32 scalar "
                    "tensor (keep the tf.reduce_mean result; no .numpy() or float())")
        if dt != "float32":
            return (f"returned a {dt} tensor with the right value, expected float32: cast the labels "
                    "to y_pred's dtype, float32")
        return None


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
        return (f"returned True, but a tape gives None for {dtype} tensors (only floating-point and "
                "complex dtypes carry gradients)")
