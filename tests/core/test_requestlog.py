"""The request log: masking everywhere, ring buffer, subscribers, and a runnable cURL command."""

from __future__ import annotations

import json
import shutil
import subprocess

import httpx
import pytest

from explorer.core.requestlog import (
    MASK,
    RequestLog,
    RequestLogEntry,
    mask_body,
    mask_headers,
    mask_url,
    scrub,
    to_curl,
)

KEY = "CANARY-key-0c7e55"
PASSWORD = "CANARY-pw-88aa"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqZG9lIn0.c2lnbmF0dXJl"


def _texts(entry: RequestLogEntry) -> str:
    return json.dumps(
        [
            entry.url,
            entry.request_headers,
            entry.response_headers,
            entry.request_body,
            entry.response_body,
            entry.error,
        ]
    )


def _record_api_key_call(log: RequestLog) -> RequestLogEntry:
    request = httpx.Request(
        "GET",
        "https://api.example/core/v1/clients?page_size=200&filter[name]=eq:Acme",
        headers={"x-api-key": KEY, "accept": "application/json"},
    )
    response = httpx.Response(200, json={"data": [{"id": "1"}], "total_count": 1}, request=request)
    return log.record(request, response, duration_ms=12.34, attempt=2, waited_s=0.5, secrets=[KEY])


def test_entry_holds_the_exchange_with_the_key_masked() -> None:
    log = RequestLog()
    entry = _record_api_key_call(log)
    assert (entry.id, entry.method, entry.status, entry.attempt, entry.waited_s) == (
        1,
        "GET",
        200,
        2,
        0.5,
    )
    assert entry.duration_ms == 12.3
    assert entry.url.startswith("https://api.example/core/v1/clients?page_size=200")
    assert ("x-api-key", MASK) in entry.request_headers
    assert entry.response_size == len(b'{"data":[{"id":"1"}],"total_count":1}')
    assert '"total_count":1' in entry.response_body
    assert entry.ok
    assert KEY not in _texts(entry)


def test_login_exchange_masks_password_and_token_everywhere() -> None:
    log = RequestLog()
    request = httpx.Request(
        "POST",
        "https://user:pw@scout.example/v1/Token?api_key=" + KEY,
        json={"username": "jdoe", "password": PASSWORD},
    )
    response = httpx.Response(
        200,
        json={"token": TOKEN, "expiresIn": 1800},
        headers={"set-cookie": "session=abc"},
        request=request,
    )
    entry = log.record(request, response, secrets=[PASSWORD, TOKEN, KEY])
    text = _texts(entry)
    for secret in (PASSWORD, TOKEN, KEY, "user:pw", "session=abc"):
        assert secret not in text
    assert json.loads(entry.request_body) == {"username": "jdoe", "password": MASK}
    assert json.loads(entry.response_body) == {"token": MASK, "expiresIn": 1800}
    assert "api_key=" in entry.url


