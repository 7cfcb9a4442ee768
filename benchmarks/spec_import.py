"""OpenAPI import of a large generated document (at least 10 MB): spec_import_ms.

The document looks like a big real API: many resources, each with a paged list, a get-by-id,
create, update and delete; query filters and sorts; component schemas with nested objects,
arrays, enums, `allOf` and `$ref`s to each other and to shared parameters and responses.
"""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Figure

TARGET_MS = 3000.0
MIN_BYTES = 10 * 1024 * 1024

_WORDS = [
    "asset",
    "client",
    "contract",
    "device",
    "warranty",
    "ticket",
    "invoice",
    "site",
    "member",
    "quote",
    "item",
    "category",
    "vendor",
    "serial",
    "model",
    "location",
    "status",
    "owner",
    "region",
    "lifecycle",
    "budget",
    "renewal",
    "seat",
    "license",
]
_ENUMS = ("ACTIVE", "INACTIVE", "PENDING", "ARCHIVED", "DELETED", "UNKNOWN")


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "."


def _nested_object(rng: random.Random, depth: int) -> dict[str, Any]:
    properties: dict[str, Any] = {
        f"{rng.choice(_WORDS)}_{n}": {
            "type": rng.choice(("string", "integer", "boolean")),
            "description": _text(rng, 8),
        }
        for n in range(6)
    }
    if depth > 0:
        properties["details"] = _nested_object(rng, depth - 1)
    return {"type": "object", "description": _text(rng, 10), "properties": properties}


def _schema(rng: random.Random, index: int, count: int) -> dict[str, Any]:
    other = f"Resource{(index * 7 + 3) % count}"
    properties: dict[str, Any] = {
        "id": {"type": "string", "format": "uuid", "description": "Opaque identifier."},
        "name": {"type": "string", "maxLength": 200, "description": _text(rng, 12)},
        "status": {"type": "string", "enum": list(_ENUMS), "description": _text(rng, 6)},
        "record_created_at": {"type": "string", "format": "date-time"},
        "record_updated_at": {"type": "string", "format": "date-time"},
        "count": {"type": "integer", "format": "int64", "minimum": 0},
        "ratio": {"type": "number", "format": "double"},
        "client": {"$ref": "#/components/schemas/ClientRef"},
        "related": {"$ref": f"#/components/schemas/{other}Ref"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "lines": {"type": "array", "items": {"$ref": f"#/components/schemas/{other}Ref"}},
        "configuration": _nested_object(rng, 3),
    }
    for n in range(12):
        properties[f"{rng.choice(_WORDS)}_field_{n}"] = {
            "type": rng.choice(("string", "integer", "number", "boolean")),
            "nullable": rng.random() < 0.3,
            "description": _text(rng, 15),
        }
    return {
        "type": "object",
        "description": _text(rng, 40),
        "required": ["id", "name"],
        "properties": properties,
    }


def _list_operation(rng: random.Random, name: str, tag: str) -> dict[str, Any]:
    filters = [
        {
            "name": f"filter[{field}]",
            "in": "query",
            "required": False,
            "description": f"Filter by {field}: eq, in, lt, gt. " + _text(rng, 10),
            "schema": {"type": "string"},
        }
        for field in ("name", "status", "client.id", "record_updated_at", "configuration.owner")
    ]
    return {
        "tags": [tag],
        "operationId": f"list{name}",
        "summary": f"List {name}",
        "description": _text(rng, 60),
        "parameters": [
            {"$ref": "#/components/parameters/PageSize"},
            {"$ref": "#/components/parameters/Cursor"},
            {
                "name": "sort",
                "in": "query",
                "schema": {"type": "string", "enum": ["name", "-name", "record_updated_at"]},
            },
            *filters,
        ],
        "responses": {
            "200": {
                "description": "A page of records.",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "data": {
                                    "type": "array",
                                    "items": {"$ref": f"#/components/schemas/{name}"},
                                },
                                "total_count": {"type": "integer"},
                                "next_cursor": {"type": "string", "nullable": True},
                            },
                        }
                    }
                },
            },
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "429": {"$ref": "#/components/responses/TooManyRequests"},
        },
    }


