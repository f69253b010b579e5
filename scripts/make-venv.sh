#!/usr/bin/env bash
# Create (or recreate) a virtual environment from a fully pinned lock file.
# Usage: scripts/make-venv.sh VENV_DIR LOCK_FILE
# The stamp file is written last, so an interrupted install is redone next time.
set -euo pipefail
venv=$1 lock=$2
here=$(cd "$(dirname "$0")" && pwd)
python=$("$here/find-python310.sh")
echo ">> creating $venv from $lock with $python"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check pip==24.0
if ! "$venv/bin/python" -m pip install --disable-pip-version-check --progress-bar off -r "$lock"; then
  echo "ERROR: installing $lock into $venv failed (see the pip output above); nothing was kept." >&2
  rm -rf "$venv"
  exit 1
fi
touch "$venv/.installed"
echo ">> $venv ready"
