"""nbgrader configuration: the repository root is the course root (facts.md §2 explains each setting)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from autograder.notebooks import KERNEL_ARGS  # noqa: E402

c = get_config()  # noqa: F821  (provided by nbgrader)

c.CourseDirectory.course_id = "autodiff-tensorflow"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
# Never copy students' working copies, checkpoints or caches into releases or submissions.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".git"]

# Grading kernels: TensorFlow's C++ start-up log would land in a test cell as stderr, which
# nbgrader scores 0 even when every check passed; capture_fd_output=False keeps it out (the
# setup cell also sets TF_CPP_MIN_LOG_LEVEL=3 and TF_ENABLE_ONEDNN_OPTS=0 before importing TF).
# xmode=Minimal keeps tracebacks, and so feedback, free of hidden test code.
c.Execute.extra_arguments = KERNEL_ARGS
# Per cell: generous for the largest check (a 10,000-parameter Hessian-vector product).
c.Execute.timeout = 120

# `nbgrader autograde` and the formgrader's Autograde button run students' code in the
# grading engine's sandbox, not in a kernel with the grader's rights: nbgrader's own steps,
# with Execute replaced (autograder/engine.py, SandboxedExecute; with or without root, like
# `./course.sh grade`). AUTOGRADER_STOCK_EXECUTE=1 restores nbgrader's Execute: for
# benchmarks/grading_speed.py, which measures stock nbgrader, never for a real class.
if os.environ.get("AUTOGRADER_STOCK_EXECUTE") != "1":
    c.Autograde.autograde_preprocessors = [
        "autograder.engine.SandboxedExecute",
        "nbgrader.preprocessors.IgnorePattern",
        "nbconvert.preprocessors.ClearMetadataPreprocessor",
        "nbgrader.preprocessors.LimitOutput",
        "nbgrader.preprocessors.SaveAutoGrades",
        "nbgrader.preprocessors.AssignLatePenalties",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]

# Late policy: 10 % of the score per started day after the due date (autograder/late.py; due
# dates: `nbgrader db assignment add A --duedate="2026-09-08 17:00 UTC"` or the formgrader).
c.AssignLatePenalties.plugin_class = "autograder.late.PercentPerDay"
c.PercentPerDay.percent = 10.0

# A test cell a student deleted is put back and graded (otherwise: "needs manual grade").
c.OverwriteCells.add_missing_cells = True

# Feedback shows no hidden test code.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# Feedback titles each graded cell with its question and points and wraps long check lines
# (autograder/templates/course_feedback, on top of nbgrader's own feedback template).
import nbgrader  # noqa: E402

c.HTMLExporter.template_name = "course_feedback"
c.HTMLExporter.template_file = "course_feedback.html.j2"
c.HTMLExporter.extra_template_basedirs = [
    os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", "templates"),
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "autograder", "templates"),
]

# What the student sees in place of a solution.
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\nraise NotImplementedError(\"write this function, then run the check cell below it\")",
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
