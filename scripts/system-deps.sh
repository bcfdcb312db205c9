#!/usr/bin/env bash
# Debian packages the course needs beyond Python: bubblewrap (the grading sandbox),
# chromium (the browser tests), postgresql (the gradebook on PostgreSQL,
# scripts/postgres.sh), Node.js and npm (the proxy of `make hub`'s JupyterHub) and
# Debian's python3-venv (the hub's learners). Installs only what is missing; needs root
# or sudo.
set -euo pipefail
need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
# The hub's learners run Debian's Python (every account can run it), with venv.
/usr/bin/python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3 python3-venv)
# A CJK font so screenshots of the glossary and chapter 6 show Chinese characters.
{ command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh 2>/dev/null)" ]; } || need+=(fonts-wqy-microhei)
# the server binaries only: scripts/postgres.sh makes the course's own cluster
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing Debian packages: ${need[*]}"
if [[ " ${need[*]} " == *" postgresql "* ]]; then
    # Debian would create and start a cluster of its own on port 5432: not wanted here
    $SUDO mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.d/rnncourse.conf >/dev/null
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
