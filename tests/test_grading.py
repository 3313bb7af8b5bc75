"""End to end: the whole sample class, hostile students included, graded by the engine."""

import csv
import hashlib
import socket
import sqlite3
import subprocess
import sys
import threading
import time

import nbformat
import pytest

from autograder import course, engine, notebooks
from autograder.notebooks import ROOT


def fingerprint(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


class Listener:
    """A TCP server on the host's loopback: hostile-network tries to send it data."""

    def __init__(self, port=8765):
        self.sock = socket.create_server(("127.0.0.1", port))
        self.sock.settimeout(0.5)
        self.received, self.stop = [], False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.received.append(conn.recv(100))
            conn.close()

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    # the SIGINT-proof loop and the fork bomb are stopped sooner than by the default 10 s of CPU
    # time; how loaded the machine is does not count (tests/test_trust.py, the starved call)
    mp.setenv("AUTOGRADER_CASE_SECONDS", "4")
    root = tmp_path_factory.mktemp("sample-class")
    listener = Listener()
    course.setup_sample_root(root, share=False)
    try:
        run = course.grade_sample_class(root, notebooks.units(), share=False, echo=lambda *a: None)
        submitted_before = fingerprint(root / "submitted")
        regrade = engine.grade(root, notebooks.units()[0], force=True, echo=lambda *a: None)
    finally:
        listener.close()
        mp.undo()
    return root, run, submitted_before, regrade, listener


def test_every_question_of_every_student_scores_as_declared(graded):
    _, run, *_ = graded
    differ = {(u, s): (run["expected"][u][s], run["got"][u].get(s))
              for u in run["expected"] for s in run["expected"][u]
              if run["got"][u].get(s) != run["expected"][u][s]}
    assert not differ


def test_the_class_has_twenty_students_per_assignment_hostile_ones_included(graded):
    _, run, *_ = graded
    for unit, per_student in run["expected"].items():
        assert len(per_student) >= 20
        assert sum(s.startswith("hostile-") for s in per_student) >= 10


def test_the_solution_scores_full_marks_and_the_release_zero(graded):
    _, run, *_ = graded
    for unit, per_student in run["got"].items():
        assert sum(per_student["sample-correct"].values()) == run["maxima"][unit]
        assert sum(per_student["sample-blank"].values()) == 0


def test_the_demo_writes_the_similarity_report_and_the_planted_copy_ranks_first(graded):
    from autograder.sample_class import CLOSE_PAIR, COPIED_PAIR

    _, run, *_ = graded
    assert run["similarity"]
    for unit, report in run["similarity"].items():
        assert report.html_path.exists() and report.rank(*COPIED_PAIR) == 1
        assert report.rank(*CLOSE_PAIR) > 1


def test_no_student_wrote_the_gradebook(graded):
    root, *_ = graded
    with sqlite3.connect(root / "gradebook.db") as con:
        assert con.execute("SELECT COUNT(*) FROM grade WHERE extra_credit > 0").fetchone()[0] == 0


def test_no_student_process_outlives_grading(graded):
    uids = subprocess.run(["ps", "-eo", "uid="], capture_output=True, text=True).stdout.split()
    assert not [u for u in uids if engine.STUDENT_UID_BASE <= int(u) < engine.STUDENT_UID_BASE + 100]


def test_no_student_reached_the_network(graded):
    *_, listener = graded
    assert listener.received == []


def test_submissions_are_left_exactly_as_handed_in(graded):
    root, _, before, *_ = graded
    assert fingerprint(root / "submitted") == before
    assert (root / "submitted" / "bad-json" / "01_tensors" / "01_tensors.ipynb").read_bytes() == b'{"cells": [ oops'


def test_a_malformed_hand_in_scores_zero_with_its_reason(graded):
    root, *_ = graded
    nb = nbformat.read(str(root / "autograded" / "bad-json" / "01_tensors" / "01_tensors.ipynb"), 4)
    reasons = {o.evalue for c in nb.cells for o in c.get("outputs", []) if o.get("ename") == "NotGraded"}
    assert reasons and all("not a readable notebook" in r for r in reasons)
    nb = nbformat.read(str(root / "autograded" / "bad-wrong-name" / "01_tensors" / "01_tensors.ipynb"), 4)
    assert any("missing" in o.evalue for c in nb.cells for o in c.get("outputs", []) if o.get("ename") == "NotGraded")


def test_feedback_says_what_happened_and_shows_no_hidden_tests(graded):
    root, *_ = graded
    html = (root / "feedback" / "hostile-segfault" / "01_tensors" / "01_tensors.html").read_text()
    assert "segmentation fault" in html and "check.hidden" not in html and "HIDDEN TESTS" not in html
    html = (root / "feedback" / "hostile-sigint-loop" / "01_tensors" / "01_tensors.html").read_text()
    assert "used more than 4 s of CPU time" in html


def test_grades_csv_lists_every_student(graded):
    root, run, *_ = graded
    rows = list(csv.DictReader(open(root / "grades.csv")))
    students = {s for per in run["expected"].values() for s in per} | set(_roster())
    assert len(rows) == len(students) * len(run["expected"])  # nbgrader exports every pair
    assert {r["student_id"] for r in rows} == students


def test_grading_again_gives_the_same_scores(graded):
    _, run, _, regrade, _ = graded
    unit = notebooks.units()[0]
    again = {}
    for sub in regrade:
        again.setdefault(sub.student, {}).update(
            {k.removeprefix("test_"): v for k, v in sub.scores.items()})
    assert again == run["got"][unit]


def cli(*args):
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], cwd=ROOT, capture_output=True, text=True)


