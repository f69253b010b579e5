#!/usr/bin/env bash
# Print the path of a working Python 3.10 interpreter (Rasa 3.6 needs Python 3.8-3.10).
# Order: python3.10 on PATH, then pyenv's 3.10. A pyenv shim on PATH may exist without
# the version being active, so each candidate is actually run before it is trusted.
set -u
works() { "$1" -c 'import sys, venv; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }

if command -v python3.10 >/dev/null 2>&1 && works python3.10; then
  command -v python3.10
  exit 0
fi
if command -v pyenv >/dev/null 2>&1; then
  prefix=$(pyenv prefix 3.10 2>/dev/null | head -n 1)
  if [ -n "$prefix" ] && works "$prefix/bin/python3.10"; then
    echo "$prefix/bin/python3.10"
    exit 0
  fi
fi
echo "ERROR: Python 3.10 not found (no working 'python3.10' on PATH, no 'pyenv prefix 3.10')." \
     "Rasa 3.6 needs it: install it (e.g. 'pyenv install 3.10') and run the command again." >&2
exit 1
