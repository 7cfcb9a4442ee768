"""Saved queries: readable JSON, a faithful round trip, no secrets, clear errors on bad files."""

from __future__ import annotations

import asyncio
import json

import pytest

from explorer.core.catalog import Operator
from explorer.core.catalogs import load_bundled
from explorer.core.query import FilterCondition, Query, SortKey
from explorer.core.savedquery import (
    SavedQuery,
    SavedQueryError,
    from_dict,
    load_query,
    load_query_async,
    save_query,
    save_query_async,
    to_dict,
)

QUERY = Query(
    endpoint_id="GET /core/v1/assets/hardware",
    filters=(
        FilterCondition("client.name", Operator.CONT, ('Space "Sprockets", Inc.',)),
        FilterCondition("type", Operator.IN, ("SERVER", "VIRTUAL")),
    ),
    sorts=(SortKey("record_updated_at", True), SortKey("name")),
    page_size=200,
    params={"include": "all"},
    columns=("name", "client.name", "configuration.ram_bytes"),
)


def test_round_trip_keeps_everything(tmp_path):
    saved = SavedQuery("ScalePad", QUERY, name="Servers of Space Sprockets")

    path = save_query(tmp_path / "servers.query.json", saved)

    assert load_query(path) == saved


def test_file_is_small_readable_json(tmp_path):
    path = save_query(tmp_path / "q.json", SavedQuery("ScalePad", QUERY))
    text = path.read_text(encoding="utf-8")
    raw = json.loads(text)

    assert text.count("\n") > 10  # indented, one item per line
    assert raw["format"] == "explorer-saved-query"
    assert raw["version"] == 1
    assert raw["endpoint"] == "GET /core/v1/assets/hardware"
    assert raw["sorts"] == ["-record_updated_at", "name"]
    assert raw["filters"][1] == {"field": "type", "op": "in", "values": ["SERVER", "VIRTUAL"]}


def test_path_params_survive_and_the_endpoint_is_found():
    query = Query("GET /v1/WorkOrders/{id}", path_params={"id": "1042"})
    saved = SavedQuery("Scout", query)

    loaded = from_dict(json.loads(json.dumps(to_dict(saved))))

    assert loaded == saved
    assert loaded.endpoint_in(load_bundled("scout")).path == "/v1/WorkOrders/{id}"


def test_endpoint_missing_from_the_catalog_is_explained():
    saved = SavedQuery("Scout", Query("GET /v1/Nothing"))
    with pytest.raises(SavedQueryError) as info:
        saved.endpoint_in(load_bundled("scout"))
    assert "GET /v1/Nothing" in info.value.explanation
    assert "Scout" in info.value.explanation


def test_credentials_in_params_are_never_written(tmp_path):
    query = Query(
        "GET /v1/Units", params={"subscription-key": "s3cr3t", "api_key": "k", "stationID": "2"}
    )
    path = save_query(tmp_path / "q.json", SavedQuery("Scout", query))

    text = path.read_text(encoding="utf-8")

    assert "s3cr3t" not in text
    assert '"k"' not in text
    assert load_query(path).query.params == {"stationID": "2"}


def test_async_helpers(tmp_path):
    saved = SavedQuery("ScalePad", QUERY)

    async def go():
        path = await save_query_async(tmp_path / "a" / "b.query.json", saved)
        return await load_query_async(path)

    assert asyncio.run(go()) == saved


def _good() -> dict:
    return to_dict(SavedQuery("ScalePad", QUERY))


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "not a saved query"),
        (json.dumps({"format": "something-else"}), "not a saved query"),
        (json.dumps(_good() | {"version": 99}), "newer explorer"),
        (json.dumps(_good() | {"version": "one"}), "'version'"),
        (json.dumps(_good() | {"endpoint": "clients"}), "'endpoint' must look like"),
        (json.dumps(_good() | {"filters": [{"op": "eq"}]}), "filter 1 needs a 'field'"),
        (
            json.dumps(_good() | {"filters": [{"field": "a", "op": "like", "values": []}]}),
            "unknown operator 'like'",
        ),
        (
            json.dumps(_good() | {"filters": [{"field": "a", "op": "eq", "values": "x"}]}),
            "'values' must be a list",
        ),
        (json.dumps(_good() | {"sorts": "name"}), "'sorts' must be a list"),
        (json.dumps(_good() | {"sorts": ["a b"]}), "sort"),
        (json.dumps(_good() | {"columns": [1, 2]}), "'columns'"),
        (json.dumps(_good() | {"page_size": 0}), "'page_size'"),
        (json.dumps(_good() | {"params": ["a"]}), "'params'"),
    ],
)
def test_bad_files_get_clear_errors(tmp_path, content, words):
    path = tmp_path / "bad.query.json"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(SavedQueryError) as info:
        load_query(path)

    assert words in info.value.explanation
    assert str(path) in info.value.explanation


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(SavedQueryError) as info:
        load_query(tmp_path / "none.json")
    assert "was not found" in info.value.explanation
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\xfa")
    with pytest.raises(SavedQueryError) as info:
        load_query(binary)
    assert "UTF-8" in info.value.explanation


def test_unwritable_target_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(SavedQueryError) as info:
        save_query(blocker / "q.json", SavedQuery("ScalePad", QUERY))
    assert "could not be saved" in info.value.explanation
