"""redact(): credentials in snippets and messages are masked before any report shows them."""

from __future__ import annotations

import pytest

from gate.redact import MASK, redact

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
        'cur.execute(f"SELECT * FROM users WHERE name = \'{name}\'")',
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
