"""Black boxes served from outside the student's process: values, derivatives and the evaluation log."""

import numpy as np
import pytest
import tensorflow as tf

from autograder.student.oracles import Oracle, Table
from autograder.student import probes, wire


def served(fn, **kwargs):
    """(the student's callable, the grader's log) for one oracle, served in-process across the wire format."""
    table = Table()
    handle = wire.roundtrip(table.substitute(Oracle(fn, **kwargs)))
    return table, handle


def cubic(x):
    return x ** 3 + 2.0 * x


@pytest.fixture
def box():
    table, handle = served(cubic)
    with probes.serving(lambda r: wire.roundtrip(table.serve(wire.roundtrip(r)))):
        yield probes.black_box(handle), table.logs[0]


def test_values_and_gradients_come_from_the_server_and_each_evaluation_is_logged(box):
    f, log = box
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    assert float(y) == 12.0 and float(tape.gradient(y, x)) == 14.0
    assert len(log) == 1 and log[0]["taped"] is True and log[0]["args"][0]["computed"] == "float32"


def test_second_derivatives_by_nested_tapes(box):
    f, log = box
    x = tf.constant(2.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x)
    assert float(outer.gradient(g, x)) == 12.0 and len(log) == 1


def test_jacobian_of_an_elementwise_black_box(box):
    f, log = box
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    np.testing.assert_allclose(tape.jacobian(y, x), np.diag([5.0, 14.0]))
    assert len(log) == 1


def test_inside_tf_function_every_execution_is_an_evaluation(box):
    f, log = box

    @tf.function
    def grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        return tape.gradient(y, x)

    assert float(grad(tf.constant(1.0))) == 5.0 and float(grad(tf.constant(2.0))) == 14.0
    assert len(log) == 2


def test_variables_and_nested_structures():
    table, handle = served(lambda a, b: tf.reduce_sum(a * b), out=[], tree=True)
    with probes.serving(lambda r: table.serve(r)):
        f = probes.black_box(handle)
        params = {"w": tf.Variable([1.0, 2.0]), "b": tf.Variable([3.0, 4.0])}
        with tf.GradientTape() as tape:
            y = f(params)
        grads = tape.gradient(y, params)
    assert float(y) == 11.0
    np.testing.assert_allclose(grads["w"], [3.0, 4.0])  # tf.nest order: b, then w
    assert len(table.logs[0]) == 1


def test_an_error_of_the_function_reaches_the_student_as_its_type():
    table, handle = served(lambda x: 1.5 * x)
    with probes.serving(lambda r: table.serve(r)):
        with pytest.raises(TypeError):
            probes.black_box(handle)(tf.constant(3))  # 1.5 * an int32 tensor, as TensorFlow says
    assert len(table.logs[0]) == 1 and table.logs[0][0]["args"][0]["computed"] == "int32"


def test_a_black_box_kept_after_its_case_cannot_be_evaluated(box):
    f, _ = box
    with probes.serving(None):
        with pytest.raises(probes.OracleUnavailable):
            f(tf.constant(1.0))


def test_the_evidence_overwrites_what_the_student_side_claims():
    table, _ = served(cubic)
    got = table.evidence({"value": 1.0, "calls": []})
    assert got["calls"] is table.logs[0]
    assert table.evidence(3.0) == {"value": 3.0, "calls": table.logs[0]}


def test_bad_requests_get_an_error_reply_not_an_exception():
    table, _ = served(cubic)
    for request in ({}, {"id": 7, "what": "value", "args": []}, {"id": 0, "what": "nope", "args": [1.0]},
                    {"id": "0", "what": "value", "args": [1.0]}, {"id": 0, "what": "value", "args": "x"},
                    {"id": 0, "what": "value", "args": [np.zeros(2_000_000)]}):
        assert "error" in table.serve(request)
    assert table.logs[0] == []  # none of them was an evaluation
