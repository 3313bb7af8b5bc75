"""A real class on JupyterHub, driven by a browser: release, fetch, answer, validate, submit,
collect, grade, feedback (./course.sh hub; autograder/hub.py).

One hub and one browser for the module. Needs Debian's chromium and configurable-http-proxy in
.venv/node_modules (./course.sh test installs both as root); otherwise skipped with the reason.
Screenshots: build/test-hub/ (check output, Validate dialog, feedback; every page on failure).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from autograder import hub
from autograder.notebooks import ROOT
from autograder.postgres import free_port
from autograder.sample_class import RIGHT, wrong_answers

CHROMIUM = "/usr/bin/chromium"
UNIT = "02_gradient_tape"
PASSWORD = "test-password"
SHOTS = ROOT / "build" / "test-hub"
RIGHT_Q, RIGHT_ANSWER = "grad_wrt_tensors", "grad_wrt_tensors__watch_constants_only"
WRONG_Q, WRONG_ANSWER = "two_grads_one_pass", "two_grads_one_pass__sums_targets"

if not os.path.exists(CHROMIUM):
    pytest.skip("chromium is not installed (as root ./course.sh test installs it; "
                "else: sudo apt-get install chromium)", allow_module_level=True)
if not hub.PROXY.exists():
    pytest.skip("configurable-http-proxy is not in .venv/node_modules (./course.sh test installs it with npm)",
                allow_module_level=True)
playwright = pytest.importorskip("playwright.sync_api")


ENV = {**os.environ, "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])}


def nbgrader(args: list[str], cwd: Path, exchange: Path) -> str:
    out = subprocess.run([sys.executable, "-m", "nbgrader", *args, f"--Exchange.root={exchange}"],
                         cwd=cwd, capture_output=True, text=True, env=ENV)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout + out.stderr


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course root of its own (a copy of the repository's unit 02) and a class folder."""
    base = tmp_path_factory.mktemp("hub")
    root, class_dir = base / "course", base / "class"
    for sub in ("source", "release"):
        shutil.copytree(ROOT / sub / UNIT, root / sub / UNIT)
    shutil.copy2(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    (root / "autograder").symlink_to(ROOT / "autograder")  # the feedback template's folder
    return root, class_dir


@pytest.fixture(scope="module")
def running_hub(course):
    root, class_dir = course
    port = free_port()
    log = open(root.parent / "hub.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "autograder.cli", "hub", "--class-dir", str(class_dir),
                             "--course-root", str(root), "--students", "s1", "--password", PASSWORD,
                             "--port", str(port), "--ip", "127.0.0.1"],
                            cwd=root, stdout=log, stderr=subprocess.STDOUT, env=ENV)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(url + "/hub/login", timeout=2)
            break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, (root.parent / "hub.log").read_text()
            time.sleep(0.5)
    exchange = class_dir / "exchange"
    nbgrader(["generate_assignment", UNIT, "--force"], root, exchange)  # the gradebook learns its cells
    nbgrader(["db", "student", "add", "s1"], root, exchange)
    nbgrader(["release_assignment", UNIT, "--force"], root, exchange)
    yield url, root, class_dir
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def student(running_hub, browser):
    url, _, _ = running_hub
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto(url + "/hub/login")
    page.fill("input[name=username]", "s1")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url("**/user/s1/lab**", timeout=120_000)
    page.wait_for_selector(".jp-LabShell", timeout=120_000)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def shot_on_failure(request, student):
    """A screenshot of the student's page in build/test-hub/ when a test fails."""
    failed = request.session.testsfailed
    yield
    if request.session.testsfailed > failed or getattr(request.node, "_failed", False):
        SHOTS.mkdir(parents=True, exist_ok=True)
        student.screenshot(path=str(SHOTS / f"failed-{request.node.name}.png"), full_page=True)


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def open_menu(page, title: str) -> str:
    page.click(f".lm-MenuBar-itemLabel:text-is('{title}')")
    menu = page.locator(".lm-Menu").last
    menu.wait_for()
    return menu.inner_text()


def assignment_list(page):
    open_menu(page, "Nbgrader")
    page.click(".lm-Menu-itemLabel:text-is('Assignment List')")
    page.get_by_text("Released assignments").first.wait_for()


def cell(page, i: int):
    return page.locator(".jp-NotebookPanel:visible .jp-Cell").nth(i)


def run_cell(page, i: int, wait_for: str | None = None) -> str:
    c = cell(page, i)
    c.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    prompt = c.locator(".jp-InputArea-prompt")
    page.wait_for_function("el => /\\[\\d+\\]/.test(el.textContent)", arg=prompt.element_handle(), timeout=120_000)
    return c.locator(".jp-Cell-outputWrapper").inner_text()


def type_into(page, i: int, code: str) -> None:
    c = cell(page, i)
    c.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(code)  # no key events: no auto-indent or bracket closing


def test_instructor_has_the_formgrader(running_hub, browser):
    url, root, _ = running_hub
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    page = context.new_page()
    try:
        page.goto(url + "/hub/login")
        page.fill("input[name=username]", hub.INSTRUCTOR)
        page.fill("input[name=password]", PASSWORD)
        page.click("input[type=submit], button[type=submit]")
        page.wait_for_selector(".jp-LabShell", timeout=120_000)
        items = open_menu(page, "Nbgrader")
        assert "Formgrader" in items, items
        page.get_by_text("nbgrader_config.py").first.wait_for()  # the server runs in the course root
    except Exception:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "failed-instructor.png"))
        raise
    finally:
        context.close()


