"""Run notebooks' code cells as a student holding only the student kit would (tests/test_kit.py).

    python -I -S tests/kit_runner.py KIT SITE_PACKAGES < jobs.json

No site, no editable install: sys.path is the kit folder, SITE_PACKAGES (TensorFlow, NumPy) and
the standard library. Reads {"notebooks": [{"id", "cells": [source, ...]}]} on stdin; each
notebook runs in a namespace of its own, in this one process. Prints one JSON line: what could
be imported, and per notebook per cell its stdout and the error it ended with.
"""

import contextlib
import importlib
import io
import json
import os
import sys

kit, site_packages = sys.argv[1], sys.argv[2]
sys.path[:0] = [kit, site_packages]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

jobs = json.load(sys.stdin)
importable = {}
for name in ("autograder", "autograder.checks", "autograder.questions", "autograder.question",
             "autograder.engine", "autograder.sandbox", "autograder.kit", "autograder.sample_class"):
    try:
        module = importlib.import_module(name)
        importable[name] = getattr(module, "__file__", None)
    except ImportError:
        importable[name] = None
importable["checks has judge_case"] = hasattr(sys.modules.get("autograder.checks"), "judge_case")
for path in sorted(os.listdir(os.path.join(kit, "autograder", "student"))):  # every module of the kit
    if path.endswith(".py"):
        name = "autograder.student." + path[:-3] if path != "__init__.py" else "autograder.student"
        try:
            importable[name] = importlib.import_module(name).__file__
        except Exception as e:  # noqa: BLE001 - reported to the test
            importable[name] = f"{type(e).__name__}: {e}"

results = {}
for nb in jobs["notebooks"]:
    ns: dict = {"__name__": "__main__"}
    cells = []
    for source in nb["cells"]:
        out = io.StringIO()
        error = None
        with contextlib.redirect_stdout(out):
            try:
                exec(compile(source, f"<{nb['id']}>", "exec"), ns)
            except BaseException as e:  # noqa: BLE001 - reported to the test
                error = f"{type(e).__name__}: {e}"
        cells.append({"stdout": out.getvalue(), "error": error})
    results[nb["id"]] = cells
print(json.dumps({"importable": importable,
                  "modules": sorted(m for m in sys.modules if m.startswith("autograder")),
                  "results": results}))
