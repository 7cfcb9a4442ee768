"""A pasted cURL command -> the GET request it describes, with its credential set apart.

Commands come from customers, colleagues and browsers ("Copy as cURL" in Chrome and Firefox), in
two shell dialects:

- POSIX shells (bash, zsh): '...', "..." (backslash escapes `$ ` " \\` and newlines), $'...'
  (ANSI-C escapes such as \\n, \\xHH, \\u2713), backslash escapes and backslash-newline line
  continuations. A `$NAME` is kept as written (explorer never expands variables).
- Windows cmd: `^` escapes the next character outside double quotes, `^` at a line end continues
  the line, and the program then splits its command line as the Microsoft C runtime does (`"`
  toggles quoting, `\\"` is a literal quote, `""` inside quotes too). Chrome's "Copy as cURL
  (cmd)" writes every argument as ^"...^" with ^\\^" for a quote inside, which this reads.

Browsers also escape `[ ] { }` in the URL with a backslash (curl's globbing); those are undone
unless the command says -g/--globoff.

Only reads are opened: a method other than GET, a body without -G, an upload or a form is refused
with the reason, as is an option this module does not know. The credential (an x-api-key or other
key header, Authorization Bearer/Basic or another scheme, -u, user info in the URL, an api-key
query parameter, a cookie) is taken out of the request: it never reaches the URL, the log or a
saved query, and goes to the secret store for this session only.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from explorer.core.errors import CurlCommandError
from explorer.core.requestlog import MASK, is_sensitive_name
from explorer.core.secrets import Credentials
from explorer.core.settings import ApiKeySettings, AuthKind

__all__ = [
    "CurlCredential",
    "CurlRequest",
    "looks_like_curl",
    "parse_curl",
    "without_credential_params",
]


@dataclass(frozen=True)
class CurlCredential:
    """The credential a command carries; `source` names where it was, never its value."""

    kind: AuthKind  # API_KEY, BEARER or BASIC
    secret: str = field(repr=False)
    source: str
    identity: str | None = field(default=None, repr=False)  # the basic username
    placement: ApiKeySettings = field(default_factory=ApiKeySettings)  # for an API key

    def credentials(self) -> Credentials:
        return Credentials(self.secret, self.identity)

    def encode(self) -> str:
        """The secret store's value for a profile of this scheme (see secrets.Credentials)."""
        return self.credentials().encode()

    def values(self) -> tuple[str, ...]:
        return self.credentials().values()

    @property
    def placeholder(self) -> bool:
        """The command names a variable (`$EXPLORER_API_KEY`, `%KEY%`) instead of the secret:
        the scheme is known, the secret comes from the profile or the environment."""
        return bool(_PLACEHOLDER.match(self.secret)) or bool(
            self.identity and _PLACEHOLDER.match(self.identity)
        )


@dataclass(frozen=True)
class CurlRequest:
    """What a cURL command asks for, with no credential left in `url` or `headers`."""

    url: str  # absolute; user info and credential query parameters removed
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()  # the other headers (explorer sends its own)
    credential: CurlCredential | None = None
    insecure: bool = False  # -k: curl would not check the server's certificate
    notes: tuple[str, ...] = ()  # what was left out or means something else here, in words

    @property
    def origin(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}".lower()

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"

    def summary(self) -> str:
        """One line for a preview: the request and where its credential was."""
        what = f"{self.method} {self.url}"
        if self.credential is not None and self.credential.placeholder:
            return f"{what} · credential: the profile's own (the command names a variable)"
        if self.credential is not None:
            return f"{what} · credential: {self.credential.source} (kept for this session only)"
        return f"{what} · no credential in the command"


# ---------------------------------------------------------------- splitting into words


class _Operator(str):
    """A shell control operator (`|`, `;`, `&`, `&&`, `>`...): where the curl command ends."""


def looks_like_curl(text: str) -> bool:
    """Whether the text starts like a cURL command (for prefilling from the clipboard)."""
    return bool(re.match(r"\s*(?:\$\s+)?(?:\S*[/\\])?curl(?:\.exe)?(?:\s|$)", text, re.I))


