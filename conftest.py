"""pytest set-up shared by nbval and the test suite: every kernel gets the course's environment."""

import os

from autograder.notebooks import KERNEL_ENV

# Kernels inherit this process's environment (facts.md §3); MPLBACKEND would hide inline figures.
os.environ.update(KERNEL_ENV)
os.environ.pop("MPLBACKEND", None)
