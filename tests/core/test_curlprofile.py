"""Which profile a pasted cURL request opens on, with which credential and query."""

from __future__ import annotations

import asyncio

from explorer.core.catalog import Operator
from explorer.core.curl import parse_curl
from explorer.core.curlprofile import TEMPORARY_SUFFIX, CurlPlan, matching_profiles, plan_curl
from explorer.core.query import FilterCondition, SortKey
from explorer.core.secrets import SecretStore
from explorer.core.settings import AuthKind, JwtSettings, Profile

LOCAL = "http://127.0.0.1:8123"
DEMO = Profile(name="Demo", base_url=LOCAL, catalog="scalepad+sandbox")
SCOUT = Profile(
    name="Demo Scout",
    base_url=LOCAL,
    auth_kind=AuthKind.JWT,
    catalog="scout",
    username="hq",
    jwt=JwtSettings.scout(),
)
HARDWARE = f"{LOCAL}/core/v1/assets/hardware?filter%5Btype%5D=eq:SERVER&sort=-name&page_size=25"


def plan(command: str, profiles=(DEMO, SCOUT), secrets=None, **kw) -> CurlPlan:
    async def go() -> CurlPlan:
        store = secrets or SecretStore()
        if secrets is None:
            await store.set("Demo", "saved-key")
        return await plan_curl(parse_curl(command), list(profiles), store, **kw)

    return asyncio.run(go())


def test_the_saved_profile_with_the_same_key_opens_the_query() -> None:
    result = plan(f"curl '{HARDWARE}' -H 'x-api-key: saved-key'")
    assert result.profile == DEMO
    assert not result.temporary
    assert result.credential is None
    assert result.endpoint.id == "GET /core/v1/assets/hardware"
    assert result.query.filters == (FilterCondition("type", Operator.EQ, ("SERVER",)),)
    assert result.query.sorts == (SortKey("name", True),)
    assert result.query.page_size == 25
    assert "is the one saved in the profile 'Demo'" in " ".join(result.notes)
    assert result.headline("Opened").startswith(
        "Opened GET /core/v1/assets/hardware on the profile 'Demo'. The command's credential"
    )


def test_another_key_opens_a_temporary_copy_and_says_so() -> None:
    result = plan(f"curl '{HARDWARE}' -H 'x-api-key: pasted-key'")
    assert result.temporary
    assert result.saved == DEMO
    assert result.profile.name == "Demo" + TEMPORARY_SUFFIX
    assert result.profile.catalog == DEMO.catalog
    assert result.credential is not None
    assert result.credential.secret == "pasted-key"
    said = " ".join(result.notes)
    assert (
        "The API key from the command (the x-api-key header) is used for this session only" in said
    )
    assert "in the temporary profile 'Demo (from cURL)'" in said
    assert "the saved profile 'Demo' keeps its own API key and is not changed" in said


def test_the_catalog_that_lists_the_path_picks_between_profiles_of_one_server() -> None:
    result = plan(
        f"curl '{LOCAL}/v1/WorkOrders/Search?StartDate=2026-01-01&EndDate=2026-01-31' "
        "-H 'Authorization: Bearer eyJ.token'"
    )
    assert result.saved == SCOUT
    assert result.profile.auth_kind is AuthKind.BEARER
    assert result.endpoint.id == "GET /v1/WorkOrders/Search"
    assert result.query.params == {"StartDate": "2026-01-01", "EndDate": "2026-01-31"}
    assert "has no password saved and is not changed" in " ".join(result.notes)


def test_what_the_credential_means_comes_before_the_rest_of_the_notes() -> None:
    result = plan(f"curl -k '{HARDWARE}' -H 'x-api-key: pasted-key' -H 'X-Tenant: 7'")
    assert result.notes[0].startswith("The API key from the command")
    assert "X-Tenant" in result.notes[1]
    assert "-k (--insecure)" in result.notes[2]


def test_a_placeholder_uses_the_profile_s_own_key() -> None:
    result = plan(f"curl '{HARDWARE}' -H 'x-api-key: $EXPLORER_API_KEY'")
    assert result.profile == DEMO
    assert result.credential is None


def test_without_a_matching_profile_a_known_host_gets_its_catalog() -> None:
    result = plan(
        "curl 'https://api.scalepad.com/core/v1/clients?filter[name]=cont:Acme' -H 'x-api-key: k'"
    )
    assert result.temporary
    assert result.saved is None
    assert result.profile.name == "api.scalepad.com" + TEMPORARY_SUFFIX
    assert result.profile.base_url == "https://api.scalepad.com"
    assert result.profile.catalog == "scalepad"
    assert result.profile.rate_limit == 50
    assert result.endpoint.id == "GET /core/v1/clients"
    assert "No saved profile has the address https://api.scalepad.com" in result.notes[0]
    assert result.headline("Opens") == f"Opens GET /core/v1/clients. {result.notes[0]}"
    assert result.headline("Opens").count("api.scalepad.com (from cURL)") == 1