def _record_operation(rng: random.Random, name: str, tag: str, verb: str) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "tags": [tag],
        "operationId": f"{verb}{name}",
        "summary": f"{verb.capitalize()} one {name}",
        "description": _text(rng, 30),
        "responses": {
            "200": {
                "description": "The record.",
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                },
            },
            "404": {"$ref": "#/components/responses/NotFound"},
        },
    }
    if verb in ("create", "update"):
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
        }
    return operation


def generate_openapi(min_bytes: int = MIN_BYTES, seed: int = 1) -> dict[str, Any]:
    """An OpenAPI 3.0 document whose JSON text is at least `min_bytes` long."""
    rng = random.Random(seed)
    document: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "Generated benchmark API", "version": "1.0.0"},
        "servers": [{"url": "https://api.example.com"}],
        "security": [{"ApiKey": []}],
        "paths": {},
        "components": {
            "securitySchemes": {"ApiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"}},
            "parameters": {
                "PageSize": {
                    "name": "page_size",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 25},
                },
                "Cursor": {"name": "cursor", "in": "query", "schema": {"type": "string"}},
            },
            "responses": {
                name: {
                    "description": name,
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                }
                for name in ("Unauthorized", "NotFound", "TooManyRequests")
            },
            "schemas": {
                "ClientRef": {
                    "type": "object",
                    "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
                },
            },
        },
    }
    paths, schemas = document["paths"], document["components"]["schemas"]
    # A batch of resources at a time until the text is large enough; sizes are measured on the
    # real serialisation, so the document is exactly as large as claimed.
    count, batch = 0, 200
    while True:
        for index in range(count, count + batch):
            name, tag = f"Resource{index}", f"Group{index // 25}"
            base = f"/api/v1/group{index // 25}/resource{index}"
            schemas[name] = _schema(rng, index, count + batch)
            schemas[f"{name}Ref"] = {
                "allOf": [{"$ref": "#/components/schemas/ClientRef"}],
                "description": f"A reference to a {name}.",
            }
            paths[base] = {
                "get": _list_operation(rng, name, tag),
                "post": _record_operation(rng, name, tag, "create"),
            }
            paths[base + "/{id}"] = {
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "get": _record_operation(rng, name, tag, "get"),
                "put": _record_operation(rng, name, tag, "update"),
                "delete": _record_operation(rng, name, tag, "delete"),
            }
        count += batch
        if len(json.dumps(document)) >= min_bytes:
            return document


def write_document(folder: Path, min_bytes: int = MIN_BYTES) -> Path:
    path = folder / "generated-openapi.json"
    path.write_text(json.dumps(generate_openapi(min_bytes), indent=1), encoding="utf-8")
    return path


def time_import(path: Path, repeats: int) -> tuple[list[float], Any]:
    """Milliseconds of each `import_openapi` call on the file (reading and parsing included)."""
    from explorer.core.openapi import import_openapi

    timings, catalog = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        catalog = import_openapi(str(path))
        timings.append((time.perf_counter() - started) * 1000)
    return timings, catalog


def run(min_bytes: int = MIN_BYTES, repeats: int = 3) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="explorer-bench-spec-") as folder:
        path = write_document(Path(folder), min_bytes)
        size_mb = path.stat().st_size / 1024 / 1024
        timings, catalog = time_import(path, repeats)
    endpoints = sum(1 for _ in catalog.endpoints())
    return [
        Figure("spec_import_ms", statistics.median(timings), TARGET_MS, unit="ms"),
        Figure("spec_import_size_mb", size_mb, unit="MB", headline=False),
        Figure("spec_import_endpoints", endpoints, headline=False),
    ]
