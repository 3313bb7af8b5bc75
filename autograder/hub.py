"""A real class on JupyterHub: `./course.sh hub` (one instructor, students from the roster).

The hub is JupyterHub with its configurable-http-proxy (npm, installed by course.sh into
.venv/node_modules). Authentication is JupyterHub's DummyAuthenticator with one shared password:
fit for tests and a local trial; a real class swaps in its own authenticator (OAuth, LTI, ...) in
`configure` and nothing else changes. Every user's server is JupyterLab started by
SimpleLocalProcessSpawner (no Unix users): home `<class-dir>/home/<user>`.

- The instructor's server runs in the course root (formgrader, release, collect, grade) with the
  course's Python.
- Students' servers and kernels run the student Python `<class-dir>/student-env`: a venv whose
  one `.pth` file lists the course's site-packages (a path line: the editable install's finder
  is not loaded, so the grader cannot be imported) and the student kit (autograder.kit.build).
  Their Nbgrader menu has only the Assignment List and Validate.
- nbgrader's exchange is `<class-dir>/exchange`; the course id comes from nbgrader_config.py.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
from pathlib import Path

from . import notebooks
from .errors import CourseError
from .notebooks import ROOT

DEFAULT_CLASS_DIR = ROOT / "build" / "hub"
INSTRUCTOR = "instructor"
VENV = Path(sys.prefix)
PROXY = VENV / "node_modules" / ".bin" / "configurable-http-proxy"
# What a student's JupyterLab must not show: nbgrader's instructor tools.
STUDENT_DISABLED_LAB = ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                        "@jupyter/nbgrader:course-list"]
STUDENT_DISABLED_SERVER = ["nbgrader.server_extensions.formgrader",
                           "nbgrader.server_extensions.course_list"]


def course_id(course_root: Path) -> str:
    """c.CourseDirectory.course_id of the course's nbgrader_config.py."""
    out = subprocess.run([sys.executable, "-c", "from nbgrader.apps import NbGrader; a = NbGrader(); "
                          "a.initialize([]); print(a.coursedir.course_id)"],
                         cwd=course_root, capture_output=True, text=True)
    cid = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    if out.returncode or not cid:
        raise CourseError(f"{course_root / 'nbgrader_config.py'}: no course id; set "
                          "c.CourseDirectory.course_id there")
    return cid


def roster(path: Path = ROOT / "samples" / "roster.csv") -> list[str]:
    with open(path, newline="") as f:
        return [row["id"] for row in csv.DictReader(f)]


def student_env(class_dir: Path, kit: Path) -> Path:
    """<class-dir>/student-env: a venv without pip that sees the course's packages and the kit only."""
    env = class_dir / "student-env"
    python = env / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # Path lines only: Python adds them to sys.path without reading the .pth files inside them, so
    # the course venv's __editable__ finder (which would import the grader) never loads.
    (site / "course.pth").write_text(f"{kit}\n{sysconfig.get_path('purelib')}\n")
    return python


def write_student_jupyter(class_dir: Path, python: Path, cid: str, exchange: Path) -> tuple[Path, Path]:
    """Students' Jupyter data dir (kernel spec) and config dir (disabled extensions, exchange)."""
    data = class_dir / "student-jupyter" / "data"
    config = class_dir / "student-jupyter" / "config"
    notebooks.write_kernelspec(data, python=str(python))
    (config / "labconfig").mkdir(parents=True, exist_ok=True)
    (config / "labconfig" / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {name: True for name in STUDENT_DISABLED_LAB}}, indent=1) + "\n")
    (config / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": {name: False for name in STUDENT_DISABLED_SERVER}}},
        indent=1) + "\n")
    # nbgrader names a submission after the Unix user, which every user of this spawner shares:
    # the hub's user name (JUPYTERHUB_USER, set by the hub in each server) is the student id.
    (config / "nbgrader_config.py").write_text(
        "import os\nc = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.course_id = {cid!r}\nc.Exchange.root = {str(exchange)!r}\n"
        "c.CourseDirectory.student_id = os.environ.get('JUPYTERHUB_USER', '*')\n")
    return data, config


def write_instructor_jupyter(class_dir: Path, exchange: Path) -> Path:
    config = class_dir / "instructor-jupyter"
    config.mkdir(parents=True, exist_ok=True)
    (config / "nbgrader_config.json").write_text(json.dumps({"Exchange": {"root": str(exchange)}}, indent=1) + "\n")
    return config


def prepare_exchange(exchange: Path) -> None:
    try:
        exchange.mkdir(parents=True, exist_ok=True)
        exchange.chmod(0o777)  # nbgrader's exchange is shared by every user
        probe = exchange / ".writable"
        probe.write_text("")
        probe.unlink()
    except OSError as e:
        raise CourseError(f"{exchange}: the exchange folder cannot be created or written ({e.strerror}); "
                          "make it writable by everyone (chmod 777) or give another --class-dir") from None


