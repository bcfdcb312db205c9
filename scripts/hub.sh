#!/usr/bin/env bash
# The course on a real JupyterHub on this machine (book/how_to_teach.md, "A course on
# JupyterHub"):
#
#   bash scripts/hub.sh start          make hub        accounts, environments, the hub
#   bash scripts/hub.sh grade ch01     make hub-grade  grade what the instructor collected
#   bash scripts/hub.sh stop           make hub-stop   stop it all, delete the accounts
#
# `start` creates three local Unix accounts (rnn-instructor, rnn-learner1, rnn-learner2)
# with generated passwords in a root-only file, installs JupyterHub (PyPI) into its own
# venv, configurable-http-proxy (npm) and the learners' environment (the learner kit,
# JupyterLab 4, nbgrader), sets up nbgrader's exchange and the instructor's course root
# ("one class, one grader" in nbgrader's documentation), and starts the hub on
# 127.0.0.1 with PAM authentication; each user's server runs as that user.
#
# Settings (environment): RNNHUB_DIR (default /srv/rnn-course-hub: environments, the
# exchange, and the root-only state folder), RNNHUB_PORT (default: a free port).
# Needs root (it creates accounts and starts servers as other users); uses sudo if it
# is not root.
set -euo pipefail
umask 022

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HUB_DIR="${RNNHUB_DIR:-/srv/rnn-course-hub}"
STATE="$HUB_DIR/state"
INSTRUCTOR=rnn-instructor
LEARNERS=(rnn-learner1 rnn-learner2)
USERS=("$INSTRUCTOR" "${LEARNERS[@]}")
# Accounts this script made carry this comment; `stop` deletes only those.
MARK="RNN course hub test account (make hub)"
COURSE="/home/$INSTRUCTOR/rnn-course"
PYTHON="${PYTHON:-python3}"

say() { echo "hub: $*"; }
die() { echo "hub: $*" >&2; exit 1; }

need_root() {
  [ "$(id -u)" -eq 0 ] && return
  if command -v sudo >/dev/null 2>&1; then
    say "creating accounts and starting servers as other users needs root: re-running with sudo"
    exec sudo --preserve-env=RNNHUB_DIR,RNNHUB_PORT,PYTHON bash "${BASH_SOURCE[0]}" "$@"
  fi
  die "this needs root (it creates Unix accounts and starts servers as other users), and sudo is not installed. Run it as root: su -c 'make hub'"
}

