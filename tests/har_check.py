"""Checks for a HAR file: the HAR 1.2 schema, the rules a schema cannot say, and no secret in it.

`tests/data/har-1.2.schema.json` is written from the HAR 1.2 specification (required fields,
types, only the fields the specification names plus `_custom` ones) and validated with the
`jsonschema` package. `check_har` adds what JSON Schema cannot express: each entry's `time` is
the sum of its timings (leaving out -1).

`secret_forms` lists the ways a secret could be written into the file, encoded independently of
the masking code under test (so a gap in the masking cannot hide itself here).
"""

from __future__ import annotations

import base64
import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import jsonschema

SCHEMA_PATH = Path(__file__).parent / "data" / "har-1.2.schema.json"
OPTIONAL_TIMINGS = ("blocked", "dns", "connect")  # ssl is counted inside connect


@cache
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def check_har(path: Path) -> dict[str, Any]:
    """The HAR document at `path`, after failing the test if it breaks HAR 1.2."""
    raw = path.read_bytes()
    document = json.loads(raw.decode("utf-8"))  # the format requires UTF-8
    errors = sorted(validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:10]
    )
    for entry in document["log"]["entries"]:
        timings = entry["timings"]
        parts = [timings["send"], timings["wait"], timings["receive"]]
        parts += [timings[k] for k in OPTIONAL_TIMINGS if timings.get(k, -1) != -1]
        assert abs(entry["time"] - sum(parts)) < 0.01, entry["timings"]
    return document


def secret_forms(*secrets: str, username: str | None = None) -> list[str]:
    """Each secret as written, percent-encoded, JSON-escaped, in base64 (standard and URL-safe,
    with and without padding), and `username:secret` in base64 as HTTP basic sends it."""
    forms: set[str] = set()
    for secret in secrets:
        blobs = [secret.encode()]
        if username:
            blobs.append(f"{username}:{secret}".encode())
        forms.update({secret, quote(secret, safe=""), quote_plus(secret)})
        forms.add(json.dumps(secret)[1:-1])
        for blob in blobs:
            for encoded in (base64.b64encode(blob), base64.urlsafe_b64encode(blob)):
                text = encoded.decode()
                forms.update({text, text.rstrip("=")})
    return sorted(forms)


def assert_no_secret(text: str, *secrets: str, username: str | None = None) -> None:
    for form in secret_forms(*secrets, username=username):
        assert form not in text, f"a secret is in the file as {form!r}"
