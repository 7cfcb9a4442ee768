"""A resume point kept on disk without the credentials a server may have put into it.

Some APIs build their paging token (a cursor, a next-page URL) from the request, key included;
the resume point of an unfinished export would then carry the key into `<out>.partial.json`.
Before it is saved, every written form of each secret (as is, percent-encoded, JSON-escaped,
inside base64: requestlog.written_forms) is replaced by a placeholder naming the secret and the
form; a resume puts the same forms of the credential it runs with back. With another credential
the placeholders cannot be filled, and the resume says so instead of sending a broken token.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from explorer.core.errors import ResumeMismatch
from explorer.core.requestlog import written_forms

_PLACEHOLDER = "\u27e6credential {secret}.{form}\u27e7"  # ⟦credential 0.3⟧
_PLACEHOLDER_RE = re.compile("\u27e6credential (\\d+)\\.(\\d+)\u27e7")


def _forms(secret: str) -> list[str]:
    # A stable order (written_forms' ties follow set order, which changes between processes).
    return sorted(written_forms(secret), key=lambda form: (-len(form), form))


def _usable(secrets: Sequence[str]) -> list[str]:
    return [s for s in secrets if s and len(s) >= 4]


def stash(resume: dict[str, Any], secrets: Sequence[str]) -> dict[str, Any]:
    """`resume` with every form of every secret replaced by its placeholder."""
    text = json.dumps(resume, ensure_ascii=False)
    replacements = [
        (form, _PLACEHOLDER.format(secret=i, form=j))
        for i, secret in enumerate(_usable(secrets))
        for j, form in enumerate(_forms(secret))
    ]
    if not any(form in text for form, _ in replacements):
        return resume
    for form, placeholder in sorted(replacements, key=lambda pair: -len(pair[0])):
        text = text.replace(form, placeholder)
    stashed: dict[str, Any] = json.loads(text)
    return stashed


def restore(resume: dict[str, Any], secrets: Sequence[str]) -> dict[str, Any]:
    """The resume point with the credential put back; ResumeMismatch when it cannot be."""
    text = json.dumps(resume, ensure_ascii=False)
    if not _PLACEHOLDER_RE.search(text):
        return resume
    usable = _usable(secrets)
    forms = [_forms(secret) for secret in usable]

    def fill(match: re.Match[str]) -> str:
        i, j = int(match.group(1)), int(match.group(2))
        if i >= len(forms) or j >= len(forms[i]):
            raise ResumeMismatch(
                "The saved resume point needs a credential this run does not have",
                explanation="The API's paging token of the unfinished export contains the "
                "credential it was made with, which was not saved; resume with that same "
                "credential, or export again from the start (without --resume).",
            )
        # The form is JSON text already (json.dumps escaped it when it was stashed).
        return forms[i][j]

    restored: dict[str, Any] = json.loads(_PLACEHOLDER_RE.sub(fill, text))
    return restored