free_port() {
  "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A pid that is still one of ours: alive and running the given program.
alive() {
  local pid="$1" what="$2"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$what"
}

ours() { [ "$(getent passwd "$1" | cut -d: -f5)" = "$MARK" ]; }

# The learners' servers run as their own accounts, so their environment must be made
# from a Python every account can run: not one under root's home (pyenv, conda).
learners_python() {
  local candidate
  for candidate in "$(readlink -f "$(command -v "$PYTHON")")" /usr/bin/python3; do
    [ -x "$candidate" ] || continue
    if runuser -u nobody -- "$candidate" -c 'import venv, ensurepip' 2>/dev/null; then
      echo "$candidate"
      return
    fi
  done
  die "no Python with venv that every account can run (tried $PYTHON and /usr/bin/python3): install Debian's python3 and python3-venv ('make system-deps')"
}

# --- software: the hub's venv, the proxy, the learners' environment -------------------

install_software() {
  mkdir -p "$HUB_DIR"
  chmod 755 "$HUB_DIR"
  command -v node >/dev/null && command -v npm >/dev/null \
    || die "Node.js and npm are missing: run 'make system-deps' (Debian's nodejs and npm)"
  if ! cmp -s "$repo/hub/requirements.txt" "$HUB_DIR/hub/.requirements"; then
    say "installing JupyterHub into $HUB_DIR/hub"
    [ -x "$HUB_DIR/hub/bin/python" ] || "$PYTHON" -m venv "$HUB_DIR/hub"
    "$HUB_DIR/hub/bin/python" -m pip install -q --disable-pip-version-check -r "$repo/hub/requirements.txt"
    cp "$repo/hub/requirements.txt" "$HUB_DIR/hub/.requirements"
  fi
  if ! cmp -s "$repo/hub/package.json" "$HUB_DIR/proxy/package.json"; then
    say "installing configurable-http-proxy into $HUB_DIR/proxy (npm)"
    mkdir -p "$HUB_DIR/proxy"
    cp "$repo/hub/package.json" "$HUB_DIR/proxy/package.json"
    (cd "$HUB_DIR/proxy" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  fi
  local version learn="$HUB_DIR/learn" stamp learn_python
  learn_python="$(learners_python)"
  # A venv made from another Python (or an older layout) is made again from scratch.
  [ "$(cat "$learn/.python" 2>/dev/null)" = "$learn_python" ] || rm -rf "$learn"
  version="$("$HUB_DIR/hub/bin/python" -c 'import jupyterhub; print(jupyterhub.__version__)')"
  # The learners' environment: what `make env` installs (the kit with JupyterLab and
  # nbgrader), not editable, so that learners need no access to this clone; plus
  # jupyterhub-singleuser of the hub's version; jsonschema capped as in requirements.txt
  # (4.25 adds 3 s to every Jupyter process's start). Reinstalled when the kit changes.
  stamp="jupyterhub==$version $(cd "$repo" && find kit -type f -not -path '*/__pycache__/*' \
    -not -path '*.egg-info*' -not -path 'kit/build/*' | sort | xargs sha256sum | sha256sum)"
  if [ "$(cat "$learn/.installed" 2>/dev/null)" != "$stamp" ]; then
    say "installing the learners' environment into $learn (the learner kit, JupyterLab 4, nbgrader)"
    [ -x "$learn/bin/python" ] || { "$learn_python" -m venv "$learn" && echo "$learn_python" >"$learn/.python"; }
    "$learn/bin/python" -m pip install -q --disable-pip-version-check \
      "jupyterhub==$version" "jsonschema>=4.18,<4.25" "$repo/kit[lab]"
    "$learn/bin/python" -m pip install -q --disable-pip-version-check --no-deps \
      --force-reinstall "$repo/kit"
    "$learn/bin/python" -m ipykernel install --sys-prefix --name rnn-course \
      --display-name "RNN course (rnnkit)" >/dev/null
    "$learn/bin/python" -c "import rnnkit.grading, nbgrader, jupyterlab, jupyterhub"
    echo "$stamp" >"$learn/.installed"
  fi
  # JupyterLab's defaults for every user: no "news" prompt (the hub has no internet use).
  install -D -m 644 "$repo/hub/overrides.json" "$learn/share/jupyter/lab/settings/overrides.json"
  rm -rf "$HUB_DIR/config"
  mkdir -p "$HUB_DIR/config"
  cp -r "$repo/hub/learner" "$repo/hub/instructor" "$HUB_DIR/config/"
  chmod -R a+rX "$HUB_DIR/config"
}

# --- accounts, exchange, course root ---------------------------------------------------

create_users() {
  local user password
  install -d -m 700 "$STATE"
  : >"$STATE/passwords"
  chmod 600 "$STATE/passwords"
  for user in "${USERS[@]}"; do
    if getent passwd "$user" >/dev/null; then
      ours "$user" && die "the account $user is left from an earlier run: run 'make hub-stop' first"
      die "an account named $user already exists and was not made by make hub; remove it or run the hub on another machine"
    fi
    useradd --create-home --shell /bin/bash --user-group --comment "$MARK" "$user"
    chmod 700 "/home/$user"
    password="$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(18))')"
    echo "$user:$password" | chpasswd
    echo "$user $password" >>"$STATE/passwords"
  done
}

setup_course() {
  # nbgrader's exchange: everyone may write (sticky, like /tmp); nbgrader makes the
  # course's inbound folder write-only for learners when the instructor first releases.
  install -d -m 1777 "$HUB_DIR/exchange"
  mkdir -p "$COURSE/autograder"
  cp -r "$repo/solutions" "$COURSE/solutions"
  cp "$repo/nbgrader_config.py" "$COURSE/nbgrader_config.py"
  cat >>"$COURSE/nbgrader_config.py" <<EOF

# --- The course on JupyterHub (written by scripts/hub.sh) ---
c.CourseDirectory.course_id = "rnn-course"
c.Exchange.root = "$HUB_DIR/exchange"
# Feedback generated from formgrader never shows the hidden tests (nbgrader issue 917);
# the grading pipeline's feedback (make hub-grade) clears them as well.
from nbgrader.preprocessors import ClearHiddenTests, GetGrades  # noqa: E402
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
c.GenerateFeedback.preprocessors = [ClearHiddenTests, GetGrades, CSSHTMLHeaderPreprocessor]
EOF
  chown -R "$INSTRUCTOR:$INSTRUCTOR" "$COURSE"
  chmod 700 "$COURSE"
}

# The clone holds the reference answers (solutions/, tests/mutants/, the gradebook):
# while the hub runs, other accounts may not enter it. `stop` puts its mode back.
hide_repository() {
  stat -c '%a' "$repo" >"$STATE/repository-mode"
  echo "$repo" >"$STATE/repository"
  chmod o-rwx "$repo"
}

start_hub() {
  local port api proxy_api url
  port="${RNNHUB_PORT:-$(free_port)}"
  api="$(free_port)"
  proxy_api="$(free_port)"
  url="http://127.0.0.1:$port/"
  (
    cd "$STATE"
    # The caller's Python settings (a venv, PYTHONPATH into a clone) stay out of the hub.
    unset PYTHONPATH PYTHONHOME VIRTUAL_ENV
    export RNNHUB_DIR="$HUB_DIR" RNNHUB_PORT="$port" RNNHUB_API_PORT="$api" \
      RNNHUB_PROXY_API_PORT="$proxy_api" RNNHUB_INSTRUCTOR="$INSTRUCTOR" \
      RNNHUB_LEARNERS="${LEARNERS[*]}"
    setsid "$HUB_DIR/hub/bin/jupyterhub" -f "$repo/hub/jupyterhub_config.py" \
      >>"$STATE/hub.log" 2>&1 </dev/null &
    echo $! >"$STATE/hub.pid"
  )
  cat >"$STATE/hub.env" <<EOF
RNNHUB_URL=$url
RNNHUB_INSTRUCTOR=$INSTRUCTOR
RNNHUB_LEARNERS="${LEARNERS[*]}"
RNNHUB_COURSE=$COURSE
RNNHUB_EXCHANGE=$HUB_DIR/exchange
EOF
  local deadline=$((SECONDS + 120))
  until "$PYTHON" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)" \
      "${url}hub/api/" 2>/dev/null; do
    if ! alive "$(cat "$STATE/hub.pid")" jupyterhub || [ $SECONDS -gt $deadline ]; then
      tail -n 30 "$STATE/hub.log" >&2
      die "JupyterHub did not start (log above, and in $STATE/hub.log); run 'make hub-stop' to clean up"
    fi
    sleep 1
  done
}

start() {
  need_root start
  [ -f "$STATE/hub.pid" ] && alive "$(cat "$STATE/hub.pid")" jupyterhub \
    && die "a hub is already running ($(grep RNNHUB_URL "$STATE/hub.env")); run 'make hub-stop' first"
  install_software
  create_users
  setup_course
  hide_repository
  start_hub
  cat <<EOF
The course's JupyterHub is running at $(grep RNNHUB_URL "$STATE/hub.env" | cut -d= -f2)
  instructor: $INSTRUCTOR (formgrader, course root $COURSE)
  learners:   ${LEARNERS[*]} (the Assignments tab)
  passwords:  $STATE/passwords (readable by root only)
  log:        $STATE/hub.log
After collecting submissions in formgrader, grade them:  make hub-grade CHAPTER=ch01
Stop everything and delete the accounts:                  make hub-stop
EOF
}

# --- grading ---------------------------------------------------------------------------

grade() {
  local chapter="${1:-}"
  [ -n "$chapter" ] || die "name the chapter: make hub-grade CHAPTER=ch01"
  need_root grade "$@"
  [ -d "$COURSE" ] || die "no course root at $COURSE: start the hub with 'make hub' first"
  shift
  # The sandboxed pipeline runs as root, as `make grade` does everywhere. bubblewrap's
  # user namespace cannot enter the instructor's private home, even as root, so the round
  # runs on a copy of the course root in the root-only state folder; the results (the
  # gradebook, nbgrader's submitted/autograded/feedback folders, the reports) then go
  # back into the course root, owned by the instructor, for formgrader and
  # `nbgrader release_feedback`. Do not grade by hand in formgrader meanwhile.
  local status=0 stage="$STATE/grading"
  # The gradebook is the course root's SQLite file, the one formgrader opens.
  unset RNNCOURSE_DB_URL
  rm -rf "$stage"
  install -d -m 700 "$stage"
  cp -r "$COURSE" "$stage/rnn-course"   # owned by root: the sandbox can enter it
  make -C "$repo" --no-print-directory grade CHAPTER="$chapter" \
    GRADE_FLAGS="--root=$stage/rnn-course $*" || status=$?
  rm -rf "$stage/rnn-course/autograder/.scratch" "$COURSE/autograder.graded"
  cp -a "$stage/rnn-course/autograder" "$COURSE/autograder.graded"
  chown -R "$INSTRUCTOR:$INSTRUCTOR" "$COURSE/autograder.graded"
  rm -rf "$COURSE/autograder"
  mv "$COURSE/autograder.graded" "$COURSE/autograder"
  rm -rf "$stage"
  return $status
}

# --- stop ------------------------------------------------------------------------------

stop_pid() {
  local pid="$1" what="$2" i
  alive "$pid" "$what" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 60); do alive "$pid" "$what" || return 0; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
}

