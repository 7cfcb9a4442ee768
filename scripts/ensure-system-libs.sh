#!/usr/bin/env bash
# Qt's platform plugins need a few system libraries that a minimal Linux may lack. Ask the dynamic
# linker what is missing for each platform the project uses and install the Debian packages that
# hold them (root with apt-get; otherwise print the command). explorer/system_libs.py does the work.
#   scripts/ensure-system-libs.sh            both platforms; never fails (make test needs offscreen only)
#   scripts/ensure-system-libs.sh xcb        the window's platform; exits 1 if still missing
set -u
py=${VENV:-.venv}/bin/python
if [ $# -gt 0 ]; then
  exec "$py" -m explorer.system_libs --platform "$1" --install
fi
"$py" -m explorer.system_libs --platform offscreen --install
"$py" -m explorer.system_libs --platform xcb --install || true