def test_student_menus_have_no_formgrader(running_hub, student):
    items = open_menu(student, "Nbgrader")
    student.keyboard.press("Escape")
    assert "Assignment List" in items
    assert "Formgrader" not in items and "Course List" not in items, items
    # Nor does the student's server serve the formgrader (its server extension is off).
    assert student.request.get(f"{running_hub[0]}/user/s1/formgrader").status == 404


def test_student_fetches_answers_validates_submits(running_hub, student):
    url, root, class_dir = running_hub
    page = student
    assignment_list(page)
    page.click("button:text-is('Fetch')")
    page.wait_for_selector("button:text-is('Submit')")
    assert (class_dir / "home" / "s1" / UNIT / f"{UNIT}.ipynb").exists()
    page.goto(f"{url}/user/s1/lab/tree/{UNIT}/{UNIT}.ipynb")
    page.wait_for_selector(".jp-NotebookPanel:visible .jp-Cell")
    try:  # the released notebook names no kernel: JupyterLab asks which one
        page.locator(".jp-Dialog button:has-text('Select')").click(timeout=10_000)
    except playwright.Error:
        pass
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=120_000)
    out = run_cell(page, 1)
    assert "TensorFlow" in out and "Error" not in out, out
    right = wrong_answers(UNIT, RIGHT)[1][RIGHT_ANSWER]
    wrong = wrong_answers(UNIT)[1][WRONG_ANSWER]
    type_into(page, 3, right)
    run_cell(page, 3)
    type_into(page, 9, wrong)
    run_cell(page, 9)
    right_out, wrong_out = run_cell(page, 4), run_cell(page, 10)
    cell(page, 10).scroll_into_view_if_needed()
    shot(page, "check-output")
    assert "✓ " in right_out and "✗" not in right_out, right_out
    assert any(line.startswith("✗ ") and ": " in line for line in wrong_out.splitlines()), wrong_out
    # The grader is not importable from the student's kernel (a new cell at the end).
    last = page.locator(".jp-NotebookPanel:visible .jp-Cell").count() - 1
    cell(page, last).locator(".jp-InputArea-editor").click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.insert_text("try:\n    import autograder.questions\nexcept ImportError as e:\n"
                              "    print('grader hidden:', type(e).__name__)")
    out = run_cell(page, last + 1)
    assert "grader hidden: ModuleNotFoundError" in out, out
    page.keyboard.press("Control+s")
    page.wait_for_timeout(1000)
    page.click(".jp-NotebookPanel:visible button:has-text('Validate'), "
               ".jp-NotebookPanel:visible [title*='Validate'] button, .jp-NotebookPanel:visible [title*='Validate']")
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=180_000)
    page.wait_for_function("() => !document.querySelector('.jp-Dialog')?.innerText.includes('Validating')",
                           timeout=180_000)
    shot(page, "validate-dialog")
    text = dialog.inner_text()
    # the wrong answer's check cell is named among those that failed; the right one's is not
    assert "failed" in text and f"checking('{WRONG_Q}'" in text and f"checking('{RIGHT_Q}'" not in text, text
    dialog.locator("button").last.click()
    assignment_list(page)
    page.click("button:text-is('Submit')")
    page.wait_for_function("() => document.body.innerText.match(/\\d{4}-\\d{2}-\\d{2}/)", timeout=60_000)
    inbound = class_dir / "exchange" / "autodiff-tensorflow" / "inbound"
    assert any(p.name.startswith(f"s1+{UNIT}+") for p in inbound.iterdir())


def test_instructor_grades_and_student_reads_feedback(running_hub, student):
    url, root, class_dir = running_hub
    exchange = class_dir / "exchange"
    nbgrader(["collect", UNIT], root, exchange)
    assert (root / "submitted" / "s1" / UNIT / f"{UNIT}.ipynb").exists()
    out = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", UNIT, "--root", str(root), "--workers", "1"],
                         capture_output=True, text=True, env=ENV)
    assert out.returncode == 0, out.stdout + out.stderr
    assert (root / "feedback" / "s1" / UNIT / f"{UNIT}.html").exists(), out.stdout
    nbgrader(["release_feedback", UNIT], root, exchange)
    page = student
    assignment_list(page)
    page.click("button:text-is('Fetch Feedback')")
    home = class_dir / "home" / "s1" / UNIT / "feedback"
    deadline = time.monotonic() + 30
    while not list(home.glob(f"*/{UNIT}.html")):
        assert time.monotonic() < deadline, "feedback was not fetched"
        time.sleep(0.5)
    html = next(home.glob(f"*/{UNIT}.html"))
    page.goto(f"{url}/user/s1/files/{html.relative_to(class_dir / 'home' / 's1')}")
    body = page.locator("body").inner_text()
    page.get_by_text(f"# Checks {WRONG_Q}").first.scroll_into_view_if_needed()
    shot(page, "feedback")
    assert f"{RIGHT_Q}: 2.0 of 2.0 points" in body, body[:3000]
    assert f"{WRONG_Q}: 0.0 of 2.0 points" in body, body[:3000]
    wrong_part = body[body.index(f"# Checks {WRONG_Q}"):]
    assert any(line.startswith("✗ ") and ": " in line for line in wrong_part.splitlines()), wrong_part[:3000]
