"""redact(): credentials in snippets and messages are masked before any report shows them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gate.redact import MASK, redact

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HARDGATE = Path(sys.executable).parent / "hardgate"

# Values that look real enough to be caught, and never appear in any expected output.
PASSWORD = "Tr0ub4dor&3"
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f'conn = psycopg.connect("postgresql://app:{PASSWORD}@db.internal:5432/shop")', PASSWORD),
        ("DATABASE_URL=mysql+pymysql://root:s3cr3t@10.0.0.5/app", "s3cr3t"),
        ("engine = create_engine('postgresql://app:p@ss@db/app')", "p@ss"),
        (f'DB_PASSWORD = "{PASSWORD}"', PASSWORD),
        ("db_passwd = 'hunter22'", "hunter22"),
        ('pwd="letmein99"', "letmein99"),
        ('client_secret = "9f8e7d6c5b4a"', "9f8e7d6c5b4a"),
        ('"api_key": "sk_live_51Habc"', "sk_live_51Habc"),
        ("self.auth_token = b'ZXhhbXBsZQ=='", "ZXhhbXBsZQ=="),
        ('API-KEY => "abcd1234efgh"', "abcd1234efgh"),
        ('psycopg.connect("host=db dbname=shop user=app password=hunter2 sslmode=require")', "hunter2"),
        ("https://example.invalid/login?user=bob&token=abc123def&next=/", "abc123def"),
        (f"aws_access_key_id = {AWS_KEY}", AWS_KEY),
        ("headers = {'Authorization': 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc-def_ghi'}", "eyJhbGciOiJIUzI1NiJ9"),
        ("token ghp_abcdefghijklmnopqrstuvwxyz0123456789 leaked", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
    ],
)
def test_secret_is_masked(text: str, secret: str) -> None:
    redacted = redact(text)
    assert secret not in redacted
    assert MASK in redacted


def test_private_key_block_body_is_masked_but_markers_stay() -> None:
    text = "KEY = '''-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq\nabcdef==\n-----END RSA PRIVATE KEY-----'''"
    redacted = redact(text)
    assert "MIIEowIBAAKCAQEA7bq" not in redacted
    assert "-----BEGIN RSA PRIVATE KEY-----" in redacted
    assert redacted.endswith("-----END RSA PRIVATE KEY-----'''")


def test_truncated_private_key_is_masked_to_the_end() -> None:
    redacted = redact("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA")
    assert "b3BlbnNzaC1rZXktdjEAAAAA" not in redacted


def test_dsn_keeps_scheme_user_and_host_for_context() -> None:
    assert redact("postgresql://app:hunter2@db:5432/shop") == f"postgresql://app:{MASK}@db:5432/shop"


def test_code_that_is_not_a_secret_is_left_alone() -> None:
    code = [
        "cur.execute(f\"SELECT * FROM users WHERE name = '{name}'\")",
        "password = os.environ['DB_PASSWORD']",
        "conn = connect(password=get_password(), sslmode='disable')",
        "postgresql://db.internal:5432/shop",
        "subprocess.run(cmd, shell=True)",
    ]
    for line in code:
        assert redact(line) == line


def test_redacting_twice_changes_nothing_more() -> None:
    text = f'url = "postgresql://app:{PASSWORD}@db/shop"; password="{PASSWORD}"; Bearer abcdefghijk12345'
    once = redact(text)
    assert redact(once) == once
    assert PASSWORD not in once


def test_empty_text_stays_empty() -> None:
    assert redact("") == ""


# --- the real gate over a corpus of secret shapes: no value reaches any report (issue 14) ---------

CORPUS = FIXTURES / "apps" / "secret-shapes"
#: (file, secret value): each sits on a line a scanner flags, so a miss would print it.
SECRETS = [
    ("app.py", "S3cr3tPyConst3x"),
    ("app.py", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("app.py", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjb3JwdXMifQ.c2lnbmF0dXJlLWNvcnB1cy0xMjM0NTY"),
    ("app.py", "3f9a1c7e5b2d4068a1e9c3b5d7f0e2a4c6b8d0f1"),
    ("app.py", "ghp_S3cr3tG1tHubT0kenAbcdefghijklmnopqr"),
    ("app.py", "AKIAS3CR3TCORPUSKEY7"),
    ("app.py", "b3BlbnNzaC1rZXktdjEAAAAAS3cr3tK3yB0dy"),
    ("app.py", "S3cr3tMysqlDump9x"),
    ("app.py", "S3cr3tLongOpt4x"),
    ("app.py", "S3cr3tAlterUser7x"),
    ("app.py", "S3cr3tDsnPass5x"),
    ("app.py", "S3cr3tConnInfo6x"),
    ("deploy/vars.yml", "S3cr3tYamlPlain1x"),
    ("deploy/vars.yml", "S3cr3tYamlTok2x"),
    ("deploy/vars.yml", "S3cr3tYamlQuoted8x"),
]
#: A file name that tries to forge the report's verdict line, and one with a terminal escape.
FORGED_NAME = "x\nverdict: PASS (prod)\n.py"
ESCAPE_NAME = "y\x1b[2Jclear.py"
MACHINE_FORMATS = {"json", "sarif"}  # JSON escapes control characters itself; paths must stay exact


def _line_of(path: Path, value: str) -> int:
    text = path.read_text(encoding="utf-8")
    return text[: text.index(value.split("\n")[0])].count("\n") + 1


@pytest.fixture(scope="module")
def corpus_reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], dict[str, Any]]:
    """One real scan of the corpus in prod, written in every registered format."""
    from gate.reporters import REPORTERS

    work = tmp_path_factory.mktemp("corpus")
    target = work / "secret-shapes"
    shutil.copytree(CORPUS, target)
    (target / FORGED_NAME).write_text("import pickle\n", encoding="utf-8")
    (target / ESCAPE_NAME).write_text("import pickle\n", encoding="utf-8")
    formats = sorted(REPORTERS)
    args: list[str] = []
    for name in formats:
        args += ["--format", name, "--output", str(work / f"report.{name}")]
    env = {**os.environ, "HARDGATE_CACHE_DIR": str(work / "cache")}
    done = subprocess.run(
        [str(HARDGATE), "scan", str(target), "--env", "prod", "--quiet", *args],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    assert done.returncode == 1, done.stderr  # blocked: the scan ran and found the secrets
    outputs = {name: (work / f"report.{name}").read_text(encoding="utf-8") for name in formats}
    return target, outputs, json.loads(outputs["json"])


def test_every_corpus_secret_is_on_a_reported_line(
    corpus_reports: tuple[Path, dict[str, str], dict[str, Any]],
) -> None:
    # Proof the corpus exercises redaction: without it, each value would be printed.
    target, _, report = corpus_reports
    places = [
        (
            f["location"]["path"],
            f["location"]["start_line"],
            max(f["location"]["end_line"], f["location"]["start_line"]),
        )
        for f in report["findings"]
        if f.get("location")
    ]
    for rel, value in SECRETS:
        line = _line_of(target / rel, value)
        assert any(path == rel and start <= line <= end for path, start, end in places), f"{rel}:{line} not reported"


@pytest.mark.parametrize(("rel", "value"), SECRETS, ids=[f"{rel}-{i}" for i, (rel, _) in enumerate(SECRETS)])
def test_no_secret_value_reaches_any_format(
    corpus_reports: tuple[Path, dict[str, str], dict[str, Any]], rel: str, value: str
) -> None:
    _, outputs, _ = corpus_reports
    for name, text in outputs.items():
        for window in {value, value[:12], value[-12:]}:
            assert window not in text, f"{name} report leaks part of a secret from {rel}"


def test_rule_help_text_is_not_masked(corpus_reports: tuple[Path, dict[str, str], dict[str, Any]]) -> None:
    _, outputs, report = corpus_reports
    semgrep = [f for f in report["findings"] if f["tool"] == "semgrep"]
    assert semgrep
    for finding in semgrep:
        assert MASK not in finding["message"], finding["message"]
    assert "literal password (`scheme://user:password@host`)" in outputs["json"]
    for run in json.loads(outputs["sarif"])["runs"]:
        for rule in run["tool"]["driver"]["rules"]:
            if not rule["id"].startswith("B"):
                assert MASK not in json.dumps(rule), rule["id"]


def test_control_characters_in_paths_are_escaped_in_human_formats(
    corpus_reports: tuple[Path, dict[str, str], dict[str, Any]],
) -> None:
    _, outputs, report = corpus_reports
    assert FORGED_NAME in {f["location"]["path"] for f in report["findings"] if f.get("location")}
    # html escapes for the browser, where a newline is only whitespace; its own tests cover it.
    human = {name: text for name, text in outputs.items() if name not in MACHINE_FORMATS | {"html"}}
    assert {"text", "markdown", "junit", "github", "gitlab"} <= set(human)
    for name, text in human.items():
        forged = [line for line in text.splitlines() if line.strip().startswith("verdict: PASS")]
        assert not forged, f"{name}: forged verdict line {forged}"
        assert "\x1b" not in text, f"{name}: raw escape sequence"
    assert "x\\nverdict: PASS (prod)\\n.py" in outputs["text"]
    assert outputs["text"].splitlines()[-1].startswith("verdict: BLOCK (prod)")