def _is_cmd_style(text: str) -> bool:
    return bool(re.search(r'\^\r?\n|\^"', text)) or bool(re.match(r"\s*curl\.exe\b", text, re.I))


def split_words(text: str) -> list[str]:
    """The command's words, as the shell would hand them to curl (operators as `_Operator`)."""
    return _split_cmd(text) if _is_cmd_style(text) else _split_posix(text)


def _unbalanced(quote_char: str, at: int) -> CurlCommandError:
    return CurlCommandError(
        f"The command has an unbalanced quote: the {quote_char} at character {at + 1} is never "
        "closed; paste the whole command."
    )


_ANSI_SIMPLE = {
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}
_ANSI_NUMERIC = {"x": (16, 2), "u": (16, 4), "U": (16, 8)}


def _ansi_c(text: str, start: int) -> tuple[str, int]:
    """The value of a $'...' word starting at `start` (the $), and the index after it."""
    out: list[str] = []
    i, n = start + 2, len(text)
    while i < n:
        c = text[i]
        if c == "'":
            return "".join(out), i + 1
        if c != "\\" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        e = text[i + 1]
        if e in _ANSI_SIMPLE:
            out.append(_ANSI_SIMPLE[e])
            i += 2
        elif e in _ANSI_NUMERIC:
            base, width = _ANSI_NUMERIC[e]
            digits = re.match(f"[0-9a-fA-F]{{1,{width}}}", text[i + 2 :])
            if digits:
                out.append(chr(int(digits.group(0), base)))
                i += 2 + len(digits.group(0))
            else:
                out.append("\\" + e)
                i += 2
        elif e in "01234567":
            digits = re.match(r"[0-7]{1,3}", text[i + 1 :])
            assert digits is not None
            out.append(chr(int(digits.group(0), 8)))
            i += 1 + len(digits.group(0))
        else:
            out.append("\\" + e)
            i += 2
    raise _unbalanced("$'", start)


def _split_posix(text: str) -> list[str]:
    words: list[str] = []
    buf: list[str] = []
    started = False
    i, n = 0, len(text)

    def flush() -> None:
        nonlocal started
        if started:
            words.append("".join(buf))
        buf.clear()
        started = False

    while i < n:
        c = text[i]
        if c == "\\":
            if text.startswith("\n", i + 1):
                i += 2  # a line continuation
            elif text.startswith("\r\n", i + 1):
                i += 3
            elif i + 1 < n:
                buf.append(text[i + 1])
                started = True
                i += 2
            else:
                i += 1
        elif c in " \t\r\n":
            flush()
            i += 1
        elif c == "'":
            end = text.find("'", i + 1)
            if end < 0:
                raise _unbalanced("'", i)
            buf.append(text[i + 1 : end])
            started = True
            i = end + 1
        elif c == "$" and text.startswith("'", i + 1):
            value, i = _ansi_c(text, i)
            buf.append(value)
            started = True
        elif c == '"':
            k = i + 1
            while True:
                if k >= n:
                    raise _unbalanced('"', i)
                ch = text[k]
                if ch == "\\" and k + 1 < n and text[k + 1] in '$`"\\\n':
                    if text[k + 1] != "\n":
                        buf.append(text[k + 1])
                    k += 2
                elif ch == '"':
                    break
                else:
                    buf.append(ch)
                    k += 1
            started = True
            i = k + 1
        elif c in "|;&<>":
            flush()
            op = text[i : i + 2] if text[i : i + 2] in ("&&", "||", ">>") else c
            words.append(_Operator(op))
            i += len(op)
        elif c == "#" and not started:
            end = text.find("\n", i)
            i = n if end < 0 else end  # a comment runs to the end of the line
        else:
            buf.append(c)
            started = True
            i += 1
    flush()
    return words


