"""The xdist scheduler of tests/conftest.py keeps a test class on one worker (the frozen tests)."""

from __future__ import annotations

from tests.conftest import work_unit


def test_the_tests_of_a_class_are_one_unit() -> None:
    first = "tests/test_packaging.py::TestFrozenBundle::test_frozen_smoke_passes_offscreen"
    second = (
        "tests/test_packaging.py::TestFrozenBundle::test_frozen_command_line_finds_its_commands"
    )

    assert work_unit(first) == work_unit(second) == "tests/test_packaging.py::TestFrozenBundle"


def test_other_tests_are_balanced_one_by_one() -> None:
    assert work_unit("tests/test_cli.py::test_x") == "tests/test_cli.py::test_x"
    # A parameter may hold "::"; it is not a class.
    assert work_unit("tests/test_cli.py::test_x[a::b]") == "tests/test_cli.py::test_x[a::b]"
    assert work_unit("tests/test_cli.py::test_x[1]") != work_unit("tests/test_cli.py::test_x[2]")
