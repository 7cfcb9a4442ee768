"""Which system libraries Qt's platform plugins need on Linux, and which Debian packages hold them.

PySide6 wheels bundle Qt itself but not the X11/xcb, OpenGL and font libraries of the OS. A minimal
Linux lacks some of them, and then Qt aborts with a misleading message (it names `libxcb-cursor0`
even when that is installed and `libxcb-icccm4` is what is missing). This module asks the dynamic
linker (`ldd`) what is missing for a platform plugin, maps each missing library to its Debian
package, and can install them with apt-get. It imports no Qt (it runs before Qt can load).

    python -m explorer.system_libs [--platform xcb|offscreen] [--install]

exits 0 when nothing is missing (after installing, with --install), 1 when something still is.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import struct
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

# The libraries a platform needs, relative to PySide6's Qt folder: the plugin and the Qt libraries
# it links that carry their own system dependencies.
# Qt Charts (the column summary's chart) is loaded on first use; it links OpenGL, so it is
# checked with the GUI library on both platforms.
PLATFORM_FILES: dict[str, tuple[str, ...]] = {
    "offscreen": (
        "lib/libQt6Gui.so.6",
        "lib/libQt6Charts.so.6",
        "plugins/platforms/libqoffscreen.so",
    ),
    "xcb": (
        "lib/libQt6Gui.so.6",
        "lib/libQt6Charts.so.6",
        "lib/libQt6XcbQpa.so.6",
        "plugins/platforms/libqxcb.so",
        "plugins/xcbglintegrations/libqxcb-glx-integration.so",
        "plugins/xcbglintegrations/libqxcb-egl-integration.so",
    ),
}

# Debian/Ubuntu package of each library Qt's GUI plugins link directly (DT_NEEDED). Transitive
# dependencies come with these packages. tests/test_system_libs.py checks the table covers every
# library the installed PySide6 links, so a new Qt release that needs another one fails the tests.
DEBIAN_PACKAGES: dict[str, str] = {
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libdbus-1.so.3": "libdbus-1-3",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libz.so.1": "zlib1g",
    "libzstd.so.1": "libzstd1",
}

# Part of every Linux userland: never reported, never mapped.
BASE_LIBRARIES = frozenset(
    {
        "libc.so.6",
        "libm.so.6",
        "libdl.so.2",
        "librt.so.1",
        "libpthread.so.0",
        "libstdc++.so.6",
        "libgcc_s.so.1",
        "ld-linux-x86-64.so.2",
        "ld-linux-aarch64.so.1",
    }
)

Runner = Callable[[Sequence[str]], str]


def qt_folder() -> Path | None:
    """PySide6's bundled Qt folder, found without importing Qt (which may not load yet)."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "Qt"


def platform_files(platform: str, qt: Path | None = None) -> list[Path]:
    root = qt if qt is not None else qt_folder()
    if root is None:
        return []
    return [root / name for name in PLATFORM_FILES[platform] if (root / name).exists()]


def _ldd(args: Sequence[str]) -> str:
    result = subprocess.run(["ldd", *args], capture_output=True, text=True, check=False)
    return result.stdout


def missing_libraries(files: Iterable[Path], run: Runner = _ldd) -> list[str]:
    """The libraries the dynamic linker cannot find for these files, by soname."""
    paths = [str(f) for f in files]
    if not paths or (shutil.which("ldd") is None and run is _ldd):
        return []
    missing = set()
    for line in run(paths).splitlines():
        name, _, where = line.strip().partition(" => ")
        if where.strip() == "not found":
            missing.add(name.strip())
    return sorted(missing)


def packages_for(sonames: Iterable[str]) -> tuple[list[str], list[str]]:
    """(Debian packages that provide these libraries, libraries the table does not know)."""
    packages, unknown = set(), []
    for name in sonames:
        if name in DEBIAN_PACKAGES:
            packages.add(DEBIAN_PACKAGES[name])
        elif name not in BASE_LIBRARIES:
            unknown.append(name)
    return sorted(packages), sorted(unknown)


def needed_libraries(path: Path) -> list[str]:
    """The DT_NEEDED entries of a 64-bit little-endian ELF file (what it links directly)."""
    data = path.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError(f"{path} is not a 64-bit little-endian ELF file")
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [
        struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)
    ]
    sht_dynamic = 6
    needed: list[str] = []
    for _name, kind, _flags, _addr, offset, size, link, *_ in sections:
        if kind != sht_dynamic:
            continue
        strtab_offset = sections[link][4]
        for at in range(offset, offset + size, 16):
            tag, value = struct.unpack_from("<qQ", data, at)
            if tag == 0:  # DT_NULL
                break
            if tag == 1:  # DT_NEEDED
                start = strtab_offset + value
                needed.append(data[start : data.index(b"\0", start)].decode())
    return needed


def install_command(packages: Sequence[str]) -> list[str]:
    return ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages]


def can_install() -> bool:
    return os.name == "posix" and os.geteuid() == 0 and shutil.which("apt-get") is not None


def _install(packages: Sequence[str]) -> bool:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    quiet = {"stdout": subprocess.DEVNULL, "env": env, "check": False}
    subprocess.run(["apt-get", "update", "-qq"], **quiet)  # type: ignore[call-overload]
    done = subprocess.run(install_command(packages), **quiet)  # type: ignore[call-overload]
    return int(done.returncode) == 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explorer.system_libs")
    parser.add_argument("--platform", choices=sorted(PLATFORM_FILES), default="xcb")
    parser.add_argument(
        "--install", action="store_true", help="install what is missing (root with apt-get)"
    )
    args = parser.parse_args(argv)
    if not sys.platform.startswith("linux"):
        return 0
    files = platform_files(args.platform)
    missing = missing_libraries(files)
    if not missing:
        return 0
    packages, unknown = packages_for(missing)
    print(
        f"Qt's {args.platform} platform needs system libraries that are missing: "
        f"{', '.join(missing)}"
    )
    if args.install and packages and can_install():
        print(f"Installing {' '.join(packages)} with apt-get...")
        _install(packages)
        missing = missing_libraries(files)
        if not missing:
            return 0
        packages, unknown = packages_for(missing)
        print(f"Still missing after installing: {', '.join(missing)}")
    if packages:
        print(
            f"Install them (Debian/Ubuntu): sudo {' '.join(install_command(packages)[:3])} "
            f"{' '.join(packages)}"
        )
    if unknown:
        print(f"Find the package that provides {', '.join(unknown)} with your package manager.")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
