"""Mask secrets in text a report will show: snippets, messages, scanner failure reasons.

A scanner that flags a hard-coded password quotes the password back in its snippet; every
reporter runs text through `redact` so the report does not leak what it warns about.
Masking is deliberately greedy: a false positive costs a little readability, a miss leaks a secret.
"""

from __future__ import annotations

import re

MASK = "***"

# `scheme://user:SECRET@host`: the password runs to the last `@` before the host part.
_DSN = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@'\"]*:)(?P<secret>[^\s/'\"]+)(?=@)")

_CREDENTIAL_NAME = (
    r"[\w.\-]*(?:password|passwd|pwd|passphrase|secret|token|api[_\-]?key|access[_\-]?key|private[_\-]?key)[\w\-]*"
)
# `password = "hunter2"`, `"api_key": 'x'`, `token => "x"`: mask the string literal's contents.
_QUOTED_ASSIGNMENT = re.compile(
    rf"(?P<head>(?i:{_CREDENTIAL_NAME})['\"]?\s*(?::|=>|:=|=)\s*[rRbBuU]?(?P<quote>['\"]))"
    r"(?P<secret>(?:(?!(?P=quote)).)+)(?P=quote)"
)
# libpq conninfo and query strings: `password=hunter2` with no quotes; a call such as
# `password=get_password()` is code, not a secret, so values followed by `(` are left alone.
_BARE_ASSIGNMENT = re.compile(
    rf"(?P<head>\b(?i:{_CREDENTIAL_NAME})=)(?P<secret>(?![\w.]*\()[^\s'\"&;,()\[\]{{}}]+)"
)
_AWS_ACCESS_KEY = re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}\b")
_GITHUB_TOKEN = re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})\b")
_AUTH_HEADER = re.compile(r"\b(?P<head>(?:Bearer|Basic)\s+)(?P<secret>[A-Za-z0-9\-._~+/]{8,}=*)")
# A truncated snippet may hold the BEGIN line without its END: mask to the end of the text then.
_PRIVATE_KEY = re.compile(
    r"(?P<begin>-----BEGIN (?P<kind>[A-Z0-9 ]*)PRIVATE KEY-----).*?(?:-----END (?P=kind)PRIVATE KEY-----|\Z)",
    re.DOTALL,
)


def _mask_group(match: re.Match[str]) -> str:
    whole, secret = match.group(0), match.group("secret")
    if secret == MASK:
        return whole
    start, end = match.span("secret")
    offset = match.start()
    return whole[: start - offset] + MASK + whole[end - offset :]


def _mask_private_key(match: re.Match[str]) -> str:
    kind = match.group("kind")
    return f"{match.group('begin')}{MASK}-----END {kind}PRIVATE KEY-----"


def redact(text: str) -> str:
    """Return `text` with credentials masked as ``***``; applying it twice changes nothing more."""
    if not text:
        return text
    text = _PRIVATE_KEY.sub(_mask_private_key, text)
    text = _DSN.sub(_mask_group, text)
    text = _QUOTED_ASSIGNMENT.sub(_mask_group, text)
    text = _BARE_ASSIGNMENT.sub(_mask_group, text)
    text = _AUTH_HEADER.sub(_mask_group, text)
    text = _AWS_ACCESS_KEY.sub(MASK, text)
    return _GITHUB_TOKEN.sub(MASK, text)