stop() {
  need_root stop
  if [ -f "$STATE/hub.pid" ]; then
    say "stopping JupyterHub (it stops the proxy and the users' servers)"
    stop_pid "$(cat "$STATE/hub.pid")" jupyterhub
  fi
  [ ! -f "$STATE/proxy.pid" ] || stop_pid "$(cat "$STATE/proxy.pid")" configurable-http-proxy
  local user pids
  for user in "${USERS[@]}"; do
    getent passwd "$user" >/dev/null || continue
    if ! ours "$user"; then
      say "leaving the account $user alone: make hub did not create it"
      continue
    fi
    # Whatever still runs as a course account (a server, a kernel, a terminal) is ours.
    pids="$(ps -o pid= -u "$user" | tr -s ' \n' ' ' || true)"
    if [ -n "${pids// /}" ]; then
      kill -TERM $pids 2>/dev/null || true
      sleep 1
      pids="$(ps -o pid= -u "$user" | tr -s ' \n' ' ' || true)"
      [ -z "${pids// /}" ] || kill -KILL $pids 2>/dev/null || true
    fi
    userdel --remove "$user" 2>/dev/null || userdel "$user"
    rm -rf "/home/$user"
    getent group "$user" >/dev/null && groupdel "$user" 2>/dev/null || true
    say "deleted the account $user and its home"
  done
  if [ -f "$STATE/repository-mode" ] && [ -d "$(cat "$STATE/repository")" ]; then
    chmod "$(cat "$STATE/repository-mode")" "$(cat "$STATE/repository")"
  fi
  rm -rf "$HUB_DIR/exchange" "$STATE"
  say "stopped; the installed environments stay in $HUB_DIR (delete the folder to remove them)"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  grade) shift; grade "$@" ;;
  *) echo "usage: bash scripts/hub.sh start|stop|grade CHAPTER [grading options]" >&2; exit 2 ;;
esac
