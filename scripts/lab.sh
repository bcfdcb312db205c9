#!/usr/bin/env bash
# Open the exercise notebooks in JupyterLab 4 as a learner sees them: nbgrader's
# Validate button in the notebook toolbar, instructor tools (formgrader, create
# assignment, exchange) switched off. Extra arguments go to `jupyter lab`, e.g.
#   bash scripts/lab.sh --no-browser --port 8890
#
# The learner settings live in scripts/jupyter-learner/ and are added to Jupyter's
# config search path for this process only (JUPYTER_CONFIG_PATH), so nothing outside
# the clone is changed. Validate reads nbgrader_config.py from the working directory,
# hence the cd to the repository root.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
bin="${RNNCOURSE_VENV:-$repo/.venv-learn}/bin"
if [ ! -x "$bin/jupyter" ]; then
  echo "No learner environment in $repo/.venv-learn: run 'make env' first." >&2
  exit 1
fi
export PATH="$bin:$PATH"
export JUPYTER_CONFIG_PATH="$repo/scripts/jupyter-learner${JUPYTER_CONFIG_PATH:+:$JUPYTER_CONFIG_PATH}"
args=()
# The exercises are the root unless the caller chooses another (the tests use a copy).
[[ " $* " == *" --ServerApp.root_dir="* ]] || args+=(--ServerApp.root_dir="$repo/exercises")
# Containers and CI often run as root, which JupyterLab refuses without this flag.
[ "$(id -u)" -ne 0 ] || args+=(--allow-root)
exec jupyter lab "${args[@]}" "$@"
