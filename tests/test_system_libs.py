"""The check behind `make run`: which system libraries Qt's platform plugins lack, and their packages."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from explorer import system_libs

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")

QT = system_libs.qt_folder()


def _every_platform_file() -> list[Path]:
    files = {f for name in system_libs.PLATFORM_FILES for f in system_libs.platform_files(name)}
    return sorted(files)


def test_platform_files_are_found_in_the_installed_pyside6() -> None:
    names = {f.name for f in system_libs.platform_files("xcb")}
    assert {"libqxcb.so", "libQt6XcbQpa.so.6", "libQt6Gui.so.6", "libQt6Charts.so.6"} <= names


def test_elf_reader_lists_what_the_xcb_plugin_links() -> None:
    assert QT is not None
    needed = system_libs.needed_libraries(QT / "plugins/platforms/libqxcb.so")
    # The two a minimal Debian lacks, which Qt's own message never names.
    assert "libxcb-icccm.so.4" in needed
    assert "libxcb-keysyms.so.1" in needed
    assert "libc.so.6" in needed


@pytest.mark.skipif(shutil.which("objdump") is None, reason="binutils not installed")
def test_elf_reader_agrees_with_objdump() -> None:
    import subprocess

    for path in _every_platform_file():
        out = subprocess.run(["objdump", "-p", str(path)], capture_output=True, text=True).stdout
        expected = [
            line.split()[1] for line in out.splitlines() if line.strip().startswith("NEEDED")
        ]
        assert system_libs.needed_libraries(path) == expected, path.name


def test_table_names_a_package_for_every_system_library_qt_links() -> None:
    """A Qt release that links a new system library fails here until the table names its package."""
    assert QT is not None
    bundled = {p.name for p in (QT / "lib").iterdir()}
    unmapped = {}
    for path in _every_platform_file():
        for name in system_libs.needed_libraries(path):
            if name in bundled or name in system_libs.BASE_LIBRARIES:
                continue
            if name not in system_libs.DEBIAN_PACKAGES:
                unmapped[name] = path.name
    assert unmapped == {}


def test_real_linker_output_is_read(tmp_path: Path) -> None:
    """Copied away from its Qt folder, the plugin cannot find Qt's own libraries: ldd says so."""
    if shutil.which("ldd") is None:
        pytest.skip("no ldd")
    assert QT is not None
    lonely = tmp_path / "libqxcb.so"
    shutil.copy(QT / "plugins/platforms/libqxcb.so", lonely)
    missing = system_libs.missing_libraries([lonely])
    assert "libQt6XcbQpa.so.6" in missing
    assert "libc.so.6" not in missing


LDD_ON_A_MINIMAL_DEBIAN = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibfoo-unknown.so.3 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)
"""


def test_missing_libraries_map_to_their_debian_packages() -> None:
    missing = system_libs.missing_libraries([Path("x.so")], run=lambda _a: LDD_ON_A_MINIMAL_DEBIAN)
    assert missing == ["libfoo-unknown.so.3", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    packages, unknown = system_libs.packages_for(missing)
    assert packages == ["libxcb-icccm4", "libxcb-keysyms1"]
    assert unknown == ["libfoo-unknown.so.3"]


def test_check_says_what_to_install_when_it_cannot(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(system_libs, "missing_libraries", lambda files: ["libxcb-icccm.so.4"])
    monkeypatch.setattr(system_libs, "can_install", lambda: False)
    assert system_libs.main(["--platform", "xcb", "--install"]) == 1
    out = capsys.readouterr().out
    assert "libxcb-icccm.so.4" in out
    assert "sudo apt-get install -y libxcb-icccm4" in out


def test_check_installs_then_checks_again(monkeypatch: pytest.MonkeyPatch) -> None:
    installed: list[list[str]] = []
    state = {"missing": ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]}

    def fake_install(packages: list[str]) -> bool:
        installed.append(list(packages))
        state["missing"] = []
        return True

    monkeypatch.setattr(system_libs, "missing_libraries", lambda files: list(state["missing"]))
    monkeypatch.setattr(system_libs, "can_install", lambda: True)
    monkeypatch.setattr(system_libs, "_install", fake_install)
    assert system_libs.main(["--platform", "xcb", "--install"]) == 0
    assert installed == [["libxcb-icccm4", "libxcb-keysyms1"]]


def test_check_fails_when_installing_did_not_help(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(system_libs, "missing_libraries", lambda files: ["libxcb-icccm.so.4"])
    monkeypatch.setattr(system_libs, "can_install", lambda: True)
    monkeypatch.setattr(system_libs, "_install", lambda packages: False)
    assert system_libs.main(["--platform", "xcb", "--install"]) == 1
    assert "Still missing after installing: libxcb-icccm.so.4" in capsys.readouterr().out
