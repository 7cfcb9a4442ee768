"""What a results tab shows when the API says no: a 401 (wrong key), a 400 or 422 naming the rejected
parameter, and 429s from a server stricter than the profile's budget (the tab waits, says so, and
still loads every record). Real widgets against real sandboxes over HTTP; the 422, which the
sandbox never sends for a GET, comes from a MockTransport."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from explorer.core.catalog import Catalog, Endpoint, FilterField, Operator
from explorer.core.client import ApiClient
from explorer.core.query import FilterCondition, Query
from explorer.core.settings import AuthKind, Profile

HARDWARE = "GET /core/v1/assets/hardware"


def loaded(tab, rows):
    return lambda: tab.model.rowCount() >= rows and not tab.model.is_loading


def banner_text(tab):
    return tab.banner.text.text() if tab.banner.isVisible() else ""


@pytest.fixture
def open_profile(services, qloop):
    """`open_profile(profile, secret)`: an AppContext for a profile saved with that secret."""
    contexts = []

    def _open(profile, secret):
        services.settings.upsert_profile(profile)
        qloop.run_until_complete(services.secrets.set(profile.name, secret))
        context = qloop.run_until_complete(services.open_context(profile.name))
        contexts.append(context)
        return context

    yield _open
    for context in contexts:
        qloop.run_until_complete(services.release_context(context))


def sandbox_profile_named(name, url, **changes):
    return Profile(
        name=name, base_url=url, auth_kind=AuthKind.API_KEY, catalog="scalepad+sandbox", **changes
    )


def test_a_wrong_api_key_says_to_check_the_key_and_offers_edit_profile(
    qtbot, make_tab, open_profile, sandbox, run, until
):
    context = open_profile(sandbox_profile_named("Wrong key", sandbox.url), "not-the-sandbox-key")
    tab = make_tab(context, HARDWARE)
    text = run(until(lambda: banner_text(tab)))
    assert "401" in text
    assert "check the API key in the profile" in text
    assert "Traceback" not in text
    assert "not-the-sandbox-key" not in text + tab.banner.toolTip()
    assert "rows loaded so far" not in text  # nothing was loaded, so nothing is said to be kept
    assert tab.banner.action_button.isVisible()
    assert tab.banner.action_button.text() == "Edit profile…"  # retrying the same key cannot help
    assert tab.model.rowCount() == 0
    assert tab.count_label.text() == "Nothing loaded"  # not "more available"
    with qtbot.waitSignal(tab.edit_profile_requested):
        tab.banner.action_button.click()


def with_filter(catalog: Catalog, endpoint_id: str, extra: FilterField) -> Catalog:
    """The catalog with one more filter field on one endpoint (one the server does not know)."""

    def widen(endpoint: Endpoint) -> Endpoint:
        return (
            replace(endpoint, filters=(*endpoint.filters, extra))
            if endpoint.id == endpoint_id
            else endpoint
        )

    return replace(
        catalog,
        products=tuple(
            replace(
                p,
                resources=tuple(
                    replace(r, endpoints=tuple(map(widen, r.endpoints))) for r in p.resources
                ),
            )
            for p in catalog.products
        ),
    )


def test_a_filter_the_api_rejects_is_named_in_the_banner(
    qtbot, make_tab, app_context, monkeypatch, run, until
):
    # A catalog out of step with the server: it offers `colour`, which the API does not filter on.
    monkeypatch.setattr(
        app_context, "catalog", with_filter(app_context.catalog, HARDWARE, FilterField("colour"))
    )
    query = Query(endpoint_id=HARDWARE, filters=(FilterCondition("colour", Operator.EQ, ("red",)),))
    tab = make_tab(app_context, HARDWARE, query)
    assert tab.builder.is_valid()  # the form lets it through; the server is the one to refuse
    text = run(until(lambda: banner_text(tab)))
    assert "The API rejected the parameter 'filter[colour]' (400)" in text
    assert "colour" in text.split("(400)", 1)[1]  # the API's own words follow
    assert "Traceback" not in text
    assert tab.banner.action_button.isVisible()
    assert tab.banner.action_button.text() == "Retry"
    assert tab.model.rowCount() == 0
    assert tab.count_label.text() == "Nothing loaded"


def test_a_422_names_the_parameter_and_the_api_s_reason(
    qtbot, make_tab, app_context, monkeypatch, run, until
):
    # The sandbox answers a bad list parameter with 400; some real list endpoints say 422.
    def refuse(request):
        body = {"errors": [{"code": "ERR_PAGE_SIZE", "title": "Unprocessable page size",
                            "detail": "page_size must be at most 100 with this sort.",
                            "source": {"parameter": "page_size"}}]}  # fmt: skip
        return httpx.Response(422, json=body)

    client = ApiClient("https://api.example.test", transport=httpx.MockTransport(refuse))
    monkeypatch.setattr(app_context, "client", client)
    tab = make_tab(app_context, HARDWARE, Query(endpoint_id=HARDWARE, page_size=200))
    text = run(until(lambda: banner_text(tab)))
    run(client.aclose())
    assert text.startswith("The API rejected the parameter 'page_size' (422)")
    assert "must be at most 100 with this sort" in text
    assert "Traceback" not in text
    assert tab.banner.action_button.isVisible()
    assert tab.banner.action_button.text() == "Retry"


def test_429s_from_a_stricter_server_wait_visibly_and_load_everything(
    qtbot, make_tab, open_profile, make_sandbox, run, until
):
    strict = make_sandbox(rate="3/1")  # the server allows 3 requests a second ...
    profile = sandbox_profile_named(
        "Strict sandbox", strict.url, rate_limit=1000, rate_period_s=1.0
    )
    context = open_profile(profile, strict.api_key)  # ... the profile thinks 1,000
    tab = make_tab(context, HARDWARE, Query(endpoint_id=HARDWARE, page_size=100))
    run(until(loaded(tab, 100)))
    tab.load_all_button.click()
    waiting = run(until(lambda: tab.wait_label.isVisible() and tab.wait_label.text()))
    assert "for the rate limit" in waiting
    assert "Waiting" in waiting
    assert tab.progress_label.isHidden()  # no rate or time left while nothing moves
    run(tab.load_all_task, timeout=30)

    total = tab.model.total_count
    assert total >= 400  # five pages at least: more than the server's 3 a second
    ids = [tab.model.record(r)["id"] for r in range(tab.model.rowCount())]
    assert len(ids) == total
    assert len(set(ids)) == total
    assert context.client.stats.rate_limited > 0  # the server did answer 429 on the way
    assert not tab.banner.isVisible()
    assert f"All {total:,} rows loaded" in tab.status_label.text()
    assert tab.wait_label.isHidden()  # nothing waits any more


def test_a_retry_after_of_a_day_waits_fifteen_minutes_says_why_and_can_be_cancelled(
    qtbot, make_tab, open_profile, run, until
):
    from tests.hostile_servers import page, query, reply, serve

    def second_page_says_tomorrow(handler):
        if query(handler).get("cursor"):
            reply(handler, 429, {"errors": [{"title": "Too many"}]}, {"Retry-After": "86400"})
        else:
            reply(handler, 200, page(handler, 500))

    with serve(second_page_says_tomorrow) as url:
        context = open_profile(sandbox_profile_named("Tomorrow", url), "k" * 20)
        tab = make_tab(context, HARDWARE, Query(endpoint_id=HARDWARE, page_size=100))
        run(until(loaded(tab, 100)))
        tab.load_all_button.click()
        waiting = run(until(lambda: tab.wait_label.isVisible() and tab.wait_label.text()))
        assert waiting.startswith("Waiting 15 min")
        assert "asked to wait 24 h 00 min (Retry-After)" in waiting
        assert "at most 15 min" in waiting
        assert tab.cancel_button.isVisible()
        tab.cancel_button.click()
        run(until(lambda: tab.load_all_task.done()))
        assert tab.model.rowCount() == 100  # the rows so far stay
        run(until(lambda: tab.wait_label.isHidden()))


def test_load_all_short_of_the_announced_total_says_so_in_the_banner(
    qtbot, make_tab, open_profile, make_sandbox, run, until
):
    """A walk that ended with fewer records than announced is never a quiet status line."""
    server = make_sandbox(nonatomic_paging=True)
    context = open_profile(sandbox_profile_named("Non-atomic", server.url), server.api_key)
    tab = make_tab(context, HARDWARE, Query(endpoint_id=HARDWARE, page_size=50))
    run(until(loaded(tab, 50)))
    tab.start_load_all()
    run(until(lambda: "distinct records arrived" in banner_text(tab), timeout=60))
    assert tab.banner.action_button.text() == "Run again"
