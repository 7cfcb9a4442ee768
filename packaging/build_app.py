"""Build the one-folder app with PyInstaller, and the rules the spec uses to keep it small.

    .venv/bin/python packaging/build_app.py [--distpath dist] [--workpath build/pyinstaller] [--quiet]

runs `pyinstaller --noconfirm --clean packaging/explorer.spec` and prints where the bundle is, how
big it is and how long the build took. packaging/explorer.spec imports this module for the
version, the resources and the exclusions; tests/test_packaging.py imports it to build and measure.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "explorer.spec"
VERSION_TEMPLATE = ROOT / "packaging" / "version_info.txt.in"

# Python modules the app never imports at run time but something might pull in.
EXCLUDES = [
    # other Qt bindings (qasync probes for them) and Qt modules the app does not use:
    # httpx does the networking, widgets do the drawing (no QML, no web engine, no printing)
    "PyQt5",
    "PyQt6",
    "PySide2",
    "PySide6.QtNetwork",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickWidgets",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtPdf",
    "PySide6.QtPrintSupport",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtDesigner",
    "PySide6.QtHelp",
    "PySide6.QtUiTools",
    "PySide6.QtXml",
    "PySide6.QtConcurrent",
    "PySide6.QtMultimedia",
    "PySide6.QtWebEngineCore",
    "PySide6.Qt3DCore",
    # the standard library's tools for developers, and test suites
    "tkinter",
    "_tkinter",
    "unittest",
    "doctest",
    "pydoc",
    "pydoc_data",
    "lib2to3",
    "idlelib",
    "ensurepip",
    "venv",
    "test",
    "pytest",
    "_pytest",
    "pytestqt",
    "hypothesis",
    "mypy",
    "setuptools",
    "pip",
]

# Qt plugins and data the app cannot use. Kept: the platforms that show the window (xcb, wayland,
# windows, cocoa) or draw without one (offscreen), input contexts (dead keys, IMEs), the desktop
# portal theme (native file dialogs), the SVG image and icon engines (toolbar icons), ico and jpeg.
# The GTK 3 theme goes: it needs the system's GTK, and mixing that with the glib, cairo and pango
# copied from the build machine is a known cause of crashes; Qt then draws its own dialogs.
PRUNED_PLUGINS = {
    "platforms": ("eglfs", "linuxfb", "minimal", "minimalegl", "vnc", "vkkhrdisplay", "direct2d"),
    "platformthemes": ("gtk3",),
    "imageformats": ("gif", "icns", "tga", "tiff", "wbmp", "webp", "pdf", "macheif", "macjp2"),
    "egldeviceintegrations": ("",),  # only for eglfs
    "generic": ("",),  # touch and evdev input for framebuffer consoles
    "sqldrivers": ("",),
    "printsupport": ("",),
    "qmltooling": ("",),
    "designer": ("",),
    # Qt's on-screen keyboard (touch kiosks); with PySide6-Addons installed its libraries resolve
    # and would bring Qt Quick and QML along (about 30 MB). Dead keys and IMEs stay (compose, ibus).
    "platforminputcontexts": ("tvirtualkeyboard",),
}


# Linux libraries that only the pruned plugins need (checked with `readelf -d` over the bundle:
# nothing that is kept links to them). PyInstaller collects a plugin's dependencies before the spec
# can drop the plugin, so they are dropped here by name.
UNUSED_LINUX_LIBRARIES = (
    "libQt6EglFSDeviceIntegration.",  # eglfs
    "libQt6EglFsKmsSupport.",
    "libQt6Network.",  # vnc, touch input
    "libQt6VirtualKeyboard.",  # the on-screen keyboard, and the QML it is drawn with
    "libQt6VirtualKeyboardQml.",
    "libQt6Quick.",
    "libQt6Qml.",
    "libQt6QmlMeta.",
    "libQt6QmlModels.",
    "libQt6QmlWorkerScript.",
    "libQt6Pdf.",  # the PDF image format (PySide6-Addons)
    "libgssapi_krb5.",  # Qt Network's Kerberos support
    "libkrb5.",
    "libkrb5support.",
    "libk5crypto.",
    "libcom_err.",
    "libkeyutils.",
    "libatk-1.0.",  # the GTK 3 theme
    "libcairo.",
    "libcairo-gobject.",
    "libpango-1.0.",
    "libpangocairo-1.0.",
    "libpangoft2-1.0.",
    "libpixman-1.",
    "libharfbuzz.",
    "libgraphite2.",
    "libfribidi.",
    "libthai.",
    "libdatrie.",
    "libgdk_pixbuf-2.0.",
    "libjpeg.",
    "libgio-2.0.",
    "libgobject-2.0.",
    "libgmodule-2.0.",
    "libmount.",
    "libblkid.",
    "libselinux.",
    "libXau.",
    "libXdmcp.",
    "libXext.",
    "libXrender.",
    "libbsd.",
    "libmd.",
)


def needs_qt(module: str) -> bool:
    """True for the explorer modules that import Qt (the command line needs none of them)."""
    return module in ("explorer.app", "explorer.smoke", "explorer.__main__") or module.startswith(
        "explorer.ui"
    )


def read_version(root: Path = ROOT) -> str:
    text = (root / "explorer" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    if not match:
        raise SystemExit("explorer/__init__.py has no __version__ line")
    return match.group(1)


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """'1.2.3' or '1.2.3rc1' -> (1, 2, 3, 0): Windows wants four numbers."""
    numbers = [int(n) for n in re.findall(r"\d+", version.split("+")[0])[:4]]
    numbers += [0] * (4 - len(numbers))
    return numbers[0], numbers[1], numbers[2], numbers[3]


def version_info_text(name: str, description: str, version: str) -> str:
    template = VERSION_TEMPLATE.read_text(encoding="utf-8")
    body = "\n".join(line for line in template.splitlines() if not line.startswith("#"))
    return body.format(
        name=name, description=description, version=version, version_tuple=version_tuple(version)
    )


def write_version_file(workpath: Path, name: str, description: str, version: str) -> str:
    """Write the Windows version resource for one executable; returns its path for EXE()."""
    workpath.mkdir(parents=True, exist_ok=True)
    path = workpath / f"version_info_{name}.txt"
    path.write_text(version_info_text(name, description, version), encoding="utf-8")
    return str(path)


def resource_datas(root: Path = ROOT) -> list[tuple[str, str]]:
    """The resources folder goes to `explorer/resources` inside the bundle, where
    `importlib.resources.files("explorer") / "resources"` finds it (explorer/resources.py)."""
    return [(str(root / "resources"), "explorer/resources")]


def is_pruned(dest: str) -> bool:
    """Whether a collected file (its path inside the bundle) is one the app cannot use."""
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    if sys.platform.startswith("linux") and parts[-1].startswith(UNUSED_LINUX_LIBRARIES):
        return True
    if "translations" in parts and any(p in ("Qt", "Qt6") for p in parts):
        return True  # the window is in English; Qt's own dialogs fall back to English too
    if "plugins" not in parts:
        return False
    index = parts.index("plugins")
    if len(parts) < index + 3:
        return False
    kind, filename = parts[index + 1], parts[-1].lower()
    stem = filename.removeprefix("lib").removeprefix("q")
    return any(stem.startswith(prefix) for prefix in PRUNED_PLUGINS.get(kind, ()))


def prune(toc: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    return [entry for entry in toc if not is_pruned(entry[0])]


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def build(distpath: Path, workpath: Path, *, quiet: bool = False) -> tuple[Path, float]:
    """Run PyInstaller; returns the bundle folder and the build time in seconds.

    With `quiet`, PyInstaller's log is kept in a temporary file and shown only if the build fails.
    """
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        str(SPEC),
        "--distpath",
        str(distpath),
        "--workpath",
        str(workpath),
    ]
    started = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as log:
        output = log if quiet else None
        result = subprocess.run(command, cwd=ROOT, stdout=output, stderr=output, check=False)
        if result.returncode != 0:
            if quiet:
                log.seek(0)
                sys.stderr.write(log.read())
            raise SystemExit(f"PyInstaller failed with status {result.returncode}")
    return distpath / "explorer", time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the one-folder app with PyInstaller.")
    parser.add_argument("--distpath", type=Path, default=ROOT / "dist")
    parser.add_argument("--workpath", type=Path, default=ROOT / "build" / "pyinstaller")
    parser.add_argument(
        "--quiet", action="store_true", help="show PyInstaller's log on failure only"
    )
    args = parser.parse_args(argv)
    bundle, seconds = build(args.distpath, args.workpath, quiet=args.quiet)
    size_mb = folder_size(bundle) / 1e6
    executable = bundle / ("explorer.exe" if os.name == "nt" else "explorer")
    sys.stdout.write(f"built {bundle} in {seconds:.0f} s: {size_mb:.0f} MB\n")
    sys.stdout.write(f"check it with: {executable} --smoke\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
