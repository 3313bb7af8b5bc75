"""The gradebook on PostgreSQL: a real server (Debian's package postgresql, started and stopped here
by autograder/postgres.py), a small class of one unit graded into it by the engine, and the same
class graded into SQLite beside it. nbgrader's export, the formgrader, the class report and the
one-sentence error of an unreachable gradebook are checked on it.

As root (CI) the server must start: ./course.sh test installs the package first. Without root and
without the package these tests are skipped, saying why.
"""

from __future__ import annotations

import concurrent.futures
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from autograder import class_report, course, engine, outcomes, postgres, sample_class
from autograder.errors import CourseError
from autograder.notebooks import ROOT

UNIT = "02_gradient_tape"  # five light questions
NUL_STUDENT = "hostile-nul"
NUL_MESSAGE = "bad\x00value"
KEPT = {"sample-correct", "sample-blank", "sample-pitfalls-1", "sample-partly-wrong", "sample-tampered"}


@pytest.fixture(scope="module")
def server():
    if not postgres.available() and os.geteuid() != 0:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql; as root ./course.sh test "
                    "installs it)")
    # under /tmp: as root the server runs as the postgres user, who cannot enter pytest's folders
    folder = Path(tempfile.mkdtemp(prefix="autograder-pg-"))
    try:
        pg = postgres.start(folder)
        try:
            yield pg
        finally:
            pg.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _write_class(root: Path) -> dict[str, dict[str, float]]:
    """The honest sample class of UNIT, and a student whose first answer raises an exception whose
    message holds a NUL character and who added a markdown cell holding one."""
    expected = sample_class.write_class(root, [UNIT], hostile=False)[UNIT]
    for student in set(expected) - KEPT:  # a smaller class keeps the test quick
        shutil.rmtree(root / "submitted" / student)
        del expected[student]
    unit = sample_class.Unit.load(UNIT, root / "source")
    first = unit.questions[0]
    student = sample_class.Student(NUL_STUDENT, "raises an exception whose message holds NUL",
                                   {q: sample_class.SOLUTION for q in unit.questions}
                                   | {first: f"hostile:    raise ValueError({NUL_MESSAGE!r})"})
    nb = sample_class.submission(unit, student, root / "release")
    nb.cells.append(nbformat.v4.new_markdown_cell("my notes \x00 end"))
    dest = root / "submitted" / NUL_STUDENT / UNIT / f"{UNIT}.ipynb"
    dest.parent.mkdir(parents=True)
    nbformat.write(nb, str(dest))
    expected[NUL_STUDENT] = student.expected(unit)
    return expected


@pytest.fixture(scope="module")
def graded(server, tmp_path_factory):
    """{"postgresql": root, "sqlite": root}, each with the same class graded by the engine, and the
    class's declared scores."""
    url = server.create_database("gradebook")
    roots = {kind: tmp_path_factory.mktemp(kind) for kind in ("postgresql", "sqlite")}
    for kind, root in roots.items():
        course.setup_sample_root(root, share=False)
        if kind == "postgresql":  # what an instructor writes (README: A PostgreSQL gradebook)
            with open(root / "nbgrader_config.py", "a") as f:
                f.write(f"c.CourseDirectory.db_url = {url!r}\n")
    with concurrent.futures.ThreadPoolExecutor(2) as ex:  # both releases while the workers start
        releases = [ex.submit(course.release, [UNIT], root) for root in roots.values()]
        pool = engine.Pool(2, tmp_path_factory.mktemp("logs") / "engine.log")
    try:
        for root, release in zip(roots.values(), releases):
            release.result()
            expected = _write_class(root)
            engine.grade(root, UNIT, force=True, echo=lambda *a: None, pool=pool)
    finally:
        pool.close()
    return roots, expected, url


def test_scores_graded_into_postgresql_are_those_graded_into_sqlite(graded):
    roots, expected, url = graded
    assert engine.gradebook_url(roots["postgresql"]) == url
    got = {kind: course.scores(root, [UNIT])[UNIT] for kind, root in roots.items()}
    assert got["postgresql"] == got["sqlite"] == expected
    assert not (roots["postgresql"] / "gradebook.db").exists()  # nothing went to SQLite instead


def test_nbgrader_export_writes_grades_csv_from_postgresql(graded):
    roots, expected, _ = graded
    root = roots["postgresql"]
    course.nbgrader(["export", "--to", str(root / "grades.csv")], root, root / "logs" / "nbgrader.log")
    rows = {r["student_id"]: r for r in csv.DictReader(open(root / "grades.csv"))}
    assert set(rows) == set(expected)
    for student, per_q in expected.items():
        assert float(rows[student]["raw_score"]) == pytest.approx(sum(per_q.values())), rows[student]
    assert not (root / "gradebook.db").exists()


def test_the_formgrader_shows_the_scores_in_postgresql(graded):
    """A real Jupyter server with nbgrader's formgrader extension, run in the course root."""
    roots, expected, _ = graded
    root = roots["postgresql"]
    port, token = postgres.free_port(), "formgrader-test"
    jupyter = Path(os.path.dirname(sys.executable)) / "jupyter"
    server = subprocess.Popen(
        [str(jupyter), "server", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"]
        + (["--allow-root"] if os.geteuid() == 0 else []),
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        env={**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]})

    def get(path: str):
        req = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                     headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.load(r)

    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                assignments = get("/formgrader/api/assignments")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        submissions = get(f"/formgrader/api/submissions/{UNIT}")
    finally:
        os.killpg(server.pid, 9)  # no kernel was started: nothing to shut down
        log = server.communicate(timeout=60)[0]
    [listed] = [a for a in assignments if a["name"] == UNIT]
    assert listed["num_submissions"] == len(expected), (listed, log[-3000:])
    assert {s["student"]: s["score"] for s in submissions} == \
        pytest.approx({s: sum(per_q.values()) for s, per_q in expected.items()}), log[-3000:]


