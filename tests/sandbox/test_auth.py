"""ScalePad authentication as the real gateway does it: exact header name, documented 401 body."""

from __future__ import annotations

import httpx
import pytest

from explorer.sandbox import API_KEY_PATTERN, SandboxConfig, derive_api_key
from explorer.sandbox.config import Credentials

DOCUMENTED_401 = {
    "errors": [
        {
            "code": "UNAUTHORIZED",
            "title": "Invalid API credentials",
            "detail": "Invalid API credentials provided. Please check your API credentials and try again.",
        }
    ]
}


def test_demo_key_has_the_documented_format(sandbox):
    assert API_KEY_PATTERN.match(sandbox.api_key)
    assert API_KEY_PATTERN.match(sandbox.alt_api_key)
    assert sandbox.api_key != sandbox.alt_api_key


def test_keys_are_deterministic_per_seed():
    assert derive_api_key(1) == derive_api_key(1)
    assert derive_api_key(1) != derive_api_key(2)


def test_environment_overrides_the_credentials(monkeypatch):
    monkeypatch.setenv("EXPLORER_SANDBOX_API_KEY", "0" * 8 + "-" + "1" * 8)
    monkeypatch.setenv("EXPLORER_SANDBOX_SCOUT_USERNAME", "someone")
    monkeypatch.setenv("EXPLORER_SANDBOX_SCOUT_PASSWORD", "secret-pw")
    creds = Credentials.for_config(SandboxConfig())
    assert (creds.api_key, creds.scout_username, creds.scout_password) == (
        "00000000-11111111",
        "someone",
        "secret-pw",
    )


def test_lower_case_header_is_accepted(anonymous, sandbox):
    response = anonymous.get("/core/v1/clients", headers={"x-api-key": sandbox.api_key})
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["X-Api-Key", "X-API-KEY", "X-api-key", "x-Api-key"])
def test_other_header_casings_are_rejected_with_the_documented_body(anonymous, sandbox, name):
    response = anonymous.get("/core/v1/clients", headers={name: sandbox.api_key})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == DOCUMENTED_401


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-api-key": ""},
        {"x-api-key": "c4d67eca-3b32ed26-b2412e47-2f634617-7e91a0f4-5c8d2b67-e3a19f0b-46d7c582"},
        {"Authorization": "Bearer x"},
    ],
)
def test_missing_or_unknown_key_gets_401(anonymous, headers):
    for path in (
        "/core/v1/assets/hardware",
        "/quoter/v1/items",
        "/lifecycle-manager/v1/initiatives",
        "/sandbox/v1/assets/hardware",
    ):
        response = anonymous.get(path, headers=headers)
        assert response.status_code == 401, path
        assert response.json() == DOCUMENTED_401


def test_unsubscribed_product_answers_402(anonymous, sandbox):
    # The alternative key's user is not subscribed to Lifecycle Manager.
    headers = {"x-api-key": sandbox.alt_api_key}
    assert anonymous.get("/core/v1/clients", headers=headers).status_code == 200
    response = anonymous.get("/lifecycle-manager/v1/initiatives", headers=headers)
    assert response.status_code == 402
    item = response.json()["errors"][0]
    assert item["code"] == "PAYMENT_REQUIRED"
    assert "Lifecycle Manager" in item["detail"]


def test_unsubscribed_products_are_configurable(make_sandbox):
    sb = make_sandbox(unsubscribed=("quoter",))
    with httpx.Client(base_url=sb.url, headers={"x-api-key": sb.api_key}) as client:
        assert client.get("/core/v1/clients").status_code == 200
        response = client.get("/quoter/v1/items")
        assert response.status_code == 402
        assert response.json()["errors"][0]["key"] == "PAYMENT_REQUIRED"  # Quoter says `key`


def test_config_rejects_an_unknown_product():
    with pytest.raises(ValueError, match="unknown product"):
        SandboxConfig(unsubscribed=("billing",))
