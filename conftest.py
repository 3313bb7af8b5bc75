"""pytest set-up shared by nbval and the test suite: every kernel gets the course's environment."""

import os

from autograder.notebooks import KERNEL_ENV
from autograder.student.worker import TF_THREADS

# Kernels inherit this process's environment (facts.md §3); MPLBACKEND would hide inline figures.
os.environ.update(KERNEL_ENV)
os.environ.pop("MPLBACKEND", None)
# TensorFlow here and in those kernels sized as in grading workers, not by the core count: the
# suite runs two of everything on two cores, where more threads only spin (about a tenth of the
# CPU time of tests/test_questions.py's sweeps). Stored outputs do not depend on it (facts.md §1).
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", str(TF_THREADS["intra_op"]))
os.environ.setdefault("TF_NUM_INTEROP_THREADS", str(TF_THREADS["inter_op"]))