def test_the_class_report_reads_the_causes_from_postgresql(graded):
    roots, expected, _ = graded
    result = {kind: class_report.collect(root, UNIT) for kind, root in roots.items()}
    causes = {kind: {q.name: q.causes for q in r.questions} for kind, r in result.items()}
    assert causes["postgresql"] == causes["sqlite"]
    for q in result["postgresql"].questions:  # every question a student lost has its cause
        lost = {s for s, score in q.scores.items() if score < q.points}
        assert lost == {s for hit in q.causes.values() for s, _ in hit}, q.name
    assert any(q.causes for q in result["postgresql"].questions)
    path, _ = class_report.write(roots["postgresql"], UNIT)
    assert path.is_file()


def test_a_cause_holding_nul_is_stored_and_read_back(graded, server):
    roots, _, url = graded
    first = sample_class.Unit.load(UNIT, roots["postgresql"] / "source").questions[0]
    _, causes = outcomes.load(url, UNIT)
    said = [c.problem for c in causes if c.student == NUL_STUDENT and c.question == first]
    assert said and "bad\\x00value" in said[0], said  # the NUL is written as the four characters \x00
    # every text column, directly
    outcomes.store(url, "nul-unit", "s", "nb", 1.0, "not\x00graded",
                   [{"question": "q\x00", "stream": "public", "case": "c\x00", "problem": "p\x00q"}])
    subs, causes = outcomes.load(url, "nul-unit")
    assert subs["s"]["not_graded"] == "not\\x00graded"
    assert [(c.question, c.case, c.problem) for c in causes] == [("q\\x00", "c\\x00", "p\\x00q")]


COURSE = str(ROOT / "course.sh")
SECRET = "s3cret-pw"


def _unreachable(server) -> dict[str, str]:
    return {"down": f"postgresql+psycopg://grader:{SECRET}@127.0.0.1:{postgres.free_port()}/gradebook",
            "wrong password": server.url("postgres").replace(server.password, SECRET),
            "unknown host": f"postgresql+psycopg://grader:{SECRET}@no-such-host.invalid:5432/gradebook"}


def _course_at(root: Path, url: str) -> Path:
    (root / "source" / UNIT).mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(f"c = get_config()\nc.CourseDirectory.db_url = {url!r}\n")
    return root


def _says_unreachable(text: str, url: str) -> None:
    assert f"the gradebook {url.replace(SECRET, '***')} cannot be reached (" in text and SECRET not in text, text
    assert "nbgrader_config.py (c.CourseDirectory.db_url)" in text, text


def test_an_unreachable_gradebook_ends_grading_in_one_sentence_through_the_command_line(server, tmp_path):
    url = _unreachable(server)["down"]
    run = subprocess.run([COURSE, "grade", UNIT, "--no-feedback"], cwd=_course_at(tmp_path, url),
                         capture_output=True, text=True, timeout=300)
    assert run.returncode != 0, run
    assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr, run.stderr
    _says_unreachable(run.stderr, url)


@pytest.mark.parametrize("why", ["down", "wrong password", "unknown host"])
def test_every_entry_point_says_an_unreachable_gradebook_in_one_sentence(server, tmp_path, why):
    """The engine, the class report and the score table, each on each kind of unreachable server."""
    url = _unreachable(server)[why]
    root = _course_at(tmp_path, url)
    (root / "source" / UNIT / f"{UNIT}.ipynb").write_text(nbformat.writes(nbformat.v4.new_notebook()))
    for entry in (lambda: engine.grade(root, UNIT), lambda: class_report.collect(root, UNIT),
                  lambda: course.scores(root, [UNIT])):
        with pytest.raises(CourseError) as e:
            entry()
        _says_unreachable(str(e.value), url)


@pytest.mark.parametrize("url, said", [
    ("postgres://u:pw@localhost/db", "cannot be opened by SQLAlchemy"),
    ("postgresql+psycopg2://u:pw@localhost/db", "write postgresql+psycopg://"),
])
def test_a_url_the_course_cannot_open_says_how_to_write_it(url, said):
    from nbgrader.api import Gradebook

    with pytest.raises(CourseError) as e, engine.reaching_gradebook(url):
        Gradebook(url)
    assert said in str(e.value) and ":pw@" not in str(e.value) and "u:***@localhost/db" in str(e.value), e.value


def test_the_server_s_failures_are_one_sentence_naming_what_to_do(server, tmp_path, monkeypatch):
    folder = Path(tempfile.mkdtemp(prefix="autograder-pg-"))
    try:
        (folder / "data").mkdir()
        (folder / "data" / "left-over").write_text("")
        with pytest.raises(CourseError, match=r"^initdb could not create .*\(.+\); its log is .*initdb.log$"):
            postgres.start(folder)  # its data directory is not empty
    finally:
        shutil.rmtree(folder)
    monkeypatch.setattr(postgres, "binaries", lambda: None)
    with pytest.raises(CourseError, match="install it with: apt-get install postgresql$"):
        postgres.start(tmp_path)


def test_the_demo_s_sample_class_keeps_its_own_gradebook_when_the_course_names_a_database(tmp_path, monkeypatch):
    """./course.sh demo grades build/sample-class/ with the repository's configuration: a db_url set
    there for a real class must not send the sample class's grades into that class's database."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.db_url = 'postgresql+psycopg://grader:pw@db.example:5432/class'\n")
    monkeypatch.setattr(course, "ROOT", repo)
    sample = tmp_path / "sample-class"
    course.setup_sample_root(sample, share=False)
    assert engine.gradebook_url(sample) == f"sqlite:///{sample / 'gradebook.db'}"