def test_a_missing_assignment_is_one_clear_sentence_and_a_nonzero_exit(tmp_path):
    for args in (["demo", "99_nothing", "--root", str(tmp_path / "c")],
                 ["grade", "99_nothing", "--root", str(tmp_path)]):
        r = cli(*args)
        assert r.returncode != 0 and "99_nothing" in r.stderr and "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1


def test_grading_without_submissions_or_gradebook_says_what_to_do(tmp_path):
    course.setup_sample_root(tmp_path, share=False)
    r = cli("grade", "01_tensors", "--root", str(tmp_path))
    assert r.returncode != 0 and "generate_assignment" in r.stderr and "Traceback" not in r.stderr


def test_a_malformed_notebook_is_named_and_nothing_is_written(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    r = cli("regen", str(bad))
    assert r.returncode != 0 and str(bad) in r.stderr and "Traceback" not in r.stderr
    assert bad.read_text() == "{not json"


def test_feedback_titles_each_question_with_its_points_and_says_once_that_one_is_unanswered(graded):
    from bs4 import BeautifulSoup

    root, run, *_ = graded
    unit = next(iter(run["expected"]))
    page = BeautifulSoup((root / "feedback" / "sample-partly-wrong" / unit / f"{unit}.html").read_text(),
                         "html.parser")
    toc = [li.get_text("", strip=True) for li in page.select("#toc li")]
    expected = run["expected"][unit]["sample-partly-wrong"]
    # sample-partly-wrong handed in late: its last entry is the penalty nbgrader took off
    assert toc[-1].startswith("Late submission penalty: -"), toc
    toc = toc[:-1]
    assert len(toc) == len(expected)
    for k, (question, points) in enumerate(expected.items(), 1):
        assert toc[k - 1].startswith(f"Question {k}: {question}: {float(points)} of "), toc
    headings = [h.get_text(" ", strip=True) for h in page.select("div.nbgrader_cell .panel-heading")]
    first = next(iter(expected))
    assert any(h.startswith(f"Question 1: {first}") for h in headings), headings
    assert any(h.startswith(f"Your answer to question 1: {first}") for h in headings), headings
    assert "Test cell" not in page.get_text()
    blank = (root / "feedback" / "sample-blank" / unit / f"{unit}.html").read_text()
    assert blank.count("is not answered yet") == len(expected)


# --- the class report: causes recorded as data with the grades (autograder/outcomes.py) ---------
def _declared(root, unit):
    from autograder import sample_class

    first = unit == notebooks.units()[0]
    return {s.id: s for s in sample_class.students(sample_class.Unit.load(unit, root / "source"),
                                                    hostile=True, first_unit=first)}


@pytest.mark.parametrize("unit", notebooks.units())
def test_the_class_report_gives_each_lost_question_one_cause_and_one_mistake_one_cause(graded, unit):
    """Every question a student lost has a recorded cause, none a student earned has one, and the
    students who made one declared mistake share one cause (two mistakes may share a cause)."""
    from autograder import class_report, sample_class

    root, run, *_ = graded
    result = class_report.collect(root, unit)
    declared = _declared(root, unit)
    for q in result.questions:
        key_of = {s: k for k, hit in class_report.cause_counts(result)[q.name].items() for s in hit}
        for student, score in q.scores.items():
            lost = score < q.points
            assert (student in key_of) == (lost and student not in result.not_graded), (q.name, student)
        by_answer = {}  # declared wrong answer -> the cause keys of the honest students who gave it
        for sid, student in declared.items():
            if sample_class.honest(student) and run["expected"][unit][sid][q.name] < q.points:
                by_answer.setdefault(student.answers.get(q.name), set()).add(key_of.get(sid))
        assert by_answer and all(len(keys) == 1 and None not in keys for keys in by_answer.values()), by_answer
        if sample_class.BLANK in by_answer:
            assert by_answer[sample_class.BLANK] == {"not answered yet"}


def test_the_class_report_is_the_same_whichever_result_was_recorded_first(graded, tmp_path):
    """Two workers finish in no fixed order, so the engine records the same class's causes in a
    different order from run to run; the class report must not follow that order."""
    import shutil

    from autograder import class_report

    root, *_ = graded
    copy = tmp_path / "class"
    shutil.copytree(root, copy, symlinks=True, ignore=shutil.ignore_patterns("autograded", "feedback"))
    with sqlite3.connect(copy / "gradebook.db") as db:  # the same rows, the students recorded in reverse
        rows = db.execute("SELECT id, student FROM autograder_cause ORDER BY id").fetchall()
        last_first = {s: k for k, s in enumerate(reversed(list(dict.fromkeys(s for _, s in rows))))}
        db.execute("UPDATE autograder_cause SET id = -id")
        for new, (old, _) in enumerate(sorted(rows, key=lambda r: (last_first[r[1]], r[0])), 1):
            db.execute("UPDATE autograder_cause SET id = ? WHERE id = ?", (new, -old))
    shared = 0
    for unit in notebooks.units():
        here, there = class_report.collect(root, unit), class_report.collect(copy, unit)
        assert [(q.name, q.causes) for q in here.questions] == [(q.name, q.causes) for q in there.questions]
        assert class_report.summary(here) == class_report.summary(there)
        shared += sum(len(hit) > 1 for q in here.questions for hit in q.causes.values())
    assert shared  # some cause is shared by several students, so their order could differ


def test_the_class_report_page_and_summary_name_every_question_and_the_unrunnable_hand_ins(graded):
    from autograder import class_report

    root, *_ = graded
    for unit in notebooks.units():
        page = (root / "reports" / f"class-{unit}.html").read_text()  # written by the demo's step 5
        result = class_report.collect(root, unit)
        assert all(f"id='{q.name}'" in page for q in result.questions)
        assert "read a student's feedback before telling them so" in page
        assert all(s in page for s in result.not_graded)
    text = class_report.summary(class_report.collect(root, notebooks.units()[0]))
    assert "most points lost" in text and "commonest causes" in text and "could not be graded" in text


def test_grading_again_replaces_the_recorded_causes_instead_of_adding_to_them(graded):
    from autograder import outcomes

    root, _, _, regrade, _ = graded  # unit 01 was graded twice
    subs, causes = outcomes.load(engine.gradebook_url(root), notebooks.units()[0])
    assert len(subs) == len({s.student for s in regrade})
    rows = [(c.student, c.question, c.stream, c.case, c.problem) for c in causes]
    assert rows and len(rows) == len(set(rows))


def test_causes_that_differ_only_in_values_share_a_key():
    from autograder.outcomes import cause_key

    a = cause_key("returned [1.0, 2.5], expected [2.0, 5.0]: the factor 2 is missing; dtype int32")
    b = cause_key("returned [[3.0], [-1e-05]], expected [0.5, 7]: the factor 2 is missing; dtype int32")
    assert a == b and "int32" in a
    assert cause_key("called f 3 times") != cause_key("called g 3 times")


def test_a_report_of_an_assignment_never_graded_is_one_sentence_and_a_nonzero_exit(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    run = cli("report", "01_tensors", "--root", str(tmp_path))
    assert run.returncode != 0 and len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert "01_tensors" in run.stderr


# --- roster, due dates, late penalties and the Canvas export (issue 13) ----------------------
def _roster():
    from autograder import sample_class

    return {r["id"]: r for r in csv.DictReader(open(sample_class.ROSTER, newline=""))}


def _late_days(student):
    from autograder import sample_class

    late = sample_class.LATE.get(student)
    return 0 if late is None else -(-late.total_seconds() // 86400)  # started days


def test_every_sample_student_is_on_the_roster_and_grades_csv_shows_their_names(graded):
    root, run, *_ = graded
    roster = _roster()
    students = {s for per in run["expected"].values() for s in per}
    assert students <= set(roster), f"not in samples/roster.csv: {sorted(students - set(roster))}"
    for row in csv.DictReader(open(root / "grades.csv")):
        person = roster[row["student_id"]]
        assert (row["first_name"], row["last_name"], row["email"]) == \
            (person["first_name"], person["last_name"], person["email"])
        submitted = row["student_id"] in run["expected"][row["assignment"]]
        assert row["duedate"] and bool(row["timestamp"]) == submitted, row


def test_late_hand_ins_lose_ten_percent_of_their_score_per_started_day(graded):
    root, run, *_ = graded
    late_seen = set()
    for row in csv.DictReader(open(root / "grades.csv")):
        declared = sum(run["expected"][row["assignment"]].get(row["student_id"], {}).values())
        days = _late_days(row["student_id"])
        assert float(row["raw_score"]) == pytest.approx(declared), row
        assert float(row["late_submission_penalty"]) == pytest.approx(min(declared, declared * 0.1 * days)), row
        assert float(row["score"]) == pytest.approx(declared - min(declared, declared * 0.1 * days)), row
        if days and declared:
            late_seen.add(row["student_id"])
    assert len(late_seen) == 2  # both late students scored points somewhere, so a penalty shows


def test_a_late_penalty_is_a_share_per_started_day_and_never_more_than_the_score():
    from autograder.late import PercentPerDay

    late = PercentPerDay(percent=10.0)
    day = 86400
    assert late.late_submission_penalty("s", 8.0, 0) is None
    assert late.late_submission_penalty("s", 8.0, 60) == pytest.approx(0.8)   # a minute late: a day
    assert late.late_submission_penalty("s", 8.0, day) == pytest.approx(0.8)
    assert late.late_submission_penalty("s", 8.0, day + 1) == pytest.approx(1.6)
    assert late.late_submission_penalty("s", 8.0, 30 * day) == pytest.approx(8.0)


def test_the_canvas_export_has_canvas_gradebook_columns_names_and_final_scores(graded):
    from autograder.lms_export import CANVAS_COLUMNS

    root, run, *_ = graded
    roster = _roster()
    rows = list(csv.reader(open(root / "canvas-grades.csv", newline="", encoding="utf-8")))
    # Canvas's gradebook export, and so its import: these five columns first, then one per assignment
    assert CANVAS_COLUMNS == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[0] == CANVAS_COLUMNS + list(run["expected"])
    assert rows[1] == ["Points Possible", "", "", "", ""] + [f"{run['maxima'][a]:g}" for a in run["expected"]]
    final = {(r["assignment"], r["student_id"]): float(r["score"]) for r in csv.DictReader(open(root / "grades.csv"))}
    students = {s for per in run["expected"].values() for s in per} | set(roster)
    assert sorted(r[2] for r in rows[2:]) == sorted(students)  # the roster and whoever handed in
    for row in rows[2:]:
        person = roster[row[2]]
        assert len(row) == len(rows[0])
        assert row[:5] == [f"{person['last_name']}, {person['first_name']}", person["lms_user_id"],
                           row[2], row[2], ""]
        for assignment, cell in zip(run["expected"], row[5:]):
            assert float(cell) == pytest.approx(final[(assignment, row[2])], abs=1e-4), (row[2], assignment)


def test_assignments_graded_together_share_one_stream_and_each_is_announced_once_recorded(tmp_path):
    """engine.grade_all, as the demo grades: a worker done with one assignment takes the next
    one's first submission while the other worker is still on the first assignment's slowest,
    and on_graded names an assignment only once every one of its submissions is recorded."""
    from autograder import sample_class

    first, second = "01_tensors", "09_under_the_hood"
    course.setup_sample_root(tmp_path, share=False)
    course.release([first, second], tmp_path, log=tmp_path / "logs" / "release.log")
    for name, hand_ins in ((first, {"a-slow": "import time\ntime.sleep(8)", "b-quick": None}),
                           (second, {"c-quick": None})):
        unit = sample_class.Unit.load(name, tmp_path / "source")
        for sid, extra in hand_ins.items():
            student = sample_class.Student(sid, "honest", {q: sample_class.SOLUTION for q in unit.questions},
                                           extra_cell=extra)
            dest = tmp_path / "submitted" / sid / name / f"{name}.ipynb"
            dest.parent.mkdir(parents=True)
            nbformat.write(sample_class.submission(unit, student, tmp_path / "release"), str(dest))
    announced = []

    def on_graded(name):
        journal = (tmp_path / "logs" / "recorded.log").read_text().splitlines()
        announced.append((name, sorted(line.split("\t")[2] for line in journal if line.split("\t")[1] == name)))

    graded = engine.grade_all(tmp_path, [first, second], workers=2, echo=lambda *a: None, on_graded=on_graded)
    order = [line.split("\t")[2] for line in (tmp_path / "logs" / "recorded.log").read_text().splitlines()]
    assert order.index(f"c-quick/{second}") < order.index(f"a-slow/{first}")
    assert announced == [(second, [f"c-quick/{second}"]), (first, [f"a-slow/{first}", f"b-quick/{first}"])]
    assert {k: sorted(s.student for s in v) for k, v in graded.items()} == {first: ["a-slow", "b-quick"], second: ["c-quick"]}
    assert all(sum(v or 0 for v in s.scores.values()) > 0 for subs in graded.values() for s in subs)


def test_feedback_as_graded_says_which_step_failed_and_where_its_log_is(tmp_path):
    """course.AsGraded, the demo's feedback alongside grading: an assignment it cannot give
    feedback for ends it with nbgrader's failure, kept for the caller, and what is handed over
    after that is not lost in a broken pipe."""
    course.setup_sample_root(tmp_path, share=False)
    log = tmp_path / "logs" / "nbgrader.log"
    feedback = course.AsGraded("generate_feedback", tmp_path, log)
    feedback.add("no_such_assignment")
    time.sleep(1)
    feedback.add("another")
    feedback.close()
    assert isinstance(feedback.error, course.CourseError)
    assert "generate_feedback" in str(feedback.error) and str(log) in str(feedback.error)
    assert "no_such_assignment" in log.read_text()


def test_the_gradebook_opened_the_engine_s_faster_way_still_creates_a_missing_table(tmp_path):
    """engine._speed_up_gradebook asks once whether every table is there; a table that is not
    (a new gradebook, or one dropped) is still created as nbgrader's own check would."""
    from nbgrader.api import Gradebook

    engine._speed_up_gradebook()
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as gb:
        gb.add_student("a-student")
    with sqlite3.connect(tmp_path / "gradebook.db") as db:
        db.execute("DROP TABLE comment")
    with Gradebook(url) as gb:
        assert [s.id for s in gb.students] == ["a-student"]
    with sqlite3.connect(tmp_path / "gradebook.db") as db:
        assert db.execute("SELECT name FROM sqlite_master WHERE name = 'comment'").fetchall()


def test_a_notebook_s_scores_are_recorded_all_at_once_or_not_at_all(tmp_path):
    """engine.record saves a notebook's scores in one commit (engine.SaveAutoGradesAtOnce): a
    failure at its last graded cell leaves none of its earlier cells' scores behind."""
    from nbgrader.api import Gradebook, MissingEntry

    from autograder import sample_class

    unit_name = notebooks.units()[0]
    course.setup_sample_root(tmp_path, share=False)
    course.release([unit_name], tmp_path, log=tmp_path / "logs" / "release.log")
    unit = sample_class.Unit.load(unit_name, tmp_path / "source")
    path = tmp_path / "submitted" / "a-student" / unit_name / f"{unit_name}.ipynb"
    path.parent.mkdir(parents=True)
    solved = sample_class.Student("a-student", "", {q: sample_class.SOLUTION for q in unit.questions})
    nbformat.write(sample_class.submission(unit, solved, tmp_path / "release"), str(path))
    engine._speed_up_gradebook()
    config = engine.load_config(tmp_path)
    db_url = engine.gradebook_url(tmp_path, config)
    known = {c["metadata"]["nbgrader"]["grade_id"] for c in nbformat.read(str(path), 4).cells
             if "nbgrader" in c["metadata"]}

    def scores():
        with Gradebook(db_url) as gb:
            return {g.name: g.auto_score for g in gb.find_submission_notebook(
                unit_name, unit_name, "a-student").grades}

    sub = engine.Submission("a-student", unit_name, unit_name, path)
    engine.restore(sub, config, db_url, known)
    graded = [c for c in sub.nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert len(graded) >= 2
    graded[-1].metadata["nbgrader"]["grade_id"] = "not-in-the-gradebook"
    with pytest.raises(MissingEntry):
        engine.record(sub, {"outputs": {}}, config, db_url, tmp_path)
    assert set(scores().values()) == {None}
    assert not list((tmp_path / "autograded").rglob("*.ipynb"))

    sub = engine.Submission("a-student", unit_name, unit_name, path)
    engine.restore(sub, config, db_url, known)
    engine.record(sub, {"outputs": {}}, config, db_url, tmp_path)
    assert None not in scores().values()
