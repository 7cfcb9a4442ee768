"""Reading cURL commands: bash and cmd quoting, browser output, credentials, refused input."""

from __future__ import annotations

import base64

import pytest

from explorer.core.curl import looks_like_curl, parse_curl, split_words
from explorer.core.errors import CurlCommandError, ExplorerError
from explorer.core.settings import AuthKind

HOST = "https://api.scalepad.com"
HARDWARE = f"{HOST}/core/v1/assets/hardware"

# What Chrome's "Copy as cURL (bash)" writes: ' quoting, \ continuations, glob escapes in the URL.
CHROME_BASH = r"""curl 'https://api.scalepad.com/core/v1/assets/hardware?filter\[type\]=eq:SERVER&sort=-record_updated_at' \
  -H 'accept: application/json' \
  -H 'accept-language: en-GB,en;q=0.9' \
  -H 'sec-ch-ua: "Chromium";v="122", "Not(A:Brand";v="24"' \
  -H 'sec-ch-ua-mobile: ?0' \
  -H 'user-agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36' \
  -H 'x-api-key: k3y-VALUE' \
  --compressed"""

# Chrome's "Copy as cURL (cmd)": ^"...^" around every argument, ^\^" for a quote, ^ continuations.
CHROME_CMD = (
    'curl ^"https://api.scalepad.com/core/v1/assets/hardware?filter^\\[type^\\]=eq:SERVER'
    '^&sort=-record_updated_at^" ^\r\n'
    '  -H ^"accept: application/json^" ^\r\n'
    '  -H ^"sec-ch-ua: ^\\^"Chromium^\\^";v=^\\^"122^\\^"^" ^\r\n'
    '  -H ^"x-api-key: k3y-VALUE^" ^\r\n'
    "  --compressed"
)

WANTED_URL = f"{HARDWARE}?filter[type]=eq:SERVER&sort=-record_updated_at"


@pytest.mark.parametrize("command", [CHROME_BASH, CHROME_CMD], ids=["bash", "cmd"])
def test_a_browser_command_gives_the_url_and_the_key_apart(command: str) -> None:
    request = parse_curl(command)
    assert request.method == "GET"
    assert request.url == WANTED_URL
    assert request.credential is not None
    assert request.credential.kind is AuthKind.API_KEY
    assert request.credential.secret == "k3y-VALUE"
    assert request.credential.placement.name == "x-api-key"
    assert request.credential.placement.location == "header"
    assert "k3y-VALUE" not in request.url
    assert all("k3y-VALUE" not in value for _, value in request.headers)
    assert dict(request.headers)["sec-ch-ua"].startswith('"Chromium";v="122"')
    assert request.notes == ()  # browser headers and --compressed need no word
    assert "k3y-VALUE" not in repr(request)


def test_cmd_quote_escapes_reach_curl_as_quotes() -> None:
    words = split_words(CHROME_CMD)
    assert 'sec-ch-ua: "Chromium";v="122"' in words
    assert words[-1] == "--compressed"


@pytest.mark.parametrize(
    ("command", "word"),
    [
        ("curl 'a b'\"c d\"e", "a bc de"),
        ('curl "say \\"hi\\" \\$HOME"', 'say "hi" $HOME'),
        ("curl $'tab\\there\\x41\\u2713\\'q'", "tab\there\x41\u2713'q"),
        ("curl a\\ b", "a b"),
        ("curl \\\n  one \\\r\n  two", "two"),
        ('curl "https://x.io/?a=1&b=2"', "https://x.io/?a=1&b=2"),  # & inside quotes
        ('curl ^"50^%^" ^\n  x', "50%"),  # cmd: carets outside quotes
        ('curl.exe "a ""quoted"" word"', 'a "quoted" word'),  # the C runtime's "" in quotes
        # the C runtime: backslashes are literal unless a quote follows them
        ('curl.exe "back\\\\slash\\\\" x', "back\\\\slash\\"),
    ],
)
def test_each_quoting_style(command: str, word: str) -> None:
    assert word in split_words(command)


def test_bash_variables_are_not_expanded_and_count_as_placeholders() -> None:
    request = parse_curl('curl https://x.io/v1/a -H "x-api-key: $EXPLORER_API_KEY"')
    assert request.credential is not None
    assert request.credential.placeholder
    assert "instead of a credential" in " ".join(request.notes)