def test_bearer_header_keeps_its_scheme() -> None:
    log = RequestLog()
    request = httpx.Request(
        "GET", "https://scout.example/v1/Units", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    entry = log.record(request, None, error=f"ReadError while sending {TOKEN}", secrets=[TOKEN])
    assert ("Authorization", f"Bearer {MASK}") in entry.request_headers
    assert entry.status is None
    assert not entry.ok
    assert entry.error is not None
    assert TOKEN not in entry.error


def test_unknown_secrets_shaped_like_jwts_are_blanked() -> None:
    assert TOKEN not in mask_body(f"raw {TOKEN} text")
    assert mask_body(
        "password=hunter22&user=a", content_type="application/x-www-form-urlencoded"
    ) == (f"password={MASK.replace('*', '%2A')}&user=a")


def test_cookie_values_are_masked_and_their_names_kept() -> None:
    masked = dict(
        mask_headers(
            [
                ("Cookie", "session=abc123; theme=dark"),
                ("Set-Cookie", "session=abc123; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT"),
            ]
        )
    )
    assert masked["Cookie"] == f"session={MASK}; theme={MASK}"
    assert masked["Set-Cookie"] == f"session={MASK}; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT"


def test_redirect_and_link_targets_lose_their_credentials() -> None:
    masked = dict(
        mask_headers(
            [
                ("Location", "/next?access_token=zzz&page=2"),
                ("Link", '<https://a.example/x?api_key=zzz&page=3>; rel="next"'),
            ]
        )
    )
    assert "zzz" not in json.dumps(masked)
    assert "page=2" in masked["Location"]
    assert masked["Link"].endswith('page=3>; rel="next"')


@pytest.mark.parametrize("user", ["", "a", "ab", "abc"])  # each alignment in base64
def test_a_known_secret_is_found_encoded_inside_other_text(user: str) -> None:
    import base64
    from urllib.parse import quote

    secret = "s3cret/+value=="
    blob = base64.b64encode(f"{user}:{secret}".encode()).decode()
    for text in (
        f"Basic {blob}",
        base64.urlsafe_b64encode(f"{user}:{secret}".encode()).decode(),
        f"next=?k={quote(secret, safe='')}",
        '{"echo": "' + secret.replace("/", "\\/") + '"}',  # JSON may escape "/"
    ):
        assert MASK in scrub(text, [secret]), text


def test_url_masking_keeps_ordinary_parameters() -> None:
    url = mask_url("https://a.example/x?cursor=abc&token=zzz&filter[name]=eq:Acme")
    assert "cursor=abc" in url
    assert "zzz" not in url
    assert "filter[name]=eq:Acme" in url


def test_body_is_cut_at_the_cap() -> None:
    log = RequestLog(body_cap=100)
    request = httpx.Request("GET", "https://a.example/x")
    response = httpx.Response(200, text="x" * 1000, request=request)
    entry = log.record(request, response)
    assert len(entry.response_body) == 100
    assert entry.truncated
    assert entry.response_size == 1000


def test_ring_buffer_keeps_the_newest_entries() -> None:
    log = RequestLog(capacity=5)
    for _ in range(12):
        _record_api_key_call(log)
    assert len(log) == 5
    assert [e.id for e in log.entries()] == [8, 9, 10, 11, 12]
    log.clear()
    assert log.entries() == []


def test_subscribers_get_each_entry_and_can_leave(caplog: pytest.LogCaptureFixture) -> None:
    log = RequestLog()
    seen: list[int] = []
    unsubscribe = log.subscribe(lambda e: seen.append(e.id))

    def broken(entry: RequestLogEntry) -> None:
        raise RuntimeError("panel closed")

    log.subscribe(broken)
    _record_api_key_call(log)
    unsubscribe()
    _record_api_key_call(log)
    assert seen == [1]
    assert "subscriber failed" in caplog.text


def test_curl_uses_variables_instead_of_secrets() -> None:
    log = RequestLog()
    entry = _record_api_key_call(log)
    command = to_curl(entry)
    assert '-H "x-api-key: $EXPLORER_API_KEY"' in command
    assert KEY not in command
    assert command.startswith("curl 'https://api.example/core/v1/clients?page_size=200")

    bearer = log.record(
        httpx.Request(
            "GET", "https://s.example/v1/Units", headers={"Authorization": f"Bearer {TOKEN}"}
        ),
        secrets=[TOKEN],
    )
    assert '-H "Authorization: Bearer $EXPLORER_TOKEN"' in to_curl(bearer)


def test_curl_includes_a_secret_only_when_asked() -> None:
    entry = _record_api_key_call(RequestLog())
    assert f'-H "x-api-key: {KEY}"' in to_curl(entry, {"EXPLORER_API_KEY": KEY})


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs a POSIX shell")
def test_curl_command_runs_in_a_shell_with_the_variables() -> None:
    log = RequestLog()
    request = httpx.Request(
        "POST",
        "https://scout.example/v1/Token?x=it's",
        json={"username": 'j"doe$`', "password": PASSWORD},
    )
    entry = log.record(request, None, secrets=[PASSWORD])
    command = to_curl(entry)
    assert PASSWORD not in command
    # replace curl by a function that prints its arguments, one per line
    script = "curl() { printf '%s\\n' \"$@\"; }\n" + command
    out = subprocess.run(
        ["bash", "-c", script],
        env={"EXPLORER_PASSWORD": "pw-from-env", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert out[:3] == ["-X", "POST", "https://scout.example/v1/Token?x=it's"]
    body = json.loads(out[out.index("--data-raw") + 1])
    assert body == {"username": 'j"doe$`', "password": "pw-from-env"}
    assert any(line.lower() == "content-type: application/json" for line in out)


def test_a_long_body_is_masked_before_it_is_cut() -> None:
    log = RequestLog(body_cap=60)
    request = httpx.Request("POST", "https://a.example/login")
    body = {"user": {"password": PASSWORD, "note": "y" * 200}}
    response = httpx.Response(200, json=body, request=request)
    assert PASSWORD in response.text[:60]  # a cut before masking would show it, unparseable
    entry = log.record(request, response)
    assert entry.truncated
    assert PASSWORD not in entry.response_body
    assert PASSWORD[:8] not in entry.response_body


def test_json_members_are_masked_in_place_whatever_their_quoting() -> None:
    from explorer.core.requestlog import mask_body

    text = '{"note": "say \\"password\\": x", "password" : "p\\"w", "api_key": 12345, "ok": true}'
    masked = mask_body(text)
    assert masked == (
        '{"note": "say \\"password\\": x", "password" : "'
        + MASK
        + '", "api_key": "'
        + MASK
        + '", "ok": true}'
    )
    assert json.loads(masked)["note"] == 'say "password": x'


def test_only_the_shown_part_of_a_large_body_is_masked_and_kept() -> None:
    log = RequestLog(body_cap=100)
    request = httpx.Request("GET", "https://a.example/core/v1/assets/hardware")
    records = [{"id": i, "token": f"tok-{i}", "name": "n" * 50} for i in range(2_000)]
    response = httpx.Response(200, json={"data": records}, request=request)
    entry = log.record(request, response)
    assert entry.truncated
    assert len(entry.response_body) == 100
    assert entry.response_size == len(response.content)
    assert "tok-0" not in entry.response_body
