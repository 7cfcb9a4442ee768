"""The rate limit: 50 requests per 5 s per key over a sliding window, 429 with Retry-After."""

from __future__ import annotations

import httpx
import pytest

from explorer.sandbox import parse_rate
from explorer.sandbox.ratelimit import SlidingWindowLimiter
from tests.sandbox.helpers import FakeClock


def test_51st_of_60_quick_requests_gets_429_with_retry_after(make_sandbox):
    clock = FakeClock()
    sb = make_sandbox(rate="50/5", clock=clock)
    with httpx.Client(base_url=sb.url, headers={"x-api-key": sb.api_key}) as client:
        statuses = []
        responses = []
        for _ in range(60):  # 60 requests 10 ms apart: all within 0.6 s
            clock.now += 0.01
            response = client.get("/core/v1/clients", params={"page_size": 1})
            statuses.append(response.status_code)
            responses.append(response)
    assert statuses == [200] * 50 + [429] * 10
    limited = responses[50]
    assert limited.text == "Too Many Requests"
    assert limited.headers["content-type"].startswith("text/plain")
    assert limited.headers["retry-after"] == "5"  # the first slot frees 4.5 s later: ceil -> 5
    assert not [h for h in limited.headers if h.lower().startswith("x-ratelimit")]
    assert not [h for h in responses[0].headers if h.lower().startswith("x-ratelimit")]
    assert sb.stats.rate_limited == 10
    assert sb.stats.requests == 60


def test_retry_after_is_the_ceiling_of_the_time_until_a_slot_frees(make_sandbox):
    clock = FakeClock()
    sb = make_sandbox(rate="3/10", clock=clock)
    with httpx.Client(base_url=sb.url, headers={"x-api-key": sb.api_key}) as client:
        for step in (0.0, 1.0, 2.0):
            clock.now += step
            assert client.get("/core/v1/sites").status_code == 200
        clock.now += 0.5  # 3.5 s after the first request, which frees at 10 s
        assert client.get("/core/v1/sites").headers["retry-after"] == "7"
        clock.now += 6.4  # 9.9 s: 0.1 s left -> 1
        assert client.get("/core/v1/sites").headers["retry-after"] == "1"
        clock.now += 0.1  # the first slot frees exactly now
        assert client.get("/core/v1/sites").status_code == 200


def test_429s_do_not_consume_budget(make_sandbox):
    clock = FakeClock()
    sb = make_sandbox(rate="2/5", clock=clock)
    with httpx.Client(base_url=sb.url, headers={"x-api-key": sb.api_key}) as client:
        assert [client.get("/core/v1/sites").status_code for _ in range(2)] == [200, 200]
        clock.now += 1
        assert [client.get("/core/v1/sites").status_code for _ in range(20)] == [429] * 20
        clock.now += 4  # the two admitted requests leave the window; the 429s never entered it
        assert [client.get("/core/v1/sites").status_code for _ in range(3)] == [200, 200, 429]


def test_window_slides_rather_than_resets(make_sandbox):
    clock = FakeClock()
    sb = make_sandbox(rate="2/5", clock=clock)
    with httpx.Client(base_url=sb.url, headers={"x-api-key": sb.api_key}) as client:
        assert client.get("/core/v1/sites").status_code == 200
        clock.now += 3
        assert client.get("/core/v1/sites").status_code == 200
        clock.now += 2.5  # first request left (5.5 s ago), second still inside
        assert client.get("/core/v1/sites").status_code == 200
        assert client.get("/core/v1/sites").status_code == 429


def test_budget_is_per_key_and_shared_across_products(make_sandbox):
    clock = FakeClock()
    sb = make_sandbox(rate="3/5", clock=clock)
    with httpx.Client(base_url=sb.url) as client:
        key = {"x-api-key": sb.api_key}
        alt = {"x-api-key": sb.alt_api_key}
        assert client.get("/core/v1/sites", headers=key).status_code == 200
        assert client.get("/quoter/v1/items", headers=key).status_code == 200
        assert client.get("/lifecycle-manager/v1/initiatives", headers=key).status_code == 200
        assert client.get("/core/v1/sites", headers=key).status_code == 429
        assert client.get("/core/v1/sites", headers=alt).status_code == 200


def test_rejected_credentials_are_not_counted(make_sandbox):
    clock = FakeClock()
    sb = make_sandbox(rate="1/5", clock=clock)
    with httpx.Client(base_url=sb.url) as client:
        for _ in range(5):
            assert (
                client.get("/core/v1/sites", headers={"X-Api-Key": sb.api_key}).status_code == 401
            )
        assert client.get("/core/v1/sites", headers={"x-api-key": sb.api_key}).status_code == 200


def test_scout_is_limited_per_user(make_sandbox):
    clock = FakeClock()
    sb = make_sandbox(rate="3/5", clock=clock)
    with httpx.Client(base_url=sb.url) as client:
        token = client.post(
            "/v1/Token", json={"username": sb.scout_username, "password": sb.scout_password}
        ).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        statuses = [client.get("/v1/Units", headers=auth).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        # ScalePad keys have their own budgets.
        assert client.get("/core/v1/sites", headers={"x-api-key": sb.api_key}).status_code == 200


def test_no_limit_when_disabled(make_sandbox):
    sb = make_sandbox(rate=None)
    with httpx.Client(base_url=sb.url, headers={"x-api-key": sb.api_key}) as client:
        assert {client.get("/core/v1/sites").status_code for _ in range(80)} == {200}


@pytest.mark.parametrize(("text", "expected"), [
    ("50/5", (50, 5.0)), ("10 / 1.5", (10, 1.5)), ("0", None), (None, None), ("none", None), ("5/2s", (5, 2.0)),
])  # fmt: skip
def test_parse_rate(text, expected):
    assert parse_rate(text) == expected


@pytest.mark.parametrize("text", ["50", "a/b", "5/0", "-1/5"])
def test_parse_rate_rejects_nonsense(text):
    with pytest.raises(ValueError):
        parse_rate(text)


def test_limiter_directly():
    clock = FakeClock(100.0)
    limiter = SlidingWindowLimiter(2, 5.0, clock)
    assert limiter.admit("a") is None
    assert limiter.admit("a") is None
    assert limiter.admit("a") == 5
    assert limiter.admit("b") is None
    limiter.reset()
    assert limiter.admit("a") is None


def test_real_time_burst_is_limited(make_sandbox):
    sb = make_sandbox(
        rate="20/30"
    )  # a window far longer than the burst takes, even on a busy machine
    with httpx.Client(base_url=sb.url, headers={"x-api-key": sb.api_key}) as client:
        statuses = [client.get("/core/v1/sites").status_code for _ in range(25)]
    assert statuses == [200] * 20 + [429] * 5
