#!/usr/bin/env bash
# The course's one entry point. On first use it builds .venv/ (Python 3.11 to 3.13) with every
# pinned dependency, then runs the command you asked for:
#   ./course.sh demo      build release/ and grade the bundled sample class (the main job)
#   ./course.sh test      the whole test suite: unit tests, grader QA, nbval on every notebook
#   ./course.sh lab [OPTIONS]  copy the exercises to work/ and start JupyterLab (students);
#                         JupyterLab options pass through: --no-browser, --port 8890, --allow-root
#   ./course.sh regen     re-execute every notebook and store its outputs (after editing one)
#   ./course.sh release   regenerate release/ from source/ with nbgrader
#   ./course.sh grade A   grade submitted/*/A of the course in the current directory (or --root);
#                         --cluster tcp://HOST:8786 grades on the nodes of a Dask scheduler
#   ./course.sh scheduler [--host 127.0.0.1 --port 8786]   the Dask scheduler nodes join
#   ./course.sh node tcp://HOST:8786   grade for that scheduler on this machine, in the same sandbox
#   ./course.sh report A  what the class got wrong in A: reports/class-A.html and a summary
#   ./course.sh similarity A   rank pairs of students by shared answer code (there, or --root):
#                         reports/similarity-A.html; similarity is evidence to read, not a verdict
#   ./course.sh hub [OPTIONS]  JupyterHub for a class of the course in the current directory:
#                         instructor + students (--students a,b or samples/roster.csv), nbgrader's
#                         exchange in --class-dir (build/hub); JupyterHub options pass: --port, --ip
#   ./course.sh kit DEST  the student kit for a graded class: DEST/autograder/ runs the exercises'
#                         checks offline (public cases, a bank of pre-drawn ones), holds no solution
#   ./course.sh nbgrader ARGS...   run nbgrader in the course environment
#   ./course.sh lock      regenerate constraints.txt from pyproject.toml with uv (maintainers)
set -euo pipefail
caller=$PWD  # grade, similarity, nbgrader, regen and lab work on paths as given from here
cd "$(dirname "$0")"
root=$(pwd)

# The Pythons the course runs on: TensorFlow 2.21 has wheels up to CPython 3.13. Keep these two
# in step with requires-python in pyproject.toml (tests/test_environment.py checks it).
PY_MIN=11 PY_MAX=13

py_minor() {  # the minor version of a working Python 3 interpreter, or nothing
  "$1" -c 'import sys; print(sys.version_info[1] if sys.version_info[0] == 3 else -1)' 2>/dev/null
}

find_python() {
  local py minor found=""
  if [ -n "${PYTHON:-}" ]; then set -- "$PYTHON"; else set -- python3.13 python3.12 python3.11 python3; fi
  for py in "$@"; do
    command -v "$py" >/dev/null 2>&1 || continue
    minor=$(py_minor "$py") || continue
    [ -n "$minor" ] || continue
    if [ "$minor" -ge $PY_MIN ] && [ "$minor" -le $PY_MAX ]; then echo "$py"; return 0; fi
    found="$found${found:+, }$py (3.$minor)"
  done
  if [ -n "$found" ]; then
    echo "course.sh: found only $found, and the course needs Python 3.$PY_MIN to 3.$PY_MAX (TensorFlow 2.21 has no wheels for others): install Python 3.$PY_MAX and run again with PYTHON=/path/to/python3.$PY_MAX." >&2
  elif [ -n "${PYTHON:-}" ]; then
    echo "course.sh: PYTHON=$PYTHON does not run; set it to a Python 3.$PY_MIN to 3.$PY_MAX, or unset it to use python3." >&2
  else
    echo "course.sh: no Python 3 was found: install Python 3.$PY_MIN to 3.$PY_MAX (on Debian/Ubuntu: apt-get install python3 python3-venv) and run again." >&2
  fi
  return 1
}

make_venv() {  # .venv with a supported Python; nothing is downloaded before the check
  local py minor
  if [ -e .venv/bin/python ] || [ -L .venv/bin/python ]; then
    minor=$(py_minor .venv/bin/python) || minor=""
    if [ -n "$minor" ] && [ "$minor" -ge $PY_MIN ] && [ "$minor" -le $PY_MAX ]; then return 0; fi
    if [ -n "$minor" ]; then minor="runs Python 3.$minor"; else minor="has no working Python"; fi
    echo "course.sh: .venv/ $minor, and the course needs 3.$PY_MIN to 3.$PY_MAX: delete .venv/ and run again (PYTHON=/path/to/python3.$PY_MAX picks the interpreter)." >&2
    exit 1
  fi
  py=$(find_python) || exit 1
  echo "course.sh: creating .venv with $py (first run: a few minutes)" >&2
  "$py" -m venv .venv || { echo "course.sh: could not create .venv; on Debian/Ubuntu run: apt-get install python3-venv" >&2; exit 1; }
}

ensure_venv() {
  local stamp=.venv/.installed want
  want=$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  make_venv
  echo "course.sh: installing pinned dependencies into .venv" >&2
  .venv/bin/python -m pip install -q --upgrade pip >&2
  .venv/bin/python -m pip install -q -c constraints.txt -e . >&2
  echo "$want" > "$stamp"
}

