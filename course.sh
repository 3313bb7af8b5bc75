#!/usr/bin/env bash
# The course's one entry point. On first use it builds .venv/ (Python 3.11+) with every
# pinned dependency, then runs the command you asked for:
#   ./course.sh demo      build release/ and grade the bundled sample class (the main job)
#   ./course.sh test      the whole test suite: unit tests, grader QA, nbval on every notebook
#   ./course.sh lab       copy the exercises to work/ and start JupyterLab (students)
#   ./course.sh regen     re-execute every notebook and store its outputs (after editing one)
#   ./course.sh release   regenerate release/ from source/ with nbgrader
#   ./course.sh grade A   grade submitted/*/A with the sandboxed engine (instructors)
#   ./course.sh nbgrader ARGS...   run nbgrader in the course environment
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)

find_python() {
  for py in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$py" ] || continue
    if command -v "$py" >/dev/null 2>&1 &&
       "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$py"; return 0
    fi
  done
  echo "course.sh: Python 3.11 or newer is needed; install it (apt-get install python3) or set PYTHON=/path/to/python3.11." >&2
  return 1
}

ensure_venv() {
  local stamp=.venv/.installed want py
  want=$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  py=$(find_python)
  if [ ! -x .venv/bin/python ]; then
    echo "course.sh: creating .venv with $py (first run: a few minutes)" >&2
    "$py" -m venv .venv || { echo "course.sh: could not create .venv; on Debian/Ubuntu run: apt-get install python3-venv" >&2; exit 1; }
  fi
  echo "course.sh: installing pinned dependencies into .venv" >&2
  .venv/bin/python -m pip install -q --upgrade pip >&2
  .venv/bin/python -m pip install -q -c constraints.txt -e . >&2
  echo "$want" > "$stamp"
}

ensure_bwrap() {
  # The grading engine runs student code inside bubblewrap (Debian package bubblewrap).
  command -v bwrap >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "course.sh: installing bubblewrap, the grading sandbox" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >&2
  else
    echo "course.sh: the grading engine needs bubblewrap: run 'sudo apt-get install bubblewrap'" >&2
    exit 1
  fi
}

cmd=${1:-help}
[ $# -gt 0 ] && shift
case "$cmd" in
  help|-h|--help)
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
ensure_venv
case "$cmd" in demo|test|grade) ensure_bwrap ;; esac
export PATH="$root/.venv/bin:$PATH"
case "$cmd" in
  test)
    exec python -m pytest -n 2 --dist loadfile --nbval --nbval-current-env \
      --nbval-sanitize-with tests/nbval_sanitize.cfg "$@" ;;
  nbgrader)
    exec nbgrader "$@" ;;
  *)
    exec autograder "$cmd" "$@" ;;
esac
