"""A throwaway PostgreSQL server of its own, for the tests of a PostgreSQL gradebook.

    server = postgres.start(folder)          # initdb + pg_ctl start, in folder/data
    server.create_database("gradebook")
    url = server.url("gradebook")            # postgresql+psycopg://autograder:...@127.0.0.1:PORT/gradebook
    ...
    server.stop()

It runs Debian's package `postgresql` (the binaries under /usr/lib/postgresql/<version>/bin,
or initdb and pg_ctl on PATH elsewhere). The server listens on 127.0.0.1 only, on a free port,
with its Unix socket in `folder`; every connection needs the password it was made with
(scram-sha-256). PostgreSQL refuses to run as root: as root the server runs as the package's
`postgres` user, which then owns `folder`; otherwise it runs as the current user. Durability is
traded for speed (fsync off): it is for tests and trials, not for keeping a real class's grades,
which belong on the school's server (README: A PostgreSQL gradebook).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import CourseError

SUPERUSER = "autograder"
INSTALL = "install it with: apt-get install postgresql"
SETTINGS = {  # appended to the cluster's postgresql.conf
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
    "max_connections": "50", "shared_buffers": "'32MB'",
}


def binaries() -> Path | None:
    """The folder with initdb and pg_ctl: the newest /usr/lib/postgresql/<version>/bin, else PATH."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.parent.name)] or [0])
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and (Path(initdb).parent / "pg_ctl").exists() else None


def available() -> bool:
    """Whether this machine can start a server (the package is installed; as root, its user exists)."""
    return binaries() is not None and (os.geteuid() != 0 or _postgres_user() is not None)


def _postgres_user():
    import pwd

    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _last_line(path: Path) -> str:
    try:
        lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "no log was written"
    return lines[-1] if lines else "the log is empty"


@dataclass
class Server:
    folder: Path          # holds data/, server.log and the Unix socket
    bindir: Path
    port: int
    password: str
    user: str = SUPERUSER

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def url(self, dbname: str) -> str:
        """A SQLAlchemy URL of database `dbname` on this server, with the psycopg (3) driver."""
        return f"postgresql+psycopg://{self.user}:{self.password}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, dbname: str) -> str:
        """CREATE DATABASE `dbname` (createdb); returns its URL."""
        run = subprocess.run([str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                              "-U", self.user, dbname], capture_output=True, text=True,
                             env={**os.environ, "PGPASSWORD": self.password}, timeout=60)
        if run.returncode != 0:
            why = (run.stderr.strip().splitlines() or ["no message"])[-1]
            raise CourseError(f"createdb could not create the database {dbname!r} on the PostgreSQL "
                              f"server in {self.folder} ({why})")
        return self.url(dbname)

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def stop(self) -> None:
        """Stop the server (fast shutdown); its data stays in `folder`."""
        if not self.running():
            return
        run = _as_server_user([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"],
                              self.folder)
        if run.returncode != 0:
            raise CourseError(f"pg_ctl could not stop the PostgreSQL server in {self.data} "
                              f"({_last_line(self.log)}); its log is {self.log}")

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _as_server_user(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run a PostgreSQL program as the user the server runs as (root: the `postgres` user)."""
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)


def start(folder: Path) -> Server:
    """initdb a new cluster in `folder`/data and start it on 127.0.0.1 at a free port."""
    bindir = binaries()
    if bindir is None:
        raise CourseError(f"PostgreSQL's server is not installed (no /usr/lib/postgresql/*/bin/initdb): {INSTALL}")
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        owner = _postgres_user()
        if owner is None:
            raise CourseError(f"PostgreSQL refuses to run as root and this machine has no `postgres` user "
                              f"to run it as: {INSTALL} (the package creates that user)")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        os.chmod(folder, 0o700)
        if _as_server_user(["test", "-w", str(folder)], Path("/")).returncode != 0:
            raise CourseError(f"PostgreSQL runs as the `postgres` user, who cannot reach {folder}: "
                              "give a folder outside root's private ones, e.g. under /tmp")
    server = Server(folder, bindir, 0, secrets.token_hex(16))
    pwfile = folder / "password"
    pwfile.write_text(server.password + "\n")
    pwfile.chmod(0o600)
    if os.geteuid() == 0:
        os.chown(pwfile, owner.pw_uid, owner.pw_gid)
    initdb_log = folder / "initdb.log"
    try:
        run = _as_server_user([str(bindir / "initdb"), "-D", str(server.data), "-U", SUPERUSER,
                               f"--pwfile={pwfile}", "--auth=scram-sha-256", "-E", "UTF8", "--no-locale",
                               "--no-sync"], folder)
    finally:
        pwfile.unlink(missing_ok=True)
    initdb_log.write_text(run.stdout + run.stderr)
    if run.returncode != 0:
        raise CourseError(f"initdb could not create a PostgreSQL cluster in {server.data} "
                          f"({_last_line(initdb_log)}); its log is {initdb_log}")
    conf = server.data / "postgresql.conf"
    base = conf.read_text()
    for _ in range(3):  # a free port can be taken between choosing it and binding it
        server.port = free_port()
        settings = {**SETTINGS, "port": str(server.port), "unix_socket_directories": f"'{folder}'"}
        conf.write_text(base + "\n# autograder/postgres.py\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()))
        run = _as_server_user([str(bindir / "pg_ctl"), "-D", str(server.data), "-l", str(server.log),
                               "-w", "-t", "60", "start"], folder)
        if run.returncode == 0:
            return server
        said = server.log.read_text(errors="replace") if server.log.exists() else ""
        if "could not bind" not in said:
            break
    raise CourseError(f"pg_ctl could not start PostgreSQL in {server.data} ({_last_line(server.log)}); "
                      f"its log is {server.log}")
