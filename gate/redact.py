"""Mask secrets in text a report will show: snippets, messages, traces, scanner failure reasons.

A scanner that flags a hard-coded password quotes the password back in its snippet and, for
bandit, in its message; every reporter masks the report first so it does not leak what it warns
about. Recognition is detect-secrets' plugins (keywords per file type, AWS/GitHub/Slack/... keys,
private keys, JWTs, high-entropy strings, URL credentials) plus the shapes it lacks: command-line
passwords (`mysqldump -pX`, `--password=X`), SQL `PASSWORD 'X'` / `IDENTIFIED BY 'X'`, `.env`
assignments and unquoted YAML values. Each value found is then masked wherever it appears, so a
password seen in a snippet is also masked in the message that repeats it, while a rule's own
help text (`use password=os.environ["DB_PASSWORD"]`) holds no value and stays intact.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from detect_secrets.plugins.base import BasePlugin
from detect_secrets.settings import default_settings, get_plugins

MASK = "***"
#: Values shorter than this are not masked on their own (`***` for every `pw` would wreck a report);
#: the shape patterns below still mask short values in place.
MIN_VALUE_LENGTH = 4
#: detect-secrets plugins left out: a public IP address in an envcheck message is not a secret.
_SKIPPED_PLUGINS = frozenset({"IPPublicDetector"})
#: detect-secrets' keyword rules depend on the file type. Free text (a message, a reason) is read
#: as Python, whose rules need a quoted value: prose such as `use password=os.environ[...]` is not
#: a secret, while YAML's rules would take `os.environ[` for one.
_FREE_TEXT = "text.py"
# `os.environ[`, `settings.DB_PASSWORD`, `get_password(`: a reference in code, not a value.
_CODE_REFERENCE = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*[\[(]|^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$")
_LONGEST_LINE = 4_000  # a minified line is not worth scanning character by character

# `scheme://user:SECRET@host`: the password runs to the last `@` before the host part.
_DSN = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@'\"]*:)(?P<secret>[^\s/'\"]+)(?=@)")
# The lookbehind starts a name only where one can start: without it the leading `[\w.\-]*` is retried
# at every position of every word, which made this the slowest pattern by far.
_CREDENTIAL_NAME = (
    r"(?<![\w.\-])[\w.\-]*"
    r"(?:password|passwd|pwd|passphrase|secret|token|api[_\-]?key|access[_\-]?key|private[_\-]?key)[\w\-]*"
)
# `password = "hunter2"`, `"api_key": 'x'`, `token => "x"`: mask the string literal's contents.
_QUOTED_ASSIGNMENT = re.compile(
    rf"(?P<head>(?i:{_CREDENTIAL_NAME})['\"]?\s*(?::|=>|:=|=)\s*[rRbBuU]?(?P<quote>['\"]))"
    r"(?P<secret>(?!\{\{)(?:(?!(?P=quote)).)+)(?P=quote)"
)
# libpq conninfo, query strings and .env files: `password=hunter2` with no quotes. Code is not a
# secret: a call (`get_password()`), a subscript (`os.environ["X"]`) or a dotted name is left alone.
_BARE_ASSIGNMENT = re.compile(
    rf"(?P<head>\b(?i:{_CREDENTIAL_NAME})=)"
    r"(?P<secret>(?![\w.]*[(\[])(?![A-Za-z_]\w*(?:\.\w+)+(?:[\s,)]|$))[^\s'\"&;,()\[\]{}]+)"
)
# YAML / INI without quotes: `db_password: S3cr3t`, `password = S3cr3t`. Templates, vault
# references and empty values are not secrets.
_UNQUOTED_VALUE = re.compile(
    rf"(?P<head>^\s*-?\s*(?i:{_CREDENTIAL_NAME})\s*(?::|=)[ \t]+)"
    r"(?P<secret>(?!\{\{|!vault|\$ANSIBLE_VAULT|['\"]|\||>|\*\*\*|\[|\{)\S[^\n#]*?)\s*$",
    re.MULTILINE,
)
# `mysql -pS3cr3t`, `mysqldump -p'S3cr3t'`, `--password=S3cr3t`, `--password S3cr3t`, `PGPASSWORD=x`.
_CLI_PASSWORD = re.compile(
    r"(?P<head>(?:\bmysql\w*|\bmariadb\w*)\b[^\n|;&]*?\s-p)(?P<quote>['\"]?)(?P<secret>[^\s'\"]+)(?P=quote)"
    r"|(?P<head2>--(?:password|passwd|pass|token|secret|api-key)(?:=|\s+))(?P<quote2>['\"]?)(?P<secret2>[^\s'\"]+)"
)
# SQL: `PASSWORD 'x'`, `IDENTIFIED BY 'x'`, `PASSWORD = 'x'`, `ENCRYPTED PASSWORD 'x'`.
_SQL_PASSWORD = re.compile(
    r"(?P<head>(?i:\bpassword\s*=?\s*|\bidentified\s+by\s+(?:password\s+)?))(?P<quote>['\"])"
    r"(?P<secret>(?:(?!(?P=quote)).)+)(?P=quote)"
)
_AWS_ACCESS_KEY = re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}\b")
_GITHUB_TOKEN = re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})\b")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_\-]{5,}\.eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]*")
_AUTH_HEADER = re.compile(r"\b(?P<head>(?:Bearer|Basic)\s+)(?P<secret>[A-Za-z0-9\-._~+/]{8,}=*)")
# A truncated snippet may hold the BEGIN line without its END: mask to the end of the text then.
_PRIVATE_KEY = re.compile(
    r"(?P<begin>-----BEGIN (?P<kind>[A-Z0-9 ]*)PRIVATE KEY-----).*?(?:-----END (?P=kind)PRIVATE KEY-----|\Z)",
    re.DOTALL,
)
# Words a rule's help text uses where a value would go (`scheme://user:password@host`): not secrets.
_PLACEHOLDERS = frozenset(
    {"password", "passwd", "pass", "pwd", "secret", "token", "user", "username", "value", "xxx", "xxxx", "..."}
)
_HINTS = ("pass", "pwd", "secret", "token", "key", "identified", "bearer", "basic", "://", "-p")
_SHAPES = (_DSN, _QUOTED_ASSIGNMENT, _BARE_ASSIGNMENT, _UNQUOTED_VALUE, _CLI_PASSWORD, _SQL_PASSWORD, _AUTH_HEADER)


@functools.cache
def _plugins() -> tuple[BasePlugin, ...]:
    with default_settings():
        return tuple(p for p in get_plugins() if type(p).__name__ not in _SKIPPED_PLUGINS)


@functools.lru_cache(maxsize=65_536)
def _line_values(line: str, filename: str) -> frozenset[str]:
    """The secret values detect-secrets' plugins see in one line, read as `filename`'s syntax."""
    found: set[str] = set()
    for plugin in _plugins():
        for secret in plugin.analyze_line(filename=filename, line=line, line_number=0):
            if secret.secret_value:
                found.add(secret.secret_value)
    return frozenset(found)


def _may_hold_credential(text: str) -> bool:
    """A cheap test before the keyword patterns: most messages and snippets hold none of these."""
    lowered = text.lower()
    return any(hint in lowered for hint in _HINTS)


def _shape_values(text: str) -> set[str]:
    values: set[str] = set()
    for pattern in _SHAPES if _may_hold_credential(text) else ():
        for match in pattern.finditer(text):
            value = match.group("secret2") if "secret2" in pattern.groupindex and match.group("secret2") else None
            value = value or match.group("secret")
            if value:
                values.add(value)
    values.update(_AWS_ACCESS_KEY.findall(text))
    values.update(_GITHUB_TOKEN.findall(text))
    values.update(_JWT.findall(text))
    return values


@functools.lru_cache(maxsize=65_536)  # every reporter masks its own copy of the same report
def secret_values(text: str, filename: str = "") -> frozenset[str]:
    """Every secret value recognised in `text` (a snippet of `filename`, or free text)."""
    if not text:
        return frozenset()
    syntaxes = (filename, _FREE_TEXT) if filename else (_FREE_TEXT,)
    values = _shape_values(text)
    for line in text.splitlines():
        line = line[:_LONGEST_LINE]
        if line.strip():
            for syntax in syntaxes:
                values.update(_line_values(line, syntax))
    return frozenset(v for v in values if len(v) >= MIN_VALUE_LENGTH and not set(v) <= {"*"} and not _is_code(v))


def _is_code(value: str) -> bool:
    """A code reference, a placeholder word, or detect-secrets' label for a private key (the block
    pattern masks its body): none of them is a secret value."""
    value = value.strip()
    if value.lower().strip("<>{}$") in _PLACEHOLDERS or (value.startswith("<") and value.endswith(">")):
        return True
    return bool(_CODE_REFERENCE.match(value)) or "PRIVATE KEY" in value


def _mask_group(match: re.Match[str]) -> str:
    group = "secret2" if "secret2" in match.re.groupindex and match.group("secret2") else "secret"
    secret = match.group(group)
    if secret is None or secret == MASK or _is_code(secret):
        return match.group(0)
    start, end = match.span(group)
    offset = match.start()
    whole = match.group(0)
    return whole[: start - offset] + MASK + whole[end - offset :]


def _mask_private_key(match: re.Match[str]) -> str:
    kind = match.group("kind")
    return f"{match.group('begin')}{MASK}-----END {kind}PRIVATE KEY-----"


def mask_values(text: str, values: Iterable[str]) -> str:
    """`text` with every occurrence of each value replaced by ``***`` (longest first)."""
    for value in sorted(set(values), key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    return text


def redact(text: str, filename: str = "", known: Iterable[str] = ()) -> str:
    """Return `text` with credentials masked as ``***``; applying it twice changes nothing more.

    `filename` tells detect-secrets the snippet's syntax; `known` are values recognised elsewhere
    (the finding's snippet, the rest of the report) that must be masked here too.
    """
    if not text:
        return text
    values = secret_values(text, filename) | frozenset(known)
    text = _PRIVATE_KEY.sub(_mask_private_key, text)
    for pattern in _SHAPES if _may_hold_credential(text) else ():
        text = pattern.sub(_mask_group, text)
    text = _AWS_ACCESS_KEY.sub(MASK, text)
    text = _GITHUB_TOKEN.sub(MASK, text)
    text = _JWT.sub(MASK, text)
    return mask_values(text, values)