def test_an_unknown_api_opens_its_path_unlisted_with_the_key_in_the_query() -> None:
    result = plan("curl 'https://example.org/api/things?x=1&api_key=zzz'")
    assert result.profile.catalog == ""
    assert result.profile.auth_kind is AuthKind.API_KEY
    assert result.profile.key_placement.location == "query"
    assert not result.endpoint.listed
    assert result.endpoint.path == "/api/things"
    assert result.query.params == {"x": "1"}


def test_a_temporary_profile_of_this_session_is_reused_for_the_same_key() -> None:
    async def go() -> tuple[CurlPlan, CurlPlan]:
        store = SecretStore()
        first = await plan_curl(
            parse_curl("curl https://example.org/a -H 'x-api-key: one'"), [], store
        )
        store.keep_for_session(first.profile.name, "one")
        again = await plan_curl(
            parse_curl("curl https://example.org/b -H 'x-api-key: one'"),
            [],
            store,
            session_profiles=[first.profile],
        )
        other = await plan_curl(
            parse_curl("curl https://example.org/b -H 'x-api-key: two'"),
            [],
            store,
            session_profiles=[first.profile],
        )
        assert again.reused
        assert again.profile.name == first.profile.name
        return first, other

    first, other = asyncio.run(go())
    assert not other.reused
    assert other.profile.name == first.profile.name + " 2"
    assert f"the temporary profile '{other.profile.name}' opens it" in other.notes[0]


def test_matching_needs_the_origin_and_the_base_path() -> None:
    api = Profile(name="Api", base_url="https://x.io/api")
    root = Profile(name="Root", base_url="https://x.io:443")
    other_port = Profile(name="Other", base_url="https://x.io:8443")
    names = [p.name for p in matching_profiles("https://X.io/api/v1/a", [root, api, other_port])]
    assert names == ["Api", "Root"]
    assert [p.name for p in matching_profiles("https://x.io/apis", [api, root])] == ["Root"]
    assert matching_profiles("http://x.io/api", [api, root]) == []


def test_a_concrete_path_fills_the_path_parameters() -> None:
    result = plan(f"curl '{LOCAL}/v1/Units/42' -H 'Authorization: Bearer eyJ.token'")
    assert result.endpoint.id == "GET /v1/Units/{id}"
    assert result.query.path_params == {"id": "42"}


def test_temporary_profiles_and_what_is_kept_under_them_never_reach_the_file(tmp_path) -> None:
    from explorer.core.settings import Settings, SettingsStore

    settings = Settings(profiles=[DEMO], last_profile="Demo")
    pasted = DEMO.with_changes(name="Demo" + TEMPORARY_SUFFIX)
    settings.add_temporary_profile(pasted)
    settings.last_profile = pasted.name
    settings.window["open_tabs"] = {"Demo": [], pasted.name: [{"endpoint": "GET /x"}]}
    settings.window["recent_queries"] = {pasted.name: ["/tmp/a.query.json"]}
    store = SettingsStore(tmp_path / "settings.json")
    store.save(settings)
    text = store.path.read_text(encoding="utf-8")
    assert TEMPORARY_SUFFIX not in text
    assert settings.profile(pasted.name) == pasted  # still listed for this session
    assert store.load().last_profile is None
    settings.upsert_profile(pasted)  # Edit profile and Save: kept from now on
    store.save(settings)
    assert store.load().profile(pasted.name) == pasted


def test_a_secret_kept_for_the_session_never_reaches_the_keychain(memory_keyring) -> None:
    from explorer.core.secrets import KeyringSecretStore

    async def go() -> None:
        store = KeyringSecretStore(memory_keyring)
        await store.set("Demo", "saved-key")
        store.keep_for_session("Demo", "pasted-key")
        assert await store.get("Demo") == "pasted-key"
        assert "pasted-key" not in memory_keyring.entries.values()
        assert "pasted-key" not in repr(store)
        await store.set("Demo", "typed-key")  # saving in the profile dialog replaces it
        assert await store.get("Demo") == "typed-key"
        store.keep_for_session("Other", "x-1")
        await store.delete("Other")
        assert await store.get("Other") is None

    asyncio.run(go())
