"""The layer contracts in pyproject.toml ([tool.importlinter]) hold, and each one can still fail.

`make test` runs `lint-imports` on the tree. A contract that names a module which no longer
exists, or an option that quietly stopped applying, would pass for ever, so these tests copy the
package, add one forbidden import per contract, and check that exactly that contract reports it.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import httpx
import pytest

from explorer.sandbox import SandboxHandle
from tests.without_qt import BLOCKED, cli_without_qt, python_without_qt

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "pyproject.toml"

# Per contract id: a module to add to the copied package and its body, a forbidden import.
PROBES = {
    "core-without-front-ends": ("explorer/core/_probe_qt.py", "import PySide6.QtCore\n"),
    "ui-through-core": ("explorer/ui/_probe_http.py", "import httpx\n"),
    "sandbox-standalone": ("explorer/sandbox/_probe_core.py", "from explorer.core import errors\n"),
    # Indirect: explorer.smoke imports Qt, so importing it from the CLI side breaks the contract.
    "cli-without-qt": ("explorer/exporting/_probe_smoke.py", "import explorer.smoke\n"),
    "window-layers": ("explorer/ui/_probe_app.py", "from explorer import app\n"),
    "export-layers": ("explorer/exporting/_probe_entry.py", "import explorer.cli\n"),
}


def contract_names() -> dict[str, str]:
    """Contract id -> its name, as pyproject.toml declares them."""
    settings = tomllib.loads(CONFIG.read_text(encoding="utf-8"))["tool"]["importlinter"]
    return {contract["id"]: contract["name"] for contract in settings["contracts"]}


def lint_imports(package_root: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` with the project's contracts over the `explorer` package in package_root."""
    executable = Path(sys.executable).with_name("lint-imports")
    # A wide console keeps each contract name on one line of the report.
    env = {**os.environ, "PYTHONPATH": str(package_root), "COLUMNS": "200"}
    return subprocess.run(
        [str(executable), "--no-logo", "--no-cache", str(CONFIG)],
        cwd=package_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def broken_sections(report: str) -> dict[str, str]:
    """Contract name -> its part of the report's "Broken contracts" list."""
    _summary, _, broken = report.partition("Broken contracts\n----------------\n")
    names = contract_names().values()
    starts = sorted((broken.find(f"\n{name}\n"), name) for name in names if f"\n{name}\n" in broken)
    ends = [start for start, _name in starts[1:]] + [len(broken)]
    return {name: broken[start:end] for (start, name), end in zip(starts, ends, strict=True)}


@pytest.fixture(scope="module")
def probed_report(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The report on a copy of the package with every probe added."""
    root = tmp_path_factory.mktemp("boundaries")
    shutil.copytree(
        ROOT / "explorer", root / "explorer", ignore=shutil.ignore_patterns("__pycache__")
    )
    for relative, body in PROBES.values():
        (root / relative).write_text(f'"""A forbidden import."""\n\n{body}', encoding="utf-8")
    result = lint_imports(root)
    assert result.returncode == 1, result.stdout + result.stderr
    return result.stdout


def test_every_contract_has_a_probe() -> None:
    assert sorted(contract_names()) == sorted(PROBES)


def test_the_tree_keeps_every_contract() -> None:
    result = lint_imports(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(PROBES)} kept, 0 broken." in result.stdout, result.stdout


def test_every_contract_breaks_on_the_probed_tree(probed_report: str) -> None:
    assert f"Contracts: 0 kept, {len(PROBES)} broken." in probed_report, probed_report


@pytest.mark.parametrize("contract", sorted(PROBES))
def test_a_forbidden_import_breaks_its_contract(contract: str, probed_report: str) -> None:
    relative, _body = PROBES[contract]
    probe = relative.removesuffix(".py").replace("/", ".")

    section = broken_sections(probed_report)[contract_names()[contract]]

    # The copy was analysed (not the installed tree) and the contract names its own probe.
    assert re.search(rf"^-\s+{re.escape(probe)} -> ", section, re.MULTILINE), probed_report


# ------------------------------------------------------------------ the command line without Qt

HARDWARE = "/core/v1/assets/hardware"


@pytest.fixture
def headless_env(tmp_path: Path) -> dict[str, str]:
    """A child's environment: its own config folder, keyring's "no backend", no credentials.

    (An empty value removes the variable.)
    """
    return {
        "EXPLORER_CONFIG_DIR": str(tmp_path / "config"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "EXPLORER_API_KEY": "",
        "EXPLORER_USERNAME": "",
        "EXPLORER_PASSWORD": "",
    }


def test_qt_is_really_blocked_in_the_child(tmp_path: Path) -> None:
    result = python_without_qt("import explorer.ui.theme\n", cwd=tmp_path)

    assert result.returncode != 0
    assert f"{BLOCKED}PySide6" in result.stderr
    assert "ModuleNotFoundError: No module named 'PySide6" in result.stderr


def test_export_help_needs_no_qt(tmp_path: Path, headless_env: dict[str, str]) -> None:
    result = cli_without_qt("export", "--help", cwd=tmp_path, env=headless_env)

    assert result.returncode == 0, result.stderr
    assert "--out" in result.stdout
    assert BLOCKED not in result.stderr


def test_export_against_the_sandbox_needs_no_qt(
    sandbox: SandboxHandle, tmp_path: Path, headless_env: dict[str, str]
) -> None:
    out = tmp_path / "hardware.csv"
    env = {**headless_env, "EXPLORER_API_KEY": sandbox.api_key}

    result = cli_without_qt(
        "export", HARDWARE, "--out", str(out), "--base-url", sandbox.url, cwd=tmp_path, env=env
    )

    assert result.returncode == 0, result.stderr
    assert BLOCKED not in result.stderr
    total = httpx.get(
        sandbox.url + HARDWARE, params={"page_size": "1"}, headers={"x-api-key": sandbox.api_key}
    ).json()["total_count"]
    with out.open(encoding="utf-8", newline="") as handle:
        ids = [row["id"] for row in csv.DictReader(handle)]
    assert len(ids) == len(set(ids)) == total