def _split_cmd(text: str) -> list[str]:
    """cmd.exe first (carets, line continuations, operators), then the C runtime's splitting."""
    segments: list[str] = []
    operators: list[str] = []
    out: list[str] = []
    quoted = False
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            quoted = not quoted
            out.append(c)
            i += 1
        elif c == "^" and not quoted:
            if text.startswith("\r\n", i + 1):
                i += 3
            elif text.startswith("\n", i + 1):
                i += 2
            else:
                out.append(text[i + 1 : i + 2])
                i += 2
        elif c in "&|<>" and not quoted:
            op = text[i : i + 2] if text[i : i + 2] in ("&&", "||", ">>") else c
            segments.append("".join(out))
            operators.append(op)
            out = []
            i += len(op)
        elif c in "\r\n" and not quoted:
            out.append(" ")  # a line break without ^ ends a cmd command; treat as a space
            i += 1
        else:
            out.append(c)
            i += 1
    if quoted:
        raise _unbalanced('"', text.rfind('"'))
    segments.append("".join(out))
    words: list[str] = []
    for index, segment in enumerate(segments):
        words.extend(_split_crt(segment))
        if index < len(operators):
            words.append(_Operator(operators[index]))
    return words


def _split_crt(line: str) -> list[str]:
    """Arguments as the Microsoft C runtime splits a command line."""
    words: list[str] = []
    buf: list[str] = []
    started = quoted = False
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c == "\\":
            j = i
            while j < n and line[j] == "\\":
                j += 1
            count = j - i
            if j < n and line[j] == '"':
                buf.append("\\" * (count // 2))
                if count % 2:
                    buf.append('"')
                    j += 1
                i = j
            else:
                buf.append("\\" * count)
                i = j
            started = True
        elif c == '"':
            if quoted and line.startswith('"', i + 1):
                buf.append('"')
                i += 2
            else:
                quoted = not quoted
                i += 1
            started = True
        elif c in " \t" and not quoted:
            if started:
                words.append("".join(buf))
            buf, started = [], False
            i += 1
        else:
            buf.append(c)
            started = True
            i += 1
    if started:
        words.append("".join(buf))
    return words


# ---------------------------------------------------------------- options

_SHORT = {
    "H": "--header",
    "X": "--request",
    "d": "--data",
    "G": "--get",
    "u": "--user",
    "b": "--cookie",
    "k": "--insecure",
    "L": "--location",
    "s": "--silent",
    "S": "--show-error",
    "v": "--verbose",
    "i": "--include",
    "f": "--fail",
    "g": "--globoff",
    "A": "--user-agent",
    "e": "--referer",
    "o": "--output",
    "O": "--remote-name",
    "m": "--max-time",
    "w": "--write-out",
    "D": "--dump-header",
    "N": "--no-buffer",
    "#": "--progress-bar",
    "4": "--ipv4",
    "6": "--ipv6",
    "I": "--head",
    "F": "--form",
    "T": "--upload-file",
    "x": "--proxy",
    "E": "--cert",
    "K": "--config",
    "c": "--cookie-jar",
}

# Flags that change nothing about which records a GET returns (browsers add several).
_HARMLESS_FLAGS = frozenset(
    {
        "--compressed",
        "--silent",
        "--show-error",
        "--verbose",
        "--include",
        "--fail",
        "--fail-with-body",
        "--progress-bar",
        "--no-progress-meter",
        "--no-buffer",
        "--http1.0",
        "--http1.1",
        "--http2",
        "--http2-prior-knowledge",
        "--http3",
        "--tlsv1",
        "--tlsv1.2",
        "--tlsv1.3",
        "--ipv4",
        "--ipv6",
        "--remote-name",
        "--globoff",
        "--location",
        "--insecure",
        "--get",
        "--path-as-is",
        "--no-keepalive",
        "--raw",
        "--tr-encoding",
    }
)
# Options with a value that changes nothing here either (where curl writes, how long it waits).
_HARMLESS_WITH_VALUE = frozenset(
    {
        "--user-agent",
        "--referer",
        "--output",
        "--max-time",
        "--connect-timeout",
        "--retry",
        "--retry-delay",
        "--retry-max-time",
        "--write-out",
        "--dump-header",
        "--max-redirs",
        "--cookie-jar",
        "--cacert",
        "--capath",
    }
)
_DATA = ("--data", "--data-ascii", "--data-binary", "--data-raw", "--data-urlencode")
_WITH_VALUE = frozenset(
    {
        *_HARMLESS_WITH_VALUE,
        *_DATA,
        "--header",
        "--request",
        "--user",
        "--cookie",
        "--url",
        "--oauth2-bearer",
    }
)
# Options explorer refuses, each with what to do instead.
_REFUSED = {
    "--head": "asks for headers only (-I, a HEAD request); explorer opens GET requests",
    "--form": "posts a form (-F); explorer opens GET requests only",
    "--upload-file": "uploads a file (-T, a PUT); explorer opens GET requests only",
    "--json": "posts JSON (--json); explorer opens GET requests only",
    "--proxy": "names a proxy (-x); explorer uses HTTPS_PROXY from the environment instead",
    "--cert": "uses a client certificate (-E), which explorer does not send",
    "--key": "uses a client certificate key (--key), which explorer does not send",
    "--config": "reads its options from a file (-K); paste the options themselves",
    "--netrc": "reads credentials from ~/.netrc; put the key or login in the command instead",
    "--digest": "uses HTTP digest authentication, which explorer does not speak",
    "--ntlm": "uses NTLM authentication, which explorer does not speak",
    "--negotiate": "uses Kerberos (negotiate) authentication, which explorer does not speak",
}

# Request headers a browser or curl adds that say nothing about which records come back.
_BROWSER_HEADERS = re.compile(
    r"^(accept(-.*)?|user-agent|referer|origin|priority|dnt|cache-control|pragma|connection|"
    r"content-type|content-length|upgrade-insecure-requests|if-none-match|if-modified-since|"
    r"x-requested-with|te|host|sec-.*)$",
    re.I,
)
_PLACEHOLDER = re.compile(r"^(\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|%[A-Za-z_][A-Za-z0-9_]*%)$")


def _words_to_options(words: list[str]) -> list[tuple[str, str | None]]:
    """(long option or "" for a URL, value) pairs; clusters such as -sSL and -XGET unpacked."""
    pairs: list[tuple[str, str | None]] = []
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word.startswith("--") and len(word) > 2:
            if word in _WITH_VALUE or word in _REFUSED_WITH_VALUE:
                if i >= len(words) or isinstance(words[i], _Operator):
                    raise CurlCommandError(f"The curl option {word} needs a value after it.")
                pairs.append((word, words[i]))
                i += 1
            else:
                pairs.append((word, None))
        elif word.startswith("-") and len(word) > 1:
            letters = word[1:]
            for index, letter in enumerate(letters):
                name = _SHORT.get(letter)
                if name is None:
                    raise CurlCommandError(
                        f"explorer does not read the curl option -{letter}"
                        + (f" (in {word})" if len(letters) > 1 else "")
                        + "; remove it and paste the command again."
                    )
                if name in _WITH_VALUE or name in _REFUSED_WITH_VALUE:
                    rest = letters[index + 1 :]
                    if rest:
                        pairs.append((name, rest))
                    elif i < len(words) and not isinstance(words[i], _Operator):
                        pairs.append((name, words[i]))
                        i += 1
                    else:
                        raise CurlCommandError(f"The curl option -{letter} needs a value after it.")
                    break
                pairs.append((name, None))
        else:
            pairs.append(("", word))
    return pairs


_REFUSED_WITH_VALUE = frozenset(
    {"--form", "--upload-file", "--json", "--proxy", "--cert", "--key", "--config"}
)


# ---------------------------------------------------------------- the request


def parse_curl(text: str) -> CurlRequest:
    """The GET request a cURL command describes; CurlCommandError names why it cannot be read."""
    if not text.strip():
        raise CurlCommandError("Nothing to read: paste a cURL command (curl 'https://…').")
    if not looks_like_curl(text):
        first = text.strip().split(None, 1)[0][:40]
        raise CurlCommandError(
            f"This is not a cURL command: it starts with {first!r} instead of curl. Paste a "
            "command such as curl 'https://api.scalepad.com/core/v1/clients' -H 'x-api-key: …'."
        )
    words = split_words(text)
    if words and words[0] == "$":
        words = words[1:]
    command, notes = _one_command(words[1:])
    pairs = _words_to_options(command)

    urls: list[str] = []
    headers: list[tuple[str, str]] = []
    data: list[str] = []
    data_option = ""
    cookies: list[str] = []
    method: str | None = None
    get = globoff = insecure = follows = False
    user: str | None = None
    bearer: str | None = None
    for name, value in pairs:
        if name in ("", "--url"):
            urls.append(str(value))
        elif name == "--header":
            header = _header(str(value))
            if header is not None:
                headers.append(header)
        elif name == "--request":
            method = str(value).upper()
        elif name in _DATA:
            data.append(_data_item(name, str(value)))
            data_option = data_option or name
        elif name == "--get":
            get = True
        elif name == "--user":
            user = str(value)
        elif name == "--cookie":
            if "=" not in str(value):
                raise CurlCommandError(
                    f"The command reads cookies from the file {value!r} (-b); paste the cookie "
                    "itself (-b 'name=value') or the key as a header."
                )
            cookies.append(str(value))
        elif name == "--oauth2-bearer":
            bearer = str(value)
        elif name == "--globoff":
            globoff = True
        elif name == "--insecure":
            insecure = True
        elif name == "--location":
            follows = True
        elif name in _REFUSED:
            raise CurlCommandError(f"This cURL command {_REFUSED[name]}.")
        elif name in _HARMLESS_FLAGS or name in _HARMLESS_WITH_VALUE:
            continue
        else:
            raise CurlCommandError(
                f"explorer does not read the curl option {name}; remove it and paste the command "
                "again."
            )

    if not urls:
        raise CurlCommandError("The cURL command has no URL; add the request's https:// address.")
    if len(urls) > 1:
        raise CurlCommandError(
            f"The cURL command has {len(urls)} URLs ({', '.join(_shown(u, 60) for u in urls)}); "
            "paste one request at a time."
        )
    if method is not None and method != "GET":
        raise CurlCommandError(
            f"This cURL command is a {method} request (-X {method}); explorer opens GET "
            "requests only."
        )
    if data and not get:
        raise CurlCommandError(
            f"This cURL command sends a body ({data_option}) without -G, so curl would POST it; "
            "explorer opens GET requests only (with -G the data goes into the query string)."
        )
    url = _clean_url(urls[0], globoff)
    if data:
        url += ("&" if urlsplit(url).query else "?") + "&".join(d for d in data if d)

    url, found, dropped = _credentials(url, headers, user, bearer, cookies)
    kept = [(k, v) for k, v in headers if not _is_credential_header(k)]
    credential = found[0] if found else None
    if credential is not None and credential.placeholder:
        notes.append(
            f"The command names {credential.secret} instead of a credential; the profile's own "
            "credential is used."
        )
    if len(found) > 1:
        others = ", ".join(c.source for c in found[1:])
        notes.append(f"The command carries more than one credential: {others} left out.")
    notes.extend(dropped)
    custom = [k for k, _ in kept if not _BROWSER_HEADERS.match(k)]
    if custom:
        notes.append(
            f"Not sent: the header{'s' if len(custom) > 1 else ''} {', '.join(custom)} "
            "(explorer sends the profile's own headers)."
        )
    if insecure:
        notes.append(
            "-k (--insecure) tells curl not to check the server's TLS certificate; explorer still "
            "checks it (behind a proxy that re-signs TLS, set its CA bundle in the profile's TLS "
            "options)."
        )
    if follows:
        notes.append(
            "-L (follow redirects) is not followed: explorer sends a credential only to the API's "
            "own address."
        )
    return CurlRequest(
        url=url,
        headers=tuple(kept),
        credential=credential,
        insecure=insecure,
        notes=tuple(notes),
    )


def _one_command(words: list[str]) -> tuple[list[str], list[str]]:
    """The words up to the first shell operator; a second curl command is refused."""
    for index, word in enumerate(words):
        if isinstance(word, _Operator):
            rest = words[index + 1 :]
            if any(looks_like_curl(w) and not isinstance(w, _Operator) for w in rest):
                raise CurlCommandError(
                    "The text holds more than one cURL command; paste one request at a time."
                )
            then = f" ({rest[0][:20]} …)" if rest else ""
            return words[:index], [f"Left out what follows {word}{then}: not part of the request."]
    return list(words), []


def _header(text: str) -> tuple[str, str] | None:
    name, colon, value = text.partition(":")
    if not colon:
        return None  # `Name;` sends an empty header: nothing a GET's records depend on
    name, value = name.strip(), value.strip()
    return (name, value) if name and value else None


def _data_item(option: str, value: str) -> str:
    """One -d/--data-urlencode value as it goes into the query string with -G."""
    if option == "--data-urlencode":
        name, eq, content = value.partition("=")
        if not eq:
            name, content = "", value
        if content.startswith("@") or (not eq and "@" in value):
            raise CurlCommandError(
                f"The command reads data from a file ({option} {value}); paste the values "
                "themselves."
            )
        encoded = quote(content, safe="")
        return f"{name}={encoded}" if name else encoded
    if value.startswith("@") and option != "--data-raw":
        raise CurlCommandError(
            f"The command reads data from a file ({option} {value}); paste the values themselves."
        )
    return value


def _shown(url: str, limit: int = 80) -> str:
    """A URL fit for a message: no user info, no key or token in the query, not too long."""
    text = re.sub(r"^([a-z][a-z0-9+.-]*://)[^/@]*@", r"\1", url, flags=re.I)
    text = re.sub(
        r"([?&])([^=&#]*)=([^&#]*)",
        lambda m: (
            f"{m.group(1)}{m.group(2)}={MASK if is_sensitive_name(m.group(2)) else m.group(3)}"
        ),
        text,
    )
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clean_url(raw: str, globoff: bool) -> str:
    url = raw.strip()
    if not globoff:
        url = re.sub(r"\\([\[\]{}])", r"\1", url)  # curl's glob escapes, as browsers write them
    if not re.match(r"^https?://", url, re.I):
        if re.match(r"^[a-z][a-z0-9+.-]*://", url, re.I):
            raise CurlCommandError(
                f"The URL {_shown(url)} is not http or https; explorer opens web API requests."
            )
        raise CurlCommandError(
            f"The URL {_shown(url)} has no https:// (or http://); add it and paste again."
        )
    parts = urlsplit(url)
    if not parts.hostname:
        raise CurlCommandError(f"The URL {_shown(url)} has no host name.")
    return url


# ---------------------------------------------------------------- credentials


def _is_credential_header(name: str) -> bool:
    return is_sensitive_name(name)


def without_credential_params(url: str) -> tuple[str, list[tuple[str, str]]]:
    """The URL without query parameters that hold a key, token or password, and those pairs.

    The rest of the query string is kept exactly as written (its encoding too)."""
    parts = urlsplit(url)
    if not parts.query:
        return url, []
    kept: list[str] = []
    removed: list[tuple[str, str]] = []
    for piece in parts.query.split("&"):
        pairs = parse_qsl(piece, keep_blank_values=True)
        if pairs and is_sensitive_name(pairs[0][0]):
            removed.append(pairs[0])
        elif piece:
            kept.append(piece)
    clean = urlunsplit(parts._replace(query="&".join(kept)))
    return clean, removed


def _credentials(
    url: str,
    headers: list[tuple[str, str]],
    user: str | None,
    bearer: str | None,
    cookies: list[str],
) -> tuple[str, list[CurlCredential], list[str]]:
    """The URL without credentials, every credential found (the one to use first), and notes."""
    found: list[CurlCredential] = []
    notes: list[str] = []
    for name, value in headers:
        lowered = name.lower()
        if lowered == "authorization":
            found.append(_authorization(name, value))
        elif lowered == "proxy-authorization":
            notes.append("Not sent: the Proxy-Authorization header (a proxy's login).")
        elif lowered == "cookie":
            cookies.append(value)
        elif is_sensitive_name(name):
            placement = ApiKeySettings(location="header", name=name)
            found.append(
                CurlCredential(AuthKind.API_KEY, value, f"the {name} header", None, placement)
            )
    parts = urlsplit(url)
    if parts.username is not None:
        found.append(
            CurlCredential(
                AuthKind.BASIC, parts.password or "", "the user name in the URL", parts.username
            )
        )
        netloc = parts.hostname or ""
        if parts.port is not None:
            netloc += f":{parts.port}"
        url = urlunsplit(parts._replace(netloc=netloc))
    if user is not None:
        identity, colon, password = user.partition(":")
        if not colon:
            raise CurlCommandError(
                f"-u {identity} gives a user name without a password (curl would ask for it); "
                "write -u 'name:password'."
            )
        found.append(CurlCredential(AuthKind.BASIC, password, "-u (basic login)", identity))
    if bearer is not None:
        found.append(CurlCredential(AuthKind.BEARER, bearer, "--oauth2-bearer"))
    url, params = without_credential_params(url)
    for name, value in params:
        placement = ApiKeySettings(location="query", name=name)
        found.append(
            CurlCredential(AuthKind.API_KEY, value, f"the {name} query parameter", None, placement)
        )
    jar = [c for text in cookies for c in _cookie_pairs(text)]
    if jar:
        chosen = _session_cookie(jar) if not found else None
        if chosen is not None:
            name, value = chosen
            placement = ApiKeySettings(location="cookie", name=name)
            found.append(
                CurlCredential(AuthKind.API_KEY, value, f"the {name} cookie", None, placement)
            )
        left = len(jar) - (1 if chosen else 0)
        if left:
            notes.append(
                f"Not sent: {left} cookie{'s' if left != 1 else ''} of the browser's session "
                "(explorer sends one credential)."
            )
    return url, found, notes


def _authorization(name: str, value: str) -> CurlCredential:
    scheme, _, token = value.partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token:
        return CurlCredential(AuthKind.BEARER, token, "the Authorization header (Bearer)")
    if scheme.lower() == "basic" and token:
        try:
            decoded = base64.b64decode(token, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise CurlCommandError(
                "The Authorization header says Basic but its value is not base64 of name:password."
            ) from None
        identity, _, password = decoded.partition(":")
        return CurlCredential(
            AuthKind.BASIC, password, "the Authorization header (Basic)", identity
        )
    if token and scheme.isalpha():  # Token abc, Api-Key abc: a key with that prefix
        placement = ApiKeySettings(location="header", name=name, prefix=f"{scheme} ")
        return CurlCredential(
            AuthKind.API_KEY, token, f"the Authorization header ({scheme})", None, placement
        )
    placement = ApiKeySettings(location="header", name=name)
    return CurlCredential(AuthKind.API_KEY, value, "the Authorization header", None, placement)


def _cookie_pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for piece in text.split(";"):
        name, eq, value = piece.strip().partition("=")
        if eq and name.strip():
            pairs.append((name.strip(), value.strip()))
    return pairs


_SESSION_COOKIE = re.compile(r"session|^sid$|auth", re.I)


def _session_cookie(jar: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The cookie to send as the credential: the only one, or the only one named like a key."""
    if len(jar) == 1:
        return jar[0]
    named = [c for c in jar if is_sensitive_name(c[0]) or _SESSION_COOKIE.search(c[0])]
    return named[0] if len(named) == 1 else None
