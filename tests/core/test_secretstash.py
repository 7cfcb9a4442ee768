"""A resume point saved without the credential a paging token carried, and filled again."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest

from explorer.core.errors import ResumeMismatch
from explorer.core.requestlog import written_forms
from explorer.core.secretstash import restore, stash

KEY = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"


def tokens(key: str) -> dict[str, object]:
    """A resume point holding the key as is, percent-encoded in a next URL and inside base64."""
    packed = base64.urlsafe_b64encode(json.dumps({"o": 100, "k": key}).encode()).decode()
    return {
        "kind": "next_url",
        "next_url": f"https://api.example.com/v1/items?page=3&api_key={quote(key, safe='')}",
        "cursor": packed,
        "plain": key,
        "count": 3,
    }


def test_no_form_of_the_key_is_left_and_the_same_key_restores_every_byte() -> None:
    saved = stash(tokens(KEY), [KEY])
    text = json.dumps(saved)
    assert not [form for form in written_forms(KEY) if form in text]
    assert restore(saved, [KEY]) == tokens(KEY)


def test_a_point_without_the_key_is_kept_as_it_is() -> None:
    point = {"kind": "cursor", "cursor": "abc123", "count": 1}
    assert stash(point, [KEY]) is point
    assert restore(point, []) is point


def test_the_order_of_the_credentials_is_what_the_placeholders_follow() -> None:
    other = "a-second-secret-value"
    saved = stash({"a": KEY, "b": other}, [other, KEY])
    assert restore(saved, [other, KEY]) == {"a": KEY, "b": other}


def test_a_resume_without_the_credential_is_refused_with_the_reason() -> None:
    saved = stash(tokens(KEY), [KEY])
    with pytest.raises(ResumeMismatch) as caught:
        restore(saved, [])
    assert "same credential" in caught.value.explanation
