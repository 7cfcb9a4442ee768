"""The installable app: icons, desktop entry, PyInstaller rules, and (marker `frozen`) a real build.

The frozen tests build the Linux one-folder bundle into a temporary folder with the project's own
build script and run the frozen `explorer --smoke` offscreen, as CI does.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pkgutil
import re
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import grimp
import httpx
import pytest

from explorer import __version__
from tests.without_qt import BLOCKED, QT_PACKAGES, python_without_qt

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
TOOLBAR = [
    "run",
    "stop",
    "cancel",
    "load-all",
    "export",
    "copy",
    "add",
    "remove",
    "filter",
    "settings",
    "profile",
    "refresh",
    "log",
    "link",
    "columns",
    "search",
]
# A bundle above this has lost its exclusions (it was about 170 MB when they were written).
MAX_BUNDLE_MB = 230


def load_script(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_app = load_script(ROOT / "packaging" / "build_app.py")
make_icons = load_script(ROOT / "scripts" / "make_icons.py")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# ------------------------------------------------------------------ icons


@pytest.mark.parametrize("size", PNG_SIZES)
def test_app_icon_png_sizes(size: int) -> None:
    data = (ICONS / "png" / f"explorer-{size}.png").read_bytes()

    assert png_size(data) == (size, size)


@pytest.mark.parametrize("size", [16, 48, 256])
def test_committed_pngs_match_the_svg_sources(size: int, qapp: object) -> None:
    """Fails when an SVG was edited and scripts/make_icons.py was not run afterwards."""
    from PySide6.QtGui import QImage

    committed = QImage(str(ICONS / "png" / f"explorer-{size}.png"))
    fresh = make_icons.app_icon(size)
    a = committed.convertToFormat(QImage.Format.Format_ARGB32)
    b = fresh.convertToFormat(QImage.Format.Format_ARGB32)
    pixels_a, pixels_b = bytes(a.constBits()), bytes(b.constBits())

    assert len(pixels_a) == len(pixels_b)
    # Another Qt version may antialias a little differently; an edited drawing differs a lot.
    mean_difference = sum(abs(x - y) for x, y in zip(pixels_a, pixels_b, strict=True)) / len(
        pixels_a
    )
    assert mean_difference < 1.0


def test_ico_holds_every_windows_size_as_png() -> None:
    data = (ICONS / "explorer.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    sizes = []
    for index in range(count):
        width, height, _colours, _zero, _planes, bits, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * index : 22 + 16 * index]
        )
        actual = png_size(data[offset : offset + length])
        assert actual == (width or 256, height or 256)
        assert bits == 32
        sizes.append(actual[0])

    assert (reserved, kind) == (0, 1)
    assert sizes == [16, 24, 32, 48, 64, 128, 256]
    assert offset + length == len(data)


def test_icns_holds_every_macos_size_as_png() -> None:
    data = (ICONS / "explorer.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)
    entries = {}
    position = 8
    while position < len(data):
        kind, length = (
            data[position : position + 4],
            struct.unpack(">I", data[position + 4 : position + 8])[0],
        )
        entries[kind.decode()] = png_size(data[position + 8 : position + length])[0]
        position += length

    assert position == len(data)
    assert entries == {
        "icp4": 16,
        "icp5": 32,
        "icp6": 64,
        "ic07": 128,
        "ic08": 256,
        "ic09": 512,
        "ic10": 1024,
        "ic11": 32,
        "ic12": 64,
        "ic13": 256,
        "ic14": 512,
    }


@pytest.mark.parametrize("name", ["explorer", "explorer-small", *(f"toolbar/{n}" for n in TOOLBAR)])
def test_svg_icons_render(name: str, qapp: object) -> None:
    from PySide6.QtSvg import QSvgRenderer

    path = ICONS / f"{name}.svg"
    renderer = QSvgRenderer(str(path))

    assert renderer.isValid(), path
    assert renderer.defaultSize().width() == renderer.defaultSize().height()


def test_icon_readme_lists_every_toolbar_icon() -> None:
    readme = (ICONS / "README.md").read_text(encoding="utf-8")
    on_disk = sorted(p.stem for p in (ICONS / "toolbar").glob("*.svg"))

    assert on_disk == sorted(TOOLBAR)
    for name in TOOLBAR:
        assert f"`{name}`" in readme, name
    assert "MIT" in readme


def test_desktop_entry() -> None:
    path = ROOT / "resources" / "explorer.desktop"
    entry = dict(
        line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines() if "=" in line
    )

    assert entry["Type"] == "Application"
    assert entry["Exec"].split()[0] == "explorer"
    assert entry["Icon"] == "explorer"
    assert entry["Terminal"] == "false"
    validator = shutil.which("desktop-file-validate")
    if validator:
        result = subprocess.run([validator, str(path)], capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout == ""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="installs a Linux menu entry")
def test_linux_install_and_uninstall_for_one_user(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    for name in ("explorer", "explorer-cli"):
        (bundle / name).write_text("#!/bin/sh\necho ran\n")
        (bundle / name).chmod(0o755)
    prefix, data = tmp_path / "prefix", tmp_path / "data"
    env = {**os.environ, "PREFIX": str(prefix), "XDG_DATA_HOME": str(data)}
    script = str(ROOT / "packaging" / "install-linux.sh")

    installed = subprocess.run([script, str(bundle)], env=env, capture_output=True, text=True)

    assert installed.returncode == 0, installed.stderr
    assert (prefix / "bin" / "explorer").resolve() == prefix / "opt" / "explorer" / "explorer"
    assert (prefix / "bin" / "explorer-cli").is_symlink()
    for size in PNG_SIZES:
        icon = data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "explorer.png"
        assert png_size(icon.read_bytes()) == (size, size)
    entry = data / "applications" / "explorer.desktop"
    assert f"Exec={prefix}/opt/explorer/explorer\n" in entry.read_text(encoding="utf-8")
    validator = shutil.which("desktop-file-validate")
    if validator:
        assert subprocess.run([validator, str(entry)], capture_output=True).returncode == 0

    removed = subprocess.run([script, "--uninstall"], env=env, capture_output=True, text=True)

    assert removed.returncode == 0, removed.stderr
    assert not (prefix / "opt" / "explorer").exists()
    assert not (prefix / "bin" / "explorer").exists()
    assert not entry.exists()
    assert not list((data / "icons").rglob("explorer.png"))


def test_linux_install_without_a_build_says_what_to_do(tmp_path: Path) -> None:
    env = {**os.environ, "PREFIX": str(tmp_path / "p"), "XDG_DATA_HOME": str(tmp_path / "d")}

    result = subprocess.run(
        [str(ROOT / "packaging" / "install-linux.sh"), str(tmp_path / "nothing")],
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 1
    assert "run 'make package' first" in result.stderr
    assert not (tmp_path / "p").exists()


# ------------------------------------------------------------------ build rules


def test_windows_version_resource_comes_from_the_package_version(tmp_path: Path) -> None:
    # PyInstaller reads the file with eval() into its versioninfo classes (which need pefile, a
    # Windows-only package); stand-ins that record their arguments check the same text anywhere.
    kinds = (
        "VSVersionInfo FixedFileInfo StringFileInfo StringTable StringStruct VarFileInfo VarStruct"
    )
    built: dict[str, list[tuple[tuple[object, ...], dict[str, object]]]] = {}

    def recorder(kind: str) -> object:
        return lambda *args, **kwargs: built.setdefault(kind, []).append((args, kwargs))

    path = build_app.write_version_file(tmp_path, "explorer", "Explorer for REST APIs", __version__)
    eval(Path(path).read_text(encoding="utf-8"), {k: recorder(k) for k in kinds.split()})

    strings = dict(args for args, _ in built["StringStruct"])
    assert strings["FileVersion"] == strings["ProductVersion"] == __version__
    assert strings["OriginalFilename"] == "explorer.exe"
    assert strings["FileDescription"] == "Explorer for REST APIs"
    fixed = built["FixedFileInfo"][0][1]
    assert fixed["filevers"] == fixed["prodvers"] == build_app.version_tuple(__version__)
    assert len(built["VSVersionInfo"]) == 1


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("0.1.0", (0, 1, 0, 0)),
        ("1.2.3rc1", (1, 2, 3, 1)),
        ("2.0", (2, 0, 0, 0)),
        ("1.2.3+local", (1, 2, 3, 0)),
    ],
)
def test_version_tuple(version: str, expected: tuple[int, int, int, int]) -> None:
    assert build_app.version_tuple(version) == expected


@pytest.mark.parametrize(
    ("dest", "pruned"),
    [
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", False),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", False),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", False),
        ("PySide6/Qt/plugins/platforms/qwindows.dll", False),
        ("PySide6/Qt/plugins/platforms/libqcocoa.dylib", False),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", False),
        ("PySide6/Qt/plugins/imageformats/qsvg.dll", False),
        ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", False),
        ("PySide6/Qt/plugins/platforminputcontexts/libcomposeplatforminputcontextplugin.so", False),
        ("PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so", False),
        ("PySide6/Qt/lib/libQt6Svg.so.6", False),
        ("explorer/resources/icons/png/explorer-16.png", False),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", True),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", True),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", True),
        ("PySide6/Qt/plugins/imageformats/libqtiff.so", True),
        ("PySide6\\Qt\\plugins\\imageformats\\qwebp.dll", True),
        ("PySide6/Qt/plugins/generic/libqtuiotouchplugin.so", True),
        ("PySide6/Qt/translations/qtbase_de.qm", True),
        ("PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so", True),
        ("PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so", False),
    ],
)
def test_prune_rules(dest: str, pruned: bool) -> None:
    assert build_app.is_pruned(dest) is pruned


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux library names")
def test_prune_drops_libraries_only_pruned_plugins_need() -> None:
    assert build_app.is_pruned("libQt6Network.so.6")
    assert build_app.is_pruned("PySide6/Qt/lib/libQt6EglFSDeviceIntegration.so.6")
    assert build_app.is_pruned("libcairo.so.2")
    assert not build_app.is_pruned("libQt6XcbQpa.so.6")
    assert build_app.is_pruned("PySide6/Qt/lib/libQt6VirtualKeyboard.so.6")
    assert build_app.is_pruned("libQt6Quick.so.6")
    assert not build_app.is_pruned("PySide6/Qt/lib/libQt6Charts.so.6")  # the summary's chart
    assert not build_app.is_pruned("libQt6OpenGLWidgets.so.6")  # Qt Charts links it
    assert not build_app.is_pruned("libglib-2.0.so.0")  # Qt Core links it


def explorer_modules() -> list[str]:
    import explorer

    found = pkgutil.walk_packages(explorer.__path__, prefix="explorer.")
    return sorted(["explorer", *(info.name for info in found)])


def modules_reaching_qt() -> set[str]:
    """The explorer modules that import Qt, directly or through others, at any depth."""
    graph = grimp.build_graph("explorer", include_external_packages=True)
    direct = set().union(*(graph.find_modules_that_directly_import(q) for q in QT_PACKAGES))
    return direct.union(*(graph.find_downstream_modules(module) for module in direct))


def test_the_modules_packed_without_qt_never_import_qt(tmp_path: Path) -> None:
    """explorer-cli's analysis leaves out what `needs_qt` names; nothing else may reach Qt.

    The import graph sees imports inside functions too (explorer.smoke imports Qt only when it
    runs); importing each module in a process where Qt is blocked checks the same at run time.
    """
    headless = [name for name in explorer_modules() if not build_app.needs_qt(name)]
    assert "explorer.exporting.cli" in headless
    assert "explorer.ui.results.table_model" not in headless

    assert modules_reaching_qt() & set(headless) == set()

    result = python_without_qt(
        "import importlib\n" + "".join(f"importlib.import_module({name!r})\n" for name in headless),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert BLOCKED not in result.stderr


# ------------------------------------------------------------------ the frozen app


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One fresh build per test run (never a stale dist/), whichever xdist workers ask for it.

    The first worker to take the lock builds into the run's shared temporary folder; any other
    finds the finished bundle (or the build's failure) there. PyInstaller's log shows only if the
    build fails.
    """
    import fcntl  # the frozen tests run on Linux only

    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker's folder sits in the run's own folder; alone, the base is the run's.
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = shared / "frozen"
    failure = folder / "build-failed.txt"
    with (shared / "frozen.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not folder.exists():
            folder.mkdir()
            try:
                path, seconds = build_app.build(folder / "dist", folder / "work", quiet=True)
            except SystemExit as exc:
                failure.write_text(str(exc), encoding="utf-8")
            else:
                size_mb = build_app.folder_size(path) / 1e6
                sys.stderr.write(f"\nbuilt the bundle in {seconds:.0f} s: {size_mb:.0f} MB\n")
    if failure.exists():
        pytest.fail(f"the bundle did not build: {failure.read_text(encoding='utf-8')}")
    return folder / "dist" / "explorer"


def run_frozen(
    executable: Path, *args: str, home: Path, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    """Run a bundled program offscreen, with nothing of this Python's environment to lean on.

    `extra_env` adds variables; an empty value removes one (QT_QPA_PLATFORM="" to use a display).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["EXPLORER_CONFIG_DIR"] = str(home / "config")
    env["EXPLORER_SMOKE_TRACEBACK"] = "1"  # on failure, the traceback goes to stderr
    env.update(extra_env)
    env = {k: v for k, v in env.items() if v}
    return subprocess.run(
        [str(executable), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.mark.frozen
@pytest.mark.xdist_group("frozen")
@pytest.mark.timeout(1200)  # the build takes a few minutes on two busy cores
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="CI builds the Linux bundle")
class TestFrozenBundle:
    def test_frozen_smoke_passes_offscreen(self, bundle: Path, tmp_path: Path) -> None:
        timings = []
        for _run in range(2):  # the first start after the build, then a warm one
            started = time.perf_counter()
            result = run_frozen(bundle / "explorer", "--smoke", home=tmp_path)
            timings.append(time.perf_counter() - started)
            assert result.returncode == 0, result.stdout + result.stderr
            assert result.stdout.startswith("smoke ok (frozen): Qt "), result.stdout
            assert " on offscreen, resources 3 catalogs" in result.stdout
            assert re.search(r"sandbox 200 of \d+ rows via cursor", result.stdout), result.stdout
            assert "table 200x" in result.stdout
            assert re.search(r"chart \d+ bars", result.stdout), result.stdout  # Qt Charts loads
        sys.stderr.write(f"\nfrozen --smoke: {timings[0]:.2f} s first, {timings[1]:.2f} s warm\n")
        assert not (tmp_path / "config").exists()

    @pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb (apt install xvfb)")
    def test_frozen_smoke_on_an_x11_display(self, bundle: Path, tmp_path: Path) -> None:
        """The xcb platform plugin and the libraries it needs are in the bundle and load."""
        with subprocess.Popen(
            ["Xvfb", "-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        ) as server:
            try:
                assert server.stdout is not None
                display = server.stdout.readline().strip()
                result = run_frozen(
                    bundle / "explorer",
                    "--smoke",
                    home=tmp_path,
                    DISPLAY=f":{display}",
                    QT_QPA_PLATFORM="",
                )
            finally:
                server.terminate()
                server.wait(timeout=30)

        assert result.returncode == 0, result.stdout + result.stderr
        assert " on xcb, " in result.stdout, result.stdout

    def test_frozen_app_carries_the_linux_keychain_backend(
        self, bundle: Path, tmp_path: Path
    ) -> None:
        # Named explicitly, keyring imports the backend whether or not a Secret Service runs here:
        # either it is used ("system keychain (SecretService ...)") or its start-up error is shown.
        result = run_frozen(
            bundle / "explorer",
            "--smoke",
            home=tmp_path,
            PYTHON_KEYRING_BACKEND="keyring.backends.SecretService.Keyring",
        )

        assert result.returncode == 0, result.stdout + result.stderr
        keyring_part = re.search(r"keyring ([^,]*)", result.stdout)
        assert keyring_part, result.stdout
        assert "SecretService" in keyring_part.group(1)
        assert "No module named" not in result.stdout

    def test_frozen_app_serves_the_demo_sandbox_as_its_own_child(self, bundle: Path) -> None:
        # `explorer --demo` in a bundle starts its sandbox as `explorer --sandbox-server`.
        with subprocess.Popen(
            [str(bundle / "explorer"), "--sandbox-server", "--json", "--port", "0"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        ) as child:
            assert child.stdin is not None
            assert child.stdout is not None
            try:
                announcement = json.loads(child.stdout.readline())
                response = httpx.get(
                    f"{announcement['url']}/core/v1/clients",
                    params={"page_size": "5"},
                    headers={"x-api-key": announcement["api_key"]},
                    timeout=30,
                )
            finally:
                child.stdin.close()  # the child stops when its parent's pipe closes
                child.wait(timeout=30)

        assert response.status_code == 200
        assert len(response.json()["data"]) == 5
        assert child.returncode == 0

    def test_frozen_command_line_finds_its_commands(self, bundle: Path, tmp_path: Path) -> None:
        version = run_frozen(bundle / "explorer-cli", "--version", home=tmp_path)

        assert version.returncode == 0, version.stdout + version.stderr
        assert version.stdout.strip() == f"explorer {__version__}"

    def test_bundle_holds_the_resources_and_nothing_for_tests(self, bundle: Path) -> None:
        inside = bundle / "_internal"
        resources = inside / "explorer" / "resources"
        files = [p.relative_to(inside) for p in inside.rglob("*")]
        names = {part for path in files for part in path.parts}

        for catalog in ("scalepad", "scout", "sandbox"):
            assert (resources / "catalogs" / f"{catalog}.json").is_file(), catalog
        for size in PNG_SIZES:
            assert (resources / "icons" / "png" / f"explorer-{size}.png").is_file()
        for name in TOOLBAR:
            assert (resources / "icons" / "toolbar" / f"{name}.svg").is_file()
        assert (resources / "explorer.desktop").is_file()
        assert not names & {"tests", "pytest", "_pytest", "pytestqt", "hypothesis", "translations"}
        assert not [p for p in files if p.name.startswith("test_") and p.suffix == ".py"]
        assert not [p for p in files if build_app.is_pruned(str(p))]
        assert build_app.folder_size(bundle) / 1e6 < MAX_BUNDLE_MB


def test_the_version_is_the_last_release_the_changelog_names() -> None:
    """`explorer --version`, the bundle and the Windows resource say what CHANGELOG.md released."""
    import re

    changelog = (Path(__file__).parents[1] / "CHANGELOG.md").read_text(encoding="utf-8")
    released = re.findall(r"^## \[(\d+\.\d+\.\d+)\]", changelog, flags=re.MULTILINE)
    assert released, "CHANGELOG.md names no release"
    assert __version__ == released[0]