def test_get_turns_data_into_query_parameters() -> None:
    request = parse_curl(
        f"curl -G {HARDWARE} --data-urlencode 'filter[client.name]=cont:\"Space Sprockets, Inc.\"'"
        " -d page_size=50 --data-raw sort=name"
    )
    assert request.url == (
        f"{HARDWARE}?filter[client.name]=cont%3A%22Space%20Sprockets%2C%20Inc.%22"
        "&page_size=50&sort=name"
    )


def test_short_option_clusters_and_attached_values() -> None:
    request = parse_curl(f"curl -sSLk -XGET -H'x-api-key: abc1' --url {HARDWARE}")
    assert request.url == HARDWARE
    assert request.credential is not None
    assert request.credential.secret == "abc1"
    assert request.insecure
    said = " ".join(request.notes)
    assert "-k (--insecure) tells curl not to check the server's TLS certificate" in said
    assert "explorer still checks it" in said
    assert "-L" in said


@pytest.mark.parametrize(
    ("extra", "kind", "secret", "identity", "where"),
    [
        ("-H 'Authorization: Bearer tok.en'", AuthKind.BEARER, "tok.en", None, "Bearer"),
        (
            "-H 'Authorization: Basic " + base64.b64encode(b"ann:pw1!").decode() + "'",
            AuthKind.BASIC,
            "pw1!",
            "ann",
            "Basic",
        ),
        ("-u 'ann:pw1!'", AuthKind.BASIC, "pw1!", "ann", "-u"),
        ("-H 'Authorization: Token abcd'", AuthKind.API_KEY, "abcd", None, "Token"),
        ("--oauth2-bearer tok2", AuthKind.BEARER, "tok2", None, "--oauth2-bearer"),
        ("-b 'session=s3cr3t'", AuthKind.API_KEY, "s3cr3t", None, "cookie"),
        ("-H 'Cookie: sid=s3cr3t; _ga=GA1'", AuthKind.API_KEY, "s3cr3t", None, "sid cookie"),
    ],
)
def test_credentials_are_set_apart(
    extra: str, kind: AuthKind, secret: str, identity: str | None, where: str
) -> None:
    request = parse_curl(f"curl '{HARDWARE}' {extra}")
    assert request.credential is not None
    assert request.credential.kind is kind
    assert request.credential.secret == secret
    assert request.credential.identity == identity
    assert where in request.credential.source
    assert request.url == HARDWARE
    assert all(name.lower() not in ("authorization", "cookie") for name, _ in request.headers)


def test_an_api_key_query_parameter_leaves_the_url() -> None:
    request = parse_curl(f"curl '{HARDWARE}?api_key=qk1&filter[type]=eq:SERVER'")
    assert request.url == f"{HARDWARE}?filter[type]=eq:SERVER"
    assert request.credential is not None
    assert request.credential.placement.location == "query"
    assert request.credential.placement.name == "api_key"
    assert request.credential.secret == "qk1"


def test_user_info_in_the_url_is_a_basic_login() -> None:
    request = parse_curl("curl https://ann:pw@x.io:8443/v1/a")
    assert request.url == "https://x.io:8443/v1/a"
    assert request.credential is not None
    assert request.credential.identity == "ann"


def test_a_pipe_ends_the_command() -> None:
    request = parse_curl(f"curl -s '{HARDWARE}' | jq .data")
    assert request.url == HARDWARE
    assert request.notes[0] == "Left out what follows | (jq …): not part of the request."


@pytest.mark.parametrize(
    "command",
    [
        "curl ftp://ann:s3cr3t-pw@x.io/a",
        "curl 'x.io/a?api_key=s3cr3t-pw&b=1'",
        "curl https://x.io/a?token=s3cr3t-pw https://x.io/b",
    ],
)
def test_a_refusal_never_repeats_a_credential(command: str) -> None:
    with pytest.raises(CurlCommandError) as caught:
        parse_curl(command)
    assert "s3cr3t-pw" not in caught.value.explanation