def settings(class_dir: Path, course_root: Path, students: list[str], password: str) -> dict:
    """Everything the hub's config needs, as plain data (written next to jupyterhub_config.py)."""
    from . import kit

    class_dir.mkdir(parents=True, exist_ok=True)
    exchange = class_dir / "exchange"
    prepare_exchange(exchange)
    cid = course_id(course_root)
    # The kit's bank holds the units the course has released (a class folder may hold a few).
    released = course_root / "release"
    units = [u for u in notebooks.units() if (released / u).is_dir()]
    python = student_env(class_dir, kit.build(class_dir / "kit", units or None).parent)
    data, config = write_student_jupyter(class_dir, python, cid, exchange)
    return {
        "class_dir": str(class_dir), "course_root": str(course_root), "exchange": str(exchange),
        "students": students, "password": password, "proxy": str(PROXY),
        "instructor_python": sys.executable, "instructor_config": str(write_instructor_jupyter(class_dir, exchange)),
        "student_python": str(python), "student_data": str(data), "student_config": str(config),
        "venv_data": str(VENV / "share" / "jupyter"), "venv_config": str(VENV / "etc" / "jupyter"),
    }


def configure(c, s: dict) -> None:
    """JupyterHub's configuration from `settings` (called by <class-dir>/jupyterhub_config.py)."""
    from .postgres import free_port

    class_dir = Path(s["class_dir"])
    c.JupyterHub.authenticator_class = "dummy"  # a real class: its own authenticator, nothing else changes
    c.DummyAuthenticator.password = s["password"]
    c.Authenticator.allowed_users = {INSTRUCTOR, *s["students"]}
    c.Authenticator.admin_users = {INSTRUCTOR}
    c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
    c.SimpleLocalProcessSpawner.home_dir_template = str(class_dir / "home" / "{username}")
    c.Spawner.default_url = "/lab"
    c.Spawner.start_timeout = 120
    c.Spawner.http_timeout = 120
    c.JupyterHub.db_url = f"sqlite:///{class_dir / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(class_dir / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(class_dir / "jupyterhub.pid")
    c.JupyterHub.hub_port = free_port()  # internal ports: never clash with another hub on the machine
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{free_port()}"
    c.ConfigurableHTTPProxy.command = [s["proxy"]]
    root_args = ["--ServerApp.allow_root=True"] if os.getuid() == 0 else []

    def pre_spawn(spawner) -> None:
        env = spawner.environment = dict(spawner.environment)
        env["JUPYTERLAB_DIR"] = os.path.join(s["venv_data"], "lab")
        env["PYTHONNOUSERSITE"] = "1"
        if spawner.user.name == INSTRUCTOR:
            spawner.cmd = [s["instructor_python"], "-m", "jupyterhub.singleuser"]
            spawner.notebook_dir = s["course_root"]
            env["JUPYTER_CONFIG_DIR"] = s["instructor_config"]
            env["PATH"] = os.pathsep.join([os.path.dirname(s["instructor_python"]), os.environ.get("PATH", "")])
        else:
            spawner.cmd = [s["student_python"], "-m", "jupyterhub.singleuser"]
            env["JUPYTER_PATH"] = os.pathsep.join([s["student_data"], s["venv_data"]])
            env["JUPYTER_CONFIG_DIR"] = s["student_config"]
            env["JUPYTER_CONFIG_PATH"] = s["venv_config"]
            env["PATH"] = os.pathsep.join([os.path.dirname(s["student_python"]), "/usr/local/bin", "/usr/bin", "/bin"])
        spawner.args = list(root_args)

    c.Spawner.pre_spawn_hook = pre_spawn


CONFIG = '''\
# Written by `./course.sh hub` (autograder/hub.py): JupyterHub's configuration for this class.
import json, os
from autograder import hub
hub.configure(c, json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "hub.json"))))
'''


def _port(args: list[str], name: str, default: int) -> int:
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            return int(args[i + 1])
        if a.startswith(name + "="):
            return int(a.split("=", 1)[1])
    return default


def _ip(args: list[str]) -> str:
    for i, a in enumerate(args):
        if a == "--ip" and i + 1 < len(args):
            return args[i + 1]
        if a.startswith("--ip="):
            return a.split("=", 1)[1]
    return ""


def prepare(class_dir: Path, course_root: Path, students: list[str], password: str, hub_args: list[str]) -> list[str]:
    """Check what a hub needs, write its config; the jupyterhub command line to run."""
    if not PROXY.exists():
        raise CourseError(f"{PROXY}: JupyterHub's proxy is missing; run the hub with ./course.sh hub, "
                          "which installs it with npm (Node.js: apt-get install nodejs npm)")
    port, ip = _port(hub_args, "--port", 8000), _ip(hub_args)
    try:
        with socket.create_server((ip or "0.0.0.0", port)):
            pass
    except OSError as e:
        raise CourseError(f"the hub cannot listen on port {port} ({e.strerror.split(' (')[0]}): another hub or program "
                          "uses it; stop it or pick another with --port") from None
    s = settings(class_dir, course_root, students, password)
    (class_dir / "hub.json").write_text(json.dumps(s, indent=1) + "\n")
    (class_dir / "jupyterhub_config.py").write_text(CONFIG)
    jupyterhub = shutil.which("jupyterhub", path=os.path.dirname(sys.executable)) or "jupyterhub"
    return [jupyterhub, "-f", str(class_dir / "jupyterhub_config.py"), *hub_args]


def run(class_dir: Path, course_root: Path, students: list[str], password: str, hub_args: list[str]) -> int:
    argv = prepare(class_dir, course_root, students, password, hub_args)
    print(f"class: {class_dir}; exchange: {class_dir / 'exchange'}; users: {INSTRUCTOR} and "
          f"{len(students)} students, password from --password", flush=True)
    os.chdir(class_dir)
    os.execv(argv[0], argv)
    return 0
