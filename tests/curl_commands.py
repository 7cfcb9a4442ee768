"""cURL commands written the way browsers' "Copy as cURL" writes them, for tests.

Chrome DevTools' generator (front_end/panels/network/NetworkLogView.ts, generateCurlCommand):
the URL with curl's glob characters `[ ] { }` escaped by a backslash, one `-H` per header, then
`--compressed`, the arguments joined by ` \\` + newline (bash) or ` ^` + CRLF (cmd). In bash every
argument is in single quotes; in cmd every argument is ^"...^" with `\\` doubled, `"` written
`\\"`, and then every character outside a small safe set escaped with `^`.
"""

from __future__ import annotations

import re

_CMD_SAFE = re.compile(r"[^a-zA-Z0-9\s_\-:=+~'/.,?;()*`]")


def _bash_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _cmd_quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = _CMD_SAFE.sub(lambda m: "^" + m.group(0), escaped)
    return '^"' + escaped + '^"'


def copy_as_curl(url: str, headers: list[tuple[str, str]], style: str) -> str:
    """The command Chrome copies for a GET of `url` with `headers`, in `style` bash or cmd."""
    quote = _bash_quote if style == "bash" else _cmd_quote
    words = [re.sub(r"[\[\]{}]", lambda m: "\\" + m.group(0), quote(url))]
    words += [f"-H {quote(f'{name}: {value}')}" for name, value in headers]
    words.append("--compressed")
    joiner = " \\\n  " if style == "bash" else " ^\r\n  "
    return "curl " + joiner.join(words)


BROWSER_HEADERS = [
    ("accept", "application/json"),
    ("accept-language", "en-GB,en;q=0.9"),
    ("sec-ch-ua", '"Chromium";v="122", "Not(A:Brand";v="24"'),
    ("sec-ch-ua-platform", '"Windows"'),
    ("user-agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36"),
]