def test_other_headers_are_named_as_not_sent() -> None:
    request = parse_curl(f"curl '{HARDWARE}' -H 'X-Tenant: 7'")
    assert "X-Tenant" in request.notes[0]


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        ("", "Nothing to read"),
        ("wget https://x.io", "This is not a cURL command: it starts with 'wget'"),
        ("GET /core/v1/clients", "not a cURL command"),
        (f"curl -X POST {HARDWARE}", "is a POST request (-X POST)"),
        (f"curl --request DELETE {HARDWARE}", "is a DELETE request"),
        (f"curl -XPUT {HARDWARE}", "is a PUT request"),
        (f"curl {HARDWARE} -d name=x", "sends a body (--data) without -G"),
        (f"curl {HARDWARE} --data-raw '{{}}'", "sends a body (--data-raw) without -G"),
        (f"curl {HARDWARE} -F f=@a.txt", "posts a form (-F)"),
        (f"curl -I {HARDWARE}", "HEAD request"),
        (f"curl {HARDWARE} --json '{{}}'", "posts JSON"),
        (f"curl {HARDWARE} -T a.txt", "uploads a file"),
        (f"curl --frobnicate {HARDWARE}", "does not read the curl option --frobnicate"),
        (f"curl -sZ {HARDWARE}", "does not read the curl option -Z (in -sZ)"),
        (f"curl -x http://proxy:3128 {HARDWARE}", "HTTPS_PROXY"),
        (f"curl -G {HARDWARE} -d @query.txt", "reads data from a file"),
        (f"curl {HARDWARE} -b cookies.txt", "reads cookies from the file"),
        (f"curl -u ann {HARDWARE}", "without a password"),
        ("curl -s", "has no URL"),
        (f"curl {HARDWARE} {HARDWARE}", "has 2 URLs"),
        ("curl api.scalepad.com/core/v1/clients", "has no https://"),
        ("curl ftp://x.io/a", "is not http or https"),
        (f"curl '{HARDWARE}", "unbalanced quote"),
        (f'curl "{HARDWARE}', "unbalanced quote"),
        (f"curl {HARDWARE} -H", "needs a value"),
        (f"curl {HARDWARE}; curl {HARDWARE}", "more than one cURL command"),
    ],
)
def test_refused_input_gets_one_line_reason(command: str, reason: str) -> None:
    with pytest.raises(CurlCommandError) as caught:
        parse_curl(command)
    error = caught.value
    assert isinstance(error, ExplorerError)
    assert reason in error.explanation
    assert "\n" not in error.explanation
    assert str(error) == error.explanation  # window and CLI say the same words


def test_looks_like_curl() -> None:
    assert looks_like_curl("  curl https://x.io")
    assert looks_like_curl("$ curl https://x.io")
    assert looks_like_curl('curl.exe "https://x.io"')
    assert looks_like_curl("/usr/bin/curl https://x.io")
    assert not looks_like_curl("curling is a sport")
    assert not looks_like_curl("https://x.io")


# Firefox's "Copy as cURL (POSIX)": --globoff keeps the brackets, its own headers, a cookie.
FIREFOX_BASH = (
    "curl 'https://api.scalepad.com/core/v1/assets/hardware?filter[type]=eq:SERVER"
    "&sort=-record_updated_at' --globoff --compressed "
    "-H 'User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0' "
    "-H 'Accept: application/json' -H 'Accept-Language: en-US,en;q=0.5' "
    "-H 'Accept-Encoding: gzip, deflate, br' -H 'x-api-key: k3y-VALUE' "
    "-H 'Connection: keep-alive' -H 'Cookie: _ga=GA1.2.3; _gid=GA1.4.5' "
    "-H 'Sec-Fetch-Dest: empty' -H 'Sec-Fetch-Mode: cors' -H 'TE: trailers'"
)


def test_firefox_s_command_keeps_the_brackets_and_drops_the_cookies() -> None:
    request = parse_curl(FIREFOX_BASH)
    assert request.url == WANTED_URL
    assert request.credential is not None
    assert request.credential.secret == "k3y-VALUE"
    assert request.notes == (
        "Not sent: 2 cookies of the browser's session (explorer sends one credential).",
    )
    assert "GA1" not in repr(request)


def test_a_method_is_refused_before_its_body() -> None:
    with pytest.raises(CurlCommandError, match=r"is a POST request \(-X POST\)"):
        parse_curl(f"curl -X POST {HARDWARE} -d name=x")
