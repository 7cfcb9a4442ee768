"""Deterministic randomness and reversible record ids.

Record i of a collection is generated from (seed, kind, i) alone, so any page can be served
without generating the records before it. Ids embed a scrambled index, so a single-record GET
finds its record in constant time (and checks the id really is one the sandbox issued).
"""

from __future__ import annotations

import hashlib
import random
import time

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def digest(seed: int, kind: str, i: int) -> bytes:
    return hashlib.blake2b(f"{seed}:{kind}:{i}".encode(), digest_size=16).digest()


def rng(seed: int, kind: str, i: int) -> random.Random:
    """A Random for record i of `kind`: the same numbers for the same (seed, kind, i)."""
    return random.Random(int.from_bytes(digest(seed, kind, i), "big"))


def _encode(value: int, alphabet: str, width: int) -> str:
    base = len(alphabet)
    out = []
    for _ in range(width):
        value, digit = divmod(value, base)
        out.append(alphabet[digit])
    return "".join(reversed(out))


def _decode(text: str, alphabet: str) -> int | None:
    value = 0
    base = len(alphabet)
    for char in text:
        digit = alphabet.find(char)
        if digit < 0:
            return None
        value = value * base + digit
    return value


class IdScheme:
    """Makes the id of record i and finds i again from an id.

    Styles: "uuid" (8-4-4-4-12 hex, Core and LM), "prefixed" (`item_` + 27 base62 characters,
    as Quoter's ids look) and "short" (8 base36 characters, as LM initiative ids look).
    """

    def __init__(self, seed: int, kind: str, style: str, prefix: str = "") -> None:
        self.seed, self.kind, self.style, self.prefix = seed, kind, style, prefix
        mask_source = digest(seed, kind + "#mask", 0)
        if style == "uuid":
            self._tail_width, self._alphabet = 12, "0123456789abcdef"
        elif style == "prefixed":
            self._tail_width, self._alphabet = 6, _BASE62
        elif style == "short":
            self._tail_width, self._alphabet = 4, _BASE36
        else:
            raise ValueError(style)
        self._modulus = len(self._alphabet) ** self._tail_width
        self._offset = int.from_bytes(mask_source, "big") % self._modulus

    def id_of(self, i: int) -> str:
        head = digest(self.seed, self.kind + "#id", i)
        scrambled = (i + self._offset) % self._modulus
        if self.style == "uuid":
            tail = f"{scrambled:012x}"
            h = head.hex()
            # Version 4 and RFC 4122 variant nibbles, so the ids look like the docs' examples.
            h = h[:12] + "4" + h[13:16] + "89ab"[head[8] % 4] + h[17:20]
            return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{tail}"
        tail = _encode(scrambled, self._alphabet, self._tail_width)
        if self.style == "prefixed":
            body = _encode(int.from_bytes(head, "big"), _BASE62, 21)
            return f"{self.prefix}{body}{tail}"
        return _encode(int.from_bytes(head, "big"), _BASE36, 4) + tail

    def index_of(self, record_id: str) -> int | None:
        """The index the id was made for, or None if the id is not one of ours."""
        if len(record_id) < self._tail_width:
            return None
        value = _decode(record_id[-self._tail_width :], self._alphabet)
        if value is None:
            return None
        i = (value - self._offset) % self._modulus
        return i if self.id_of(i) == record_id else None


def iso(ts: float) -> str:
    """UTC date-time as the API writes it: 2026-08-20T01:23:51Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def iso_date(ts: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ts))