lock() {
  # One lock for every supported Python and platform (environment markers where versions
  # differ). uv prefers the versions already in constraints.txt and moves a pin only when it
  # must; the pinned uv is the optional dependency "lock" of pyproject.toml.
  local uv_pin tmp
  make_venv
  uv_pin=$(.venv/bin/python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["lock"])')
  .venv/bin/python -m pip install -q "$uv_pin" >&2
  tmp=$(mktemp)
  .venv/bin/uv pip compile pyproject.toml --universal --python-version 3.$PY_MIN \
    --no-header --output-file constraints.txt "$@" > /dev/null
  { echo "# Full lock of the environment course.sh builds (pip install -c constraints.txt -e .), one for"
    echo "# CPython 3.$PY_MIN.0 to 3.$PY_MAX on every platform: environment markers where versions differ."
    echo "# Written by uv ($uv_pin) from pyproject.toml; regenerate with: ./course.sh lock"
    echo "# (that runs: uv pip compile pyproject.toml --universal --python-version 3.$PY_MIN -o constraints.txt)"
    cat constraints.txt; } > "$tmp"
  cat "$tmp" > constraints.txt && rm -f "$tmp"
  echo "course.sh: wrote constraints.txt; the next command reinstalls .venv from it" >&2
}

ensure_bwrap() {
  # The grading engine runs student code inside bubblewrap (Debian package bubblewrap). Without
  # root it also uses subordinate uids where the user has them (newuidmap, package uidmap); as
  # root, uidmap is installed too, so the tests can grade as an ordinary user in both modes.
  local missing=""
  command -v bwrap >/dev/null 2>&1 || missing=" bubblewrap"
  if [ "$(id -u)" = 0 ] && ! command -v newuidmap >/dev/null 2>&1; then missing="$missing uidmap"; fi
  [ -n "$missing" ] || return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "course.sh: installing the grading sandbox:$missing" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >&2
  else
    echo "course.sh: the grading engine needs bubblewrap: ask an administrator to run 'sudo apt-get install bubblewrap uidmap'" >&2
    exit 1
  fi
}

ensure_postgres() {
  # tests/test_postgres.py grades into a real PostgreSQL server it starts and stops itself
  # (autograder/postgres.py), from Debian's package postgresql. As root it is installed here.
  # The package makes a cluster of its own ("main", port 5432) and may start it: it is stopped
  # and left to start by hand, since the tests' server has its own data and port. Without root
  # and without the package, those tests are skipped with the reason.
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "course.sh: installing PostgreSQL for the PostgreSQL gradebook tests: postgresql" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    local conf version name
    for conf in /etc/postgresql/*/*/start.conf; do
      [ -f "$conf" ] || continue
      echo manual > "$conf"
      version=$(basename "$(dirname "$(dirname "$conf")")") name=$(basename "$(dirname "$conf")")
      pg_ctlcluster "$version" "$name" stop >/dev/null 2>&1 || true  # not running: nothing to stop
    done
  else
    echo "course.sh: PostgreSQL is not installed, so the PostgreSQL gradebook tests are skipped (install it with: sudo apt-get install postgresql)" >&2
  fi
}

# JupyterHub's proxy (npm package configurable-http-proxy), installed into .venv/node_modules as
# JupyterHub's docs say (npm install configurable-http-proxy). Pinned here.
CHP_VERSION=4.6.3
ensure_proxy() {
  [ -x .venv/node_modules/.bin/configurable-http-proxy ] && return 0
  if ! command -v npm >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "course.sh: installing Node.js for JupyterHub's proxy: nodejs npm" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >&2 || true
  fi
  if command -v npm >/dev/null 2>&1; then
    echo "course.sh: installing JupyterHub's proxy: configurable-http-proxy@$CHP_VERSION (npm)" >&2
    npm install --silent --no-fund --no-audit --prefix .venv "configurable-http-proxy@$CHP_VERSION" >&2 && return 0
  fi
  echo "course.sh: JupyterHub's proxy could not be installed: install Node.js and npm (apt-get install nodejs npm) and run again" >&2
  return 1
}

ensure_chromium() {
  # tests/test_hub.py drives a real browser (Playwright with Debian's chromium). As root it is
  # installed here; without root and without it, that test is skipped with the reason.
  command -v chromium >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "course.sh: installing a browser for the JupyterHub test: chromium" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
  else
    echo "course.sh: chromium is not installed, so the JupyterHub browser test is skipped (install it with: sudo apt-get install chromium)" >&2
  fi
}

cmd=${1:-help}
[ $# -gt 0 ] && shift
case "$cmd" in
  help|-h|--help)
    sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  lock)
    lock "$@"; exit 0 ;;
esac
ensure_venv
case "$cmd" in demo|test|grade|node) ensure_bwrap ;; esac
case "$cmd" in test) ensure_postgres; ensure_chromium; ensure_proxy || true ;; esac
case "$cmd" in hub) ensure_proxy || exit 1 ;; esac
export PATH="$root/.venv/bin:$PATH"
case "$cmd" in
  test)
    exec python -m pytest -n 2 --dist loadfile --nbval --nbval-current-env \
      --nbval-sanitize-with tests/nbval_sanitize.cfg "$@" ;;
  nbgrader)
    cd "$caller"; exec nbgrader "$@" ;;
  grade|report|similarity|regen|lab|node|hub|kit)
    cd "$caller"; exec autograder "$cmd" "$@" ;;
  *)
    exec autograder "$cmd" "$@" ;;
esac
