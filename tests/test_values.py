"""describe() reads values past objects that lie about themselves (facts.md §2)."""

import pytest
import numpy as np
import tensorflow as tf

from autograder.student.compare import close
from autograder.student.values import describe, show


class Liar(float):
    def __eq__(self, other):
        return True

    def __float__(self):
        return 6.0

    __hash__ = float.__hash__


class LyingArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, bool)

    def __array__(self, *args, **kwargs):
        return np.full(self.shape, 6.0)


def test_a_float_subclass_is_read_by_its_stored_value():
    assert describe(Liar(1.0)) == 1.0
    assert close(describe(Liar(1.0)), 6.0, atol=1e-6) is not None


def test_an_ndarray_subclass_is_read_by_its_buffer():
    lying = np.array([1.0, 2.0]).view(LyingArray)
    d = describe(lying)
    assert type(d["value"]) is np.ndarray and d["value"].tolist() == [1.0, 2.0]
    assert close(d, np.array([6.0, 6.0]), atol=1e-6) is not None


def test_tensors_and_variables_keep_dtype_shape_and_trainable():
    d = describe(tf.Variable([1, 2], trainable=False))
    assert (d["kind"], d["dtype"], d["shape"], d["trainable"]) == ("Variable", "int32", [2], False)
    assert describe(tf.constant(3.0))["kind"] == "Tensor"
    assert show(describe(tf.constant([1.0, 2.0]))) == "Tensor([1., 2.], dtype=float32)"


def test_an_exception_becomes_its_type_and_first_line_without_tf_noise():
    try:
        tf.constant(1) * tf.constant(1.0)
    except Exception as e:  # noqa: BLE001
        d = describe(e)
    assert d["type"] == "InvalidArgumentError" and "{{function_node" not in d["message"]
    assert "but is a int32 tensor" in d["message"] or "expected to be a" in d["message"]


def test_a_summed_list_target_is_named():
    assert "summed" in close(describe(tf.constant(136.0)), np.array([40.0, 46.0, 50.0]), atol=1e-4)


def test_broadcasting_n_by_n_is_named():
    assert "broadcast" in close(describe(np.zeros((3, 3))), np.zeros(3), atol=1e-4)


def test_an_error_from_inside_tensorflow_reaches_the_student_behind_a_sentence_of_ours():
    from autograder.student.compare import INTERNAL, error_cause
    from autograder.student.values import describe_error

    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    try:  # a NumPy value where the tape needs the tensor it watched
        tape.gradient(y, np.array(2.0))
    except AttributeError as e:
        message = error_cause(describe_error(e))
    assert "has no attribute '_id'" in message and INTERNAL in message
    try:
        tf.exp(tf.constant(0))
    except tf.errors.InvalidArgumentError as e:
        message = error_cause(describe_error(e))
    assert "tf.cast it to float32" in message and INTERNAL not in message


def test_an_answer_a_judge_cannot_read_is_described_not_a_judges_exception(monkeypatch):
    from autograder import question
    from helpers import passes

    def judge(got, want, *args):  # a judge that trips over an answer of an unexpected kind
        return got["value"] + 1

    monkeypatch.setattr(question.get("mse_int_labels"), "judge", judge)
    ok, report = passes("mse_int_labels", lambda y_int, y_pred: {"loss": 1.0}, 0)
    assert not ok
    assert "returned {'loss': 1.0}, which is not the kind of value" in report
    assert "KeyError" not in report, report


@pytest.mark.parametrize("name", ["as_param", "derivative", "hessian", "LinearRegression", "Dual"])  # judges word it differently
def test_an_unanswered_question_says_so_once(name):
    from helpers import passes

    def unanswered(*args):
        raise NotImplementedError("write this function, then run the check cell below it")

    ok, report = passes(name, unanswered, 0)
    assert not ok
    assert report.count("not answered yet") == 2, report  # the line, and the cell's summary
    assert "✗" in report and report.count("✗") == 1, report


def test_references_and_wrapped_answers_read_like_the_lectures_values():
    assert show(np.array([46.0, 10.0])) == "[46.0, 10.0]"  # never array([46., 10.])
    assert show({"value": [1.0, 2.5], "calls": []}) == "[1.0, 2.5]"
    assert show(3.0) == "3.0"
