"""The similarity report: the planted copy ranks first, disguises do not hide it, template code is
not counted, and a malformed hand-in is named while the rest of the class is still compared."""

from __future__ import annotations

import shutil
import subprocess
import sys

import nbformat
import pytest

from autograder import course, notebooks, sample_class, similarity
from autograder.notebooks import ROOT, nbgrader_cells

UNIT = sample_class.similarity_units()[0]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample class of the unit with planted pairs, written (not graded), and its report."""
    root = tmp_path_factory.mktemp("similarity-class")
    course.setup_sample_root(root, share=True)  # the committed release/: no nbgrader run needed
    sample_class.write_class(root, [UNIT])
    return root, similarity.write(root, UNIT)


def test_the_planted_copy_ranks_first_above_the_honest_close_pair(sample):
    _, report = sample
    copied, close = report.rank(*sample_class.COPIED_PAIR), report.rank(*sample_class.CLOSE_PAIR)
    assert copied == 1, similarity.summary(report)
    assert close > copied
    top = report.pairs[0]
    assert min(top.share_a, top.share_b) > 0.8  # most of each side matches the other
    # the honest pair is close where it counts least: the reference's lines, which are not counted
    raw = similarity.compare(sample[0], UNIT, remove_reference=False)
    honest = raw.pairs[raw.rank(*sample_class.CLOSE_PAIR) - 1]
    assert min(honest.share_a, honest.share_b) > 0.25  # about 30%: close, honestly
    assert raw.rank(*sample_class.COPIED_PAIR) == 1


def test_the_report_says_similarity_is_evidence_not_a_verdict_and_shows_passages_side_by_side(sample):
    root, report = sample
    page = report.html_path.read_text()
    assert report.html_path == root / "reports" / f"similarity-{UNIT}.html"
    assert "evidence to read, not a verdict" in page.split("<h2>")[0]  # at the top
    first = page.split("id='pair-1'")[1].split("class='pair'")[0]
    assert first.count("<pre>") == 2 and "<mark>" in first
    assert all(s in first for s in sample_class.COPIED_PAIR)


def _hand_in(root, student, sources):
    """A notebook of the release with these answer cells, as `student`."""
    nb = notebooks.read(notebooks.exercise(UNIT, notebooks.RELEASE))
    cells = [cell for cell, meta in nbgrader_cells(nb) if meta.get("solution") and cell.cell_type == "code"]
    for cell, source in zip(cells, sources):
        cell.source = source
    dest = root / "submitted" / student / UNIT / f"{UNIT}.ipynb"
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(dest))


ORIGINAL = '''def fit(X, y, lr, epochs):
    """(w, b) after `epochs` full-batch gradient-descent steps on the MSE, from zero."""
    # my own loop with a residual vector
    Xs = np.asarray(X, np.float64)
    ys = np.asarray(y, np.float64)
    weights, bias = np.zeros(Xs.shape[1]), 0.0
    for step in range(epochs):
        residual = Xs @ weights + bias - ys
        weights = weights - lr * 2.0 / len(ys) * (Xs.T @ residual)
        bias = bias - lr * 2.0 / len(ys) * residual.sum()
    return weights, bias


def helper_loss(Xs, ys, weights, bias):
    residual = Xs @ weights + bias - ys
    return float(np.mean(residual ** 2)), residual.max(), residual.min()
'''

DISGUISED = '''def check_loss(A, t, coef, icpt):
    # loss helper, moved first
    r = A @ coef + icpt - t
    return float(np.mean(r ** 2)), r.max(), r.min()


def fit(X, y, lr, epochs):
    """(w, b) after `epochs` full-batch gradient-descent steps on the MSE, from zero."""
    A = np.asarray(X, np.float64)  # features
    t = np.asarray(y, np.float64)  # targets
    coef, icpt = np.zeros(A.shape[1]), 0.0
    for it in range(epochs):
        r = A @ coef + icpt - t
        coef = coef - lr * 2.0 / len(t) * (A.T @ r)
        icpt = icpt - lr * 2.0 / len(t) * r.sum()
    return coef, icpt
'''

OTHER = '''def fit(X, y, lr, epochs):
    """(w, b) after `epochs` full-batch gradient-descent steps on the MSE, from zero."""
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    model.compile(optimizer=tf.keras.optimizers.SGD(lr), loss="mse")
    model.fit(np.asarray(X), np.asarray(y)[:, None], epochs=epochs, batch_size=len(y), verbose=0)
    kernel, intercept = model.layers[0].get_weights()
    return kernel[:, 0], intercept[0]
'''


def _fit_index():
    return sample_class.Unit.load(UNIT).questions.index("fit")


def _class_of(tmp_path, answers: dict[str, str], remove_reference=True):
    course.setup_sample_root(tmp_path, share=True)
    blank = [cell.source for cell in _answers_of_release()]
    for student, fit_source in answers.items():
        sources = list(blank)
        if fit_source is not None:
            sources[_fit_index()] = fit_source
        _hand_in(tmp_path, student, sources)
    return similarity.compare(tmp_path, UNIT, remove_reference)


def _answers_of_release():
    nb = notebooks.read(notebooks.exercise(UNIT, notebooks.RELEASE))
    return [cell for cell, meta in nbgrader_cells(nb) if meta.get("solution") and cell.cell_type == "code"]


def test_renamed_variables_reordered_functions_and_changed_comments_do_not_hide_a_copy(tmp_path):
    report = _class_of(tmp_path, {"a-original": ORIGINAL, "b-disguised": DISGUISED, "c-other": OTHER})
    assert report.rank("a-original", "b-disguised") == 1
    top = report.pairs[0]
    assert min(top.share_a, top.share_b) > 0.8, similarity.summary(report)
    other = report.pairs[report.rank("a-original", "c-other") - 1]
    assert max(other.share_a, other.share_b) < 0.2


@pytest.mark.parametrize("remove_reference", [True, False])
def test_template_code_alone_is_not_shared(tmp_path, remove_reference):
    report = _class_of(tmp_path, {"a-blank": None, "b-blank": None, "c-own": ORIGINAL}, remove_reference)
    assert len(report.students) == 3
    assert [(p.overlap, p.score) for p in report.pairs] == [(0, 0.0)] * 3
    assert all(s.reference_share == 0 for s in report.students if s.student.endswith("blank"))


def test_a_malformed_notebook_is_named_in_one_sentence_and_the_rest_is_compared(tmp_path):
    course.setup_sample_root(tmp_path, share=True)
    blank = [cell.source for cell in _answers_of_release()]
    for student, fit_source in {"a-original": ORIGINAL, "b-disguised": DISGUISED}.items():
        sources = list(blank)
        sources[_fit_index()] = fit_source
        _hand_in(tmp_path, student, sources)
    bad = tmp_path / "submitted" / "c-broken" / UNIT / f"{UNIT}.ipynb"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b'{"cells": [ oops')
    run = subprocess.run([sys.executable, "-m", "autograder.cli", "similarity", UNIT, "--root", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode != 0 and "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and "hand it in again" in lines[0], run.stderr
    assert "a-original ~ b-disguised" in run.stdout or "b-disguised ~ a-original" in run.stdout
    page = (tmp_path / "reports" / f"similarity-{UNIT}.html").read_text()
    assert "c-broken" in page and "id='pair-1'" in page
    assert bad.read_bytes() == b'{"cells": [ oops'


def test_a_missing_assignment_is_one_clear_sentence_and_a_nonzero_exit(tmp_path):
    run = subprocess.run([sys.executable, "-m", "autograder.cli", "similarity", "99_nothing", "--root",
                          str(tmp_path)], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode != 0 and "99_nothing" in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_course_sh_runs_similarity_from_the_callers_folder(tmp_path):
    shutil.copytree(ROOT / "release" / UNIT, tmp_path / "release" / UNIT)
    blank = [cell.source for cell in _answers_of_release()]
    for student in ("a", "b"):
        _hand_in(tmp_path, student, blank)
    run = subprocess.run([str(ROOT / "course.sh"), "similarity", UNIT], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "reports" / f"similarity-{UNIT}.html").exists()
