"""`explorer-cli export` on paths no catalog lists, --paging, --max-pages, the filter grammar and
repeated parameters, against loopback servers that page like real APIs."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from explorer.cli import EXIT_FAILED, EXIT_USAGE
from explorer.core.catalog import Endpoint, FieldType, FilterField, Operator, PaginationKind
from explorer.core.query import Query, build_params, parse_cli_filter, validate
from tests.paging_servers import apis
from tests.paging_servers.server import Reply, Request, serve
from tests.test_cli import cli_env, run_cli  # noqa: F401 (cli_env is a fixture)

STYLES = Path(__file__).parent / "data" / "openapi" / "styles"


pytestmark = pytest.mark.usefixtures("cli_env")


def export(
    capsys: pytest.CaptureFixture[str], base: str, path: str, out: Path, *extra: str
) -> tuple[int, str]:
    """`explorer-cli export PATH --out OUT --base-url BASE EXTRA...`: (status, stderr)."""
    status, _, stderr = run_cli(
        capsys, "export", path, "--out", str(out), "--base-url", base, *extra
    )
    return status, stderr


def read_ids(path: Path, column: str = "id") -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return [row[column] for row in csv.DictReader(handle)]


def test_export_of_a_path_no_catalog_lists_detects_its_paging(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app, expected = apis.make_github()
    out = tmp_path / "issues.csv"
    with serve(app) as server:
        status, stderr = export(capsys, server.base, "/repos/octo/hello/issues", out)
    assert status == 0, stderr
    assert "not in the catalog" in stderr
    assert read_ids(out) == expected  # GitHub's default 30 a page, followed by its Link header
    assert len(server.requests) == 12


def test_paging_override_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app, expected = apis.make_stripe()
    out = tmp_path / "customers.csv"
    with serve(app) as server:
        status, stderr = export(
            capsys,
            server.base,
            "/v1/customers",
            out,
            "--paging",
            "last-id:param=starting_after,size=limit,max=100",
        )
    assert status == 0, stderr
    assert read_ids(out) == expected
    # the profile's 200 a page, within Stripe's maximum of 100
    assert [r.arg("limit") for r in server.requests] == ["100", "100", "100"]
    assert [r.arg("starting_after") for r in server.requests] == [None, "cus_00099", "cus_00199"]


def test_a_server_that_always_says_has_more_fails_loudly_and_keeps_the_partial_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def app(request: Request) -> Reply:
        return 200, {"object": "list", "has_more": True, "data": [{"id": "cus_example"}]}, {}

    out = tmp_path / "customers.csv"
    with serve(app) as server:
        status, stderr = export(capsys, server.base, "/v1/customers", out)
    assert status == EXIT_FAILED
    assert "to avoid looping" in stderr
    assert "--resume" in stderr
    assert not out.exists()
    assert out.with_name(out.name + ".partial").exists()
    assert len(server.requests) == 2


def test_the_page_cap_can_be_set_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def app(request: Request) -> Reply:
        page = int(request.arg("page") or 1)
        return 200, {"data": [{"id": f"{page}-{i}"} for i in range(3)], "has_more": True}, {}

    out = tmp_path / "forever.csv"
    with serve(app) as server:
        status, stderr = export(
            capsys,
            server.base,
            "/forever",
            out,
            "--paging",
            "page",
            "--max-pages",
            "7",
        )
    assert status == EXIT_FAILED
    assert "still had more after 7 pages (21 records)" in stderr
    assert "--max-pages" in stderr
    assert len(server.requests) <= 7 + 4  # the pages, and at most the ones fetched ahead


def test_a_bad_paging_notation_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, stderr = export(
        capsys,
        "http://127.0.0.1:9",
        "/v1/customers",
        tmp_path / "x.csv",
        "--paging",
        "sideways",
    )
    assert status == EXIT_USAGE
    assert "sideways" in stderr
    assert "link-header" in stderr


def test_endpoints_show_the_paging_and_where_it_came_from(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, stdout, _ = run_cli(capsys, "endpoints", "--spec", "scalepad", "--details")
    assert status == 0
    hardware = next(line for line in stdout.splitlines() if " /core/v1/assets/hardware " in line)
    assert hardware.split()[2:5] == [
        "cursor",
        "cursor:param=cursor,next=next_cursor,size=page_size,max=200",
        "catalog",
    ]
    status, stdout, _ = run_cli(
        capsys, "endpoints", "--spec", str(STYLES / "github.yaml"), "--details"
    )
    assert status == 0
    issues = next(line for line in stdout.splitlines() if "/issues" in line)
    assert issues.split()[2:5] == ["link-header", "link-header:size=per_page,max=100", "document"]


def test_a_repeated_param_sends_every_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def app(request: Request) -> Reply:
        return 200, [{"id": 1}], {}

    with serve(app) as server:
        status, stderr = export(
            capsys,
            server.base,
            "/pets/findByTags",
            tmp_path / "pets.csv",
            "--param",
            "tags=dog",
            "--param",
            "tags=cat",
            "--filter",
            "name=cont:Sprockets, Inc.",
        )
    assert status == 0, stderr
    assert server.requests[0].query["tags"] == ["dog", "cat"]
    # a path no catalog describes takes any filter, quoted as the grammar needs
    assert server.requests[0].query["filter[name]"] == ['cont:"Sprockets, Inc."']


CONTACTS = Endpoint(
    "GET",
    "/core/v1/contacts",
    pagination=PaginationKind.CURSOR,
    filters=(
        FilterField("client.name", FieldType.STRING, (Operator.EQ, Operator.IN, Operator.CONT)),
    ),
)


def test_every_operator_but_in_takes_one_literal_value() -> None:
    condition = parse_cli_filter("client.name=cont:Sprockets, Inc.")
    assert condition.values == ("Sprockets, Inc.",)
    query = Query(CONTACTS.id, filters=(condition,))
    assert validate(query, CONTACTS) == []
    assert build_params(query, CONTACTS) == [("filter[client.name]", 'cont:"Sprockets, Inc."')]
    assert parse_cli_filter('client.name=eq:say "hi"').values == ('say "hi"',)


def test_in_takes_a_comma_list_with_quoted_items() -> None:
    condition = parse_cli_filter('client.name=in:Acme,"Sprockets, Inc."')
    assert condition.values == ("Acme", "Sprockets, Inc.")
    query = Query(CONTACTS.id, filters=(condition,))
    assert build_params(query, CONTACTS) == [("filter[client.name]", 'in:Acme,"Sprockets, Inc."')]
