"""Every question's declaration, checked directly against the solution and the wrong answers."""

import numpy as np
import pytest

from autograder import notebooks, question
from autograder.checks import first_failure
from autograder.sample_class import RIGHT, Unit, load_wrong_module, wrong_answers
from helpers import passes, seeded, solutions

UNITS = notebooks.units()
SEEDS = range(6)  # each unit was swept over 30 seeds when written; CI keeps six


def declared(unit):
    return [q.name for q in question.for_unit(unit)]


@pytest.mark.parametrize("unit", UNITS)
def test_every_solution_cell_has_a_declared_question_and_back(unit):
    assert Unit.load(unit).questions == declared(unit)
    assert len(declared(unit)) >= 4


@pytest.mark.parametrize("unit", UNITS)
def test_the_solution_passes_every_case_at_every_seed(unit):
    ns = solutions(unit)
    for name in declared(unit):
        for seed in SEEDS:
            ok, report = passes(name, ns[name], seed, public=seed == SEEDS[0])
            assert ok, f"{unit} {name} seed {seed}:\n{report}"


def wrong_answer_ids():
    return [(u, w) for u in UNITS for ws in Unit.load(u).wrong.values() for w in ws]


@pytest.mark.parametrize("unit,wrong", wrong_answer_ids(), ids=lambda v: v)
def test_each_wrong_answer_fails_at_every_seed(unit, wrong):
    fn = getattr(load_wrong_module(unit), wrong)
    name = wrong.split("__")[0]
    ok, report = passes(name, fn, SEEDS[0])  # the whole report a student would read, once
    assert not ok, f"{wrong} passed at seed {SEEDS[0]}:\n{report}"
    assert "✗" in report and "Traceback" not in report
    for seed in SEEDS[1:4]:  # then only whether it fails (benchmarks/separation.py: 200 students)
        with seeded(seed):
            assert first_failure(question.get(name), fn), f"{wrong} passed at seed {seed}"


def right_answer_ids():
    return [(u, a) for u in UNITS for ans in wrong_answers(u, RIGHT)[0].values() for a in ans]


@pytest.mark.parametrize("unit,answer", right_answer_ids(), ids=lambda v: v)
def test_each_other_right_answer_passes_at_every_seed(unit, answer):
    fn = getattr(load_wrong_module(unit, RIGHT), answer)
    for seed in SEEDS:
        ok, report = passes(answer.split("__")[0], fn, seed, public=seed == SEEDS[0])
        assert ok, f"{answer} failed at seed {seed}:\n{report}"


@pytest.mark.parametrize("unit", UNITS)
def test_every_question_has_a_wrong_answer(unit):
    u = Unit.load(unit)
    assert set(u.wrong) == set(u.questions), f"questions without a wrong answer: {set(u.questions) - set(u.wrong)}"
    assert set(u.wrong) <= set(declared(unit))


def test_the_hidden_cases_depend_on_the_student_and_are_reproducible(monkeypatch):
    from autograder.checks import case_seed

    monkeypatch.setenv("AUTOGRADER_STUDENT", "ada")
    a = case_seed("as_param", "hidden")
    assert a == case_seed("as_param", "hidden")
    monkeypatch.setenv("AUTOGRADER_STUDENT", "bob")
    assert case_seed("as_param", "hidden") != a


def test_without_a_student_or_seed_the_random_cases_are_fresh_each_run(monkeypatch):
    from autograder.checks import case_seed

    monkeypatch.delenv("AUTOGRADER_SEED", raising=False)
    monkeypatch.delenv("AUTOGRADER_STUDENT", raising=False)
    monkeypatch.chdir("/")
    assert case_seed("as_param", "random") != case_seed("as_param", "random")


def test_carries_gradient_reference_agrees_with_running_a_tape():
    import tensorflow as tf

    from autograder.questions.u01_tensors import CARRY_DTYPES

    q = question.get("carries_gradient")
    for dtype in CARRY_DTYPES:
        t = tf.constant(True if dtype == "bool" else 3, getattr(tf, dtype))
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = tf.identity(t)
        assert (tape.gradient(y, t) is not None) == q.expected(dtype), dtype


def test_a_failing_check_shows_no_traceback_and_writes_nothing_to_stderr(capsys):
    def as_param(value):
        import sys
        print("student debug output", file=sys.stderr)
        return np.float64(value)

    ok, report = passes("as_param", as_param, 0)
    assert not ok
    assert "not a tf.Variable" in report
    assert capsys.readouterr().err == ""


def test_checks_name_the_likely_cause_of_common_mistakes():
    import tensorflow as tf

    def mse_int_labels(y_int, y_pred):
        return tf.reduce_mean(tf.square(y_int - y_pred))

    ok, report = passes("mse_int_labels", mse_int_labels, 0)
    assert not ok and "TensorFlow never casts for you" in report


def test_release_test_cells_end_in_a_statement_not_an_expression():
    import ast

    for unit in UNITS:
        nb = notebooks.read(notebooks.exercise(unit, notebooks.RELEASE))
        for cell, meta in notebooks.nbgrader_cells(nb):
            if meta.get("grade"):
                last = ast.parse(cell.source).body[-1]
                assert not isinstance(last, ast.Expr), f"{unit} {meta['grade_id']}"


def test_predict_none_reference_agrees_with_running_every_scenario():
    from autograder.questions.u02_gradient_tape import none_reason, run_scenario, scenarios

    disagree = [s for s in scenarios() if (none_reason(s) is not None) != run_scenario(s)]
    assert not disagree, f"{len(disagree)} scenarios, e.g. {disagree[0]}"


def test_a_none_gradient_of_an_intermediate_is_explained_from_the_call_logs():
    wrong = load_wrong_module("02_gradient_tape")
    for name in ("watch_u_outside", "u_before_tape", "recomputes_u", "g_of_new_h"):
        ok, report = passes("grad_wrt_intermediate", getattr(wrong, f"grad_wrt_intermediate__{name}"), 0)
        assert not ok
        lines = [line for line in report.splitlines() if "✗" in line and "None" in line]
        assert lines and all("no tape was recording" in line or "was called 2 times" in line
                             for line in lines), (name, lines)
