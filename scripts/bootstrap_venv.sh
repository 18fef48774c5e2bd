#!/usr/bin/env bash
# Create .venv with a working pip on a machine that may have only python3.
# Debian's python3 lacks ensurepip unless python3-venv is installed; as root we install it
# from Debian's packages, otherwise we say what to install.
set -euo pipefail
VENV=${1:-.venv}
PY=${PYTHON:-python3}
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
  exit 0
fi
rm -rf "$VENV"
if "$PY" -m venv "$VENV" 2>/dev/null && "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
  exit 0
fi
rm -rf "$VENV"
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  ver=$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  echo "python3 cannot create a virtual environment with pip; installing python${ver}-venv from Debian" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python${ver}-venv" >/dev/null 2>&1 \
    || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  "$PY" -m venv "$VENV"
  exit 0
fi
if "$PY" -m pip --version >/dev/null 2>&1; then
  "$PY" -m venv --without-pip "$VENV"
  "$PY" -m pip --python "$VENV/bin/python" install -q pip
  exit 0
fi
echo "error: python3 cannot create a virtual environment with pip." >&2
echo "       On Debian/Ubuntu run: sudo apt-get install python3-venv   (then run make again)" >&2
exit 1
