#!/usr/bin/env bash
# Debian packages the course needs beyond Python: bubblewrap (the grading sandbox),
# chromium (the browser tests), Node.js and npm (the proxy of `make hub`'s JupyterHub). Installs only what is missing; needs root or sudo.
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
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing Debian packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
