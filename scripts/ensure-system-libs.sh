#!/usr/bin/env bash
# Qt needs a few shared libraries that a minimal Linux may lack. Offscreen tests need only what
# `ldd` reports missing for QtGui's offscreen plugin; install them when we can (root + apt-get).
set -u
py=${VENV:-.venv}/bin/python
missing=$("$py" - <<'PY' 2>/dev/null
import pathlib, subprocess, PySide6
root = pathlib.Path(PySide6.__file__).parent
libs = [root / "Qt/lib/libQt6Gui.so.6", root / "Qt/plugins/platforms/libqoffscreen.so"]
out = "".join(subprocess.run(["ldd", str(p)], capture_output=True, text=True).stdout for p in libs if p.exists())
print(" ".join(sorted({l.split()[0] for l in out.splitlines() if "not found" in l})))
PY
)
[ -z "$missing" ] && exit 0
echo "Qt needs system libraries that are missing: $missing"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 >/dev/null
else
  echo "Install them with your package manager (Debian/Ubuntu: libegl1 libgl1 libxkbcommon0 libfontconfig1)." >&2
fi
