"""Saved queries: a small, readable JSON file a colleague can open, diff and load.

```json
{
  "format": "explorer-saved-query",
  "version": 1,
  "profile": "ScalePad",
  "endpoint": "GET /core/v1/assets/hardware",
  "path_params": {},
  "filters": [{"field": "client.name", "op": "cont", "values": ["Space Sprockets, Inc."]}],
  "sorts": ["-record_updated_at"],
  "columns": ["name", "client.name"],
  "page_size": 200,
  "params": {}
}
```
Parameters whose names look like credentials (`api_key`, `token`, `subscription-key`, ...) are
never written. Reading and writing are plain file I/O: call them through `asyncio.to_thread` (or
the `*_async` helpers) from the event loop.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from explorer.core.catalog import Catalog, Endpoint, Operator
from explorer.core.errors import QueryError
from explorer.core.query import FilterCondition, Query, SortKey, parse_sort_spec

FORMAT = "explorer-saved-query"
VERSION = 1
SUFFIX = ".query.json"

_SECRET_NAME = re.compile(
    r"(api[_-]?key|apikey|subscription[_-]?key|access[_-]?token|refresh[_-]?token|token|password|passwd|secret|signature|sig)$",
    re.IGNORECASE,
)


class SavedQueryError(QueryError):
    default_explanation = (
        "The saved query file could not be read; check that it is a query saved by explorer."
    )


@dataclass(frozen=True)
class SavedQuery:
    profile: str
    query: Query
    name: str = ""

    def endpoint_in(self, catalog: Catalog) -> Endpoint:
        """The endpoint this query is for, or a clear error when the catalog lacks it."""
        endpoint = catalog.find(self.query.endpoint_id)
        if endpoint is None:
            raise SavedQueryError(
                f"The saved query is for {self.query.endpoint_id}, which {catalog.name!r} does not have",
                explanation=(
                    f"The saved query is for {self.query.endpoint_id}, which is not in the catalog "
                    f"{catalog.name!r}; open it with the profile it was saved from ({self.profile or 'unknown'})."
                ),
            )
        return endpoint


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name.strip()))


def to_dict(saved: SavedQuery) -> dict[str, Any]:
    query = saved.query
    out: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    if saved.name:
        out["name"] = saved.name
    out.update(
        {
            "profile": saved.profile,
            "endpoint": query.endpoint_id,
            "path_params": dict(query.path_params),
            "filters": [
                {"field": f.field, "op": f.op.value, "values": list(f.values)}
                for f in query.filters
            ],
            "sorts": [s.spec() for s in query.sorts],
            "columns": list(query.columns),
            "page_size": query.page_size,
            "params": {k: v for k, v in query.params.items() if not is_secret_name(k)},
        }
    )
    return out


def to_json(saved: SavedQuery) -> str:
    return json.dumps(to_dict(saved), indent=2, ensure_ascii=False) + "\n"


def _fail(where: str, problem: str) -> SavedQueryError:
    return SavedQueryError(
        f"{where}: {problem}",
        explanation=f"The saved query {where} cannot be used: {problem}. Save the query again or fix the file.",
    )


def _strings(value: Any, key: str, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise _fail(where, f"'{key}' must be an object of names to values")
    return {k: "" if v is None else str(v) for k, v in value.items()}


def from_dict(raw: Any, *, where: str = "the file") -> SavedQuery:
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise _fail(where, "it is not a saved query (its 'format' is not \"explorer-saved-query\")")
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise _fail(where, "its 'version' is missing or not a number")
    if version > VERSION:
        raise _fail(
            where, f"it was saved by a newer explorer (format version {version}); update explorer"
        )
    endpoint = raw.get("endpoint")
    if not isinstance(endpoint, str) or not re.fullmatch(r"[A-Za-z]+ /\S*", endpoint.strip()):
        raise _fail(where, "'endpoint' must look like \"GET /core/v1/clients\"")
    method, _, path = endpoint.strip().partition(" ")
    filters = []
    for index, item in enumerate(raw.get("filters") or []):
        if not isinstance(item, dict) or not isinstance(item.get("field"), str):
            raise _fail(where, f"filter {index + 1} needs a 'field'")
        op = str(item.get("op", "eq")).lower()
        if op not in Operator._value2member_map_:
            raise _fail(where, f"filter {index + 1} has the unknown operator {op!r}")
        values = item.get("values", [])
        if isinstance(values, str) or not isinstance(values, list):
            raise _fail(where, f"filter {index + 1}: 'values' must be a list")
        filters.append(FilterCondition(item["field"], Operator(op), tuple(str(v) for v in values)))
    sorts_raw = raw.get("sorts") or []
    if not isinstance(sorts_raw, list) or not all(isinstance(s, str) for s in sorts_raw):
        raise _fail(where, '\'sorts\' must be a list like ["name", "-record_updated_at"]')
    try:
        sorts: tuple[SortKey, ...] = parse_sort_spec(",".join(sorts_raw))
    except QueryError as exc:
        raise _fail(where, exc.explanation.rstrip(".")) from exc
    columns = raw.get("columns") or []
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise _fail(where, "'columns' must be a list of field names")
    page_size = raw.get("page_size")
    if page_size is not None and (
        not isinstance(page_size, int) or isinstance(page_size, bool) or page_size < 1
    ):
        raise _fail(where, "'page_size' must be a whole number of at least 1")
    profile = raw.get("profile", "")
    if not isinstance(profile, str):
        raise _fail(where, "'profile' must be text")
    query = Query(
        endpoint_id=f"{method.upper()} {path}",
        path_params=_strings(raw.get("path_params"), "path_params", where),
        filters=tuple(filters),
        sorts=sorts,
        page_size=page_size,
        params={
            k: v
            for k, v in _strings(raw.get("params"), "params", where).items()
            if not is_secret_name(k)
        },
        columns=tuple(columns),
    )
    name = raw.get("name", "")
    return SavedQuery(profile=profile, query=query, name=name if isinstance(name, str) else "")


def from_json(text: str, *, where: str = "the file") -> SavedQuery:
    try:
        raw = json.loads(text)
    except ValueError as exc:
        problem = (
            f"it is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
            if isinstance(exc, json.JSONDecodeError)
            else "it is not valid JSON"
        )
        raise _fail(where, problem) from exc
    return from_dict(raw, where=where)


def save_query(path: str | os.PathLike[str], saved: SavedQuery) -> Path:
    """Write atomically (a temporary file renamed over the target); returns the path written."""
    target = Path(path).expanduser()
    text = to_json(saved)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".query-", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise SavedQueryError(
            f"Could not save the query to {target}: {exc.strerror or exc}",
            explanation=f"The query could not be saved to {target} ({exc.strerror or exc}); choose another folder.",
        ) from exc
    return target


def load_query(path: str | os.PathLike[str]) -> SavedQuery:
    source = Path(path).expanduser()
    try:
        data = source.read_bytes()
    except FileNotFoundError as exc:
        raise SavedQueryError(
            f"{source} does not exist", explanation=f"The file {source} was not found."
        ) from exc
    except OSError as exc:
        raise SavedQueryError(
            f"Could not read {source}: {exc.strerror or exc}",
            explanation=f"The file {source} could not be read ({exc.strerror or exc}).",
        ) from exc
    if len(data) > 1_000_000:
        raise _fail(str(source), "it is far larger than a saved query can be")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(str(source), "it is not UTF-8 text") from exc
    return from_json(text, where=str(source))


async def save_query_async(path: str | os.PathLike[str], saved: SavedQuery) -> Path:
    return await asyncio.to_thread(save_query, path, saved)


async def load_query_async(path: str | os.PathLike[str]) -> SavedQuery:
    return await asyncio.to_thread(load_query, path)
