"""What an OpenAPI document says about authentication: securitySchemes and security requirements."""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer.core.catalog import Catalog
from explorer.core.openapi import import_openapi

DATA = Path(__file__).resolve().parents[1] / "data" / "openapi"
SHARED = Path("/work/shared/testdata/openapi")


@pytest.fixture(scope="module")
def multi() -> Catalog:
    return import_openapi(DATA / "multi-auth.yaml")


def test_every_declared_scheme_is_read_with_its_settings(multi: Catalog) -> None:
    by_name = {s.name: s for s in multi.security_schemes}
    assert (by_name["keyHeader"].kind, by_name["keyHeader"].location) == ("api_key", "header")
    assert by_name["keyHeader"].param_name == "X-Records-Key"
    assert (by_name["keyQuery"].location, by_name["keyQuery"].param_name) == ("query", "access_key")
    assert (by_name["keyCookie"].location, by_name["keyCookie"].param_name) == (
        "cookie",
        "session_key",
    )
    assert by_name["bearerAuth"].kind == "bearer"
    assert by_name["basicAuth"].kind == "basic"
    oauth = by_name["clientCredentials"]
    assert oauth.kind == "oauth2_client_credentials"
    assert oauth.token_url == "http://127.0.0.1:9/api/oauth/token"  # relative to the server
    assert oauth.scopes == ("records.read",)
    # what explorer cannot do itself is offered with a note saying what to do instead
    assert by_name["browserLogin"].kind == "bearer"
    assert "browser" in by_name["browserLogin"].note
    assert by_name["mtls"].kind == ""
    assert "cannot" in by_name["mtls"].note


def test_global_and_per_operation_requirements(multi: Catalog) -> None:
    assert multi.security[:2] == ("keyHeader", "keyQuery")
    assert multi.default_scheme() is not None
    assert multi.default_scheme().name == "keyHeader"  # type: ignore[union-attr]
    assert multi.auth_hint == "api_key"
    records = multi.find("GET /v1/records")
    status = multi.find("GET /v1/status")
    audit = multi.find("GET /v1/audit")
    assert records is not None
    assert status is not None
    assert audit is not None
    assert records.security is None
    assert multi.requirement(records) == multi.security
    assert status.security == ()
    assert audit.security == ("basicAuth",)
    # a profile made for the bearer scheme: only the basic-only operation is marked
    assert multi.requirement_differs(records, "bearerAuth") == ""
    assert multi.requirement_differs(status, "bearerAuth") == ""
    assert "basicAuth" in multi.requirement_differs(audit, "bearerAuth")
    assert multi.requirement_differs(audit, "basicAuth") == ""


def test_schemes_survive_the_catalog_json_form(multi: Catalog) -> None:
    again = Catalog.from_json(multi.to_json())
    assert again.security_schemes == multi.security_schemes
    assert again.security == multi.security
    assert again.find("GET /v1/audit").security == ("basicAuth",)  # type: ignore[union-attr]
    assert again.find("GET /v1/records").security is None  # type: ignore[union-attr]


def test_a_scheme_combination_must_all_be_present() -> None:
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "security": [{"app": [], "user": []}, {}],
        "components": {
            "securitySchemes": {
                "app": {"type": "apiKey", "in": "header", "name": "X-App"},
                "user": {"type": "http", "scheme": "bearer"},
            }
        },
        "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}},
    }
    import json

    catalog = import_openapi(json.dumps(doc).encode())
    assert catalog.security == ("app+user", "")
    endpoint = catalog.find("GET /a")
    assert endpoint is not None
    assert catalog.requirement_differs(endpoint, "other") == ""  # `{}`: no auth is also fine


@pytest.mark.parametrize(
    ("path", "kind", "scheme"),
    [
        (DATA / "scalepad-style.yaml", "api_key", "apiKey"),
        (DATA / "petstore.yaml", "none", None),
        (SHARED / "v3.1-non-oauth-scopes.json", "bearer", "bearerAuth"),
        (SHARED / "uspto.yaml", "none", None),
    ],
)
def test_bundled_examples_name_the_scheme_a_profile_should_take(
    path: Path, kind: str, scheme: str | None
) -> None:
    if not path.exists():
        pytest.skip(f"{path} is not on this machine")
    catalog = import_openapi(path)
    assert catalog.auth_hint == kind
    default = catalog.default_scheme()
    assert (default.name if default else None) == scheme


def test_a_pasted_url_never_keeps_a_query_string_key(multi: Catalog) -> None:
    from explorer.core.query import build_url, parse_url
    from explorer.core.savedquery import SavedQuery, to_json

    records = multi.find("GET /v1/records")
    assert records is not None
    assert records.credential_params == ("access_key",)
    query = parse_url(
        "http://127.0.0.1:9/api/v1/records?access_key=CANARY-key-77&page_size=10", multi
    )
    assert "access_key" not in query.params
    assert "CANARY" not in build_url("http://127.0.0.1:9/api", query, records)
    assert "CANARY" not in to_json(SavedQuery(query=query, profile="p"))
    again = Catalog.from_json(multi.to_json()).find("GET /v1/records")
    assert again is not None
    assert again.credential_params == ("access_key",)
