"""A profile's paging overrides: kept in settings.json, checked, applied by the CLI and window."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from explorer.cli import main
from explorer.core.catalog import Endpoint, PaginationKind, with_profile_paging
from explorer.core.errors import ConfigError
from explorer.core.settings import AuthKind, Profile, Settings, SettingsStore
from tests.paging_servers import apis
from tests.paging_servers.server import serve

OVERRIDE = (("GET /v1/customers", "last-id:param=starting_after,size=limit,max=100"),)


def test_paging_overrides_round_trip_through_the_settings_form() -> None:
    profile = Profile("stripe", "https://api.stripe.com", AuthKind.NONE, paging=OVERRIDE)
    raw = profile.to_dict()
    assert raw["paging"] == {"GET /v1/customers": OVERRIDE[0][1]}
    assert Profile.from_dict(raw) == profile
    assert "paging" not in Profile("plain", "https://x.test").to_dict()


def test_a_bad_paging_override_is_a_profile_problem() -> None:
    with pytest.raises(ConfigError) as caught:
        Profile("p", "https://x.test", paging=(("GET /x", "sideways"),))
    assert "the paging of GET /x" in caught.value.explanation
    with pytest.raises(ConfigError, match="not an object"):
        Profile.from_dict({"name": "p", "base_url": "https://x.test", "paging": ["last-id"]})


def test_the_override_applies_to_its_endpoint_only() -> None:
    customers = with_profile_paging(Endpoint("GET", "/v1/customers"), OVERRIDE)
    assert (customers.pagination, customers.paging_source) == (PaginationKind.LAST_ID, "profile")
    other = Endpoint("GET", "/v1/charges")
    assert with_profile_paging(other, OVERRIDE) is other


def test_export_through_a_profile_uses_its_paging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EXPLORER_CONFIG_DIR", str(tmp_path / "config"))
    app, expected = apis.make_stripe()
    out = tmp_path / "customers.csv"
    with serve(app) as server:
        SettingsStore().save(
            Settings(
                profiles=[
                    Profile(
                        "stripe", server.base, AuthKind.NONE, catalog="scalepad", paging=OVERRIDE
                    )
                ]
            )
        )
        status = main(["export", "/v1/customers", "--out", str(out), "--profile", "stripe"])
    assert status == 0, capsys.readouterr().err
    with open(out, encoding="utf-8", newline="") as handle:
        assert [row["id"] for row in csv.DictReader(handle)] == expected
    assert [r.arg("limit") for r in server.requests] == ["100", "100", "100"]
