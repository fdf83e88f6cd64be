"""pgBackRest (issue 15 part 2; CIS 7.4, 8.2): an aes-256-cbc repository whose passphrase comes from the
secrets backend, WAL archived with archive-push, a stanza created by the converge.

The restore itself (PITR into a scratch cluster) is `make restore-drill-postgresql`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from conftest import PG_DATA_DIR

pytestmark = pytest.mark.infra

SQL = Callable[..., str]
CONF = "/etc/pgbackrest.conf"
REPO_PATH = "/var/lib/pgbackrest"


@pytest.fixture(scope="module")
def stanza(host: Any) -> str:
    variables = host.ansible.get_variables()
    if not variables.get("postgresql_hardening_pgbackrest", True):
        pytest.skip("pgBackRest is off in this inventory")
    # The stanza is the configuration's one section besides [global] (default: the environment's name).
    sections = host.check_output(f"sed -n 's/^\\[\\([^]:]*\\)\\]$/\\1/p' {CONF}").split()
    stanzas = [name for name in sections if name != "global"]
    assert len(stanzas) == 1, sections
    return stanzas[0]


def pgbackrest(host: Any, stanza: str, *args: str, env: str = "") -> Any:
    """pgbackrest as postgres (runuser, no sudo); env: extra VAR=value words for env(1)."""
    return host.run(f"runuser -u postgres -- env {env} pgbackrest --stanza={stanza} {' '.join(args)}")


def test_config_is_0640_postgres_and_never_world_readable(host: Any) -> None:
    """Issue 15: the configuration (it holds repo1-cipher-pass) is 0640 postgres:postgres."""
    conf = host.file(CONF)
    assert (conf.user, conf.group, conf.mode) == ("postgres", "postgres", 0o640)
    repo = host.file(REPO_PATH)
    assert repo.user == "postgres" and repo.mode & 0o007 == 0


def test_passphrase_comes_from_the_secrets_backend(host: Any, local_secrets: dict[str, str]) -> None:
    """repo1-cipher-pass is the vault's pgbackrest_repo_passphrase (so each environment has its own)."""
    content = host.file(CONF).content_string
    assert "repo1-cipher-type=aes-256-cbc" in content
    assert f"repo1-cipher-pass={local_secrets['pgbackrest_repo_passphrase']}\n" in content


def test_info_reports_the_encrypted_repository(host: Any, stanza: str) -> None:
    """CIS 8.2: pgBackRest's info reports the stanza and cipher aes-256-cbc."""
    done = pgbackrest(host, stanza, "--output=json", "info")
    assert done.rc == 0, done.stderr
    (info,) = json.loads(done.stdout)
    assert info["name"] == stanza
    assert info["cipher"] == "aes-256-cbc"
    assert info["status"]["code"] in (0, 2)  # ok, or no backup yet: the stanza exists either way


def test_archiving_is_on_and_check_passes(host: Any, sql: SQL, stanza: str) -> None:
    """CIS 7.4: archive_mode on, archive_command is pgBackRest's archive-push, and `check` proves a WAL
    switch reaches the repository."""
    assert sql("SHOW archive_mode") == "on"
    assert sql("SHOW archive_command") == f"pgbackrest --stanza={stanza} archive-push %p"
    done = pgbackrest(host, stanza, "check")
    assert done.rc == 0, done.stderr
    assert sql("SELECT failed_count = 0 OR last_failed_time < last_archived_time FROM pg_stat_archiver") == "t"


def test_repository_holds_no_plaintext_marker_row(host: Any, sql: SQL, stanza: str, orders_table: str) -> None:
    """Issue 15: a marker row is in plaintext in the data files and in the WAL segment pgBackRest hands
    back (control), but no file of the repository - backups or archived WAL - contains it, and each
    of them starts with the cipher's salt header."""
    marker = f"hgplain{uuid.uuid4().hex}"
    sql(f"INSERT INTO {orders_table} VALUES (1, '{marker}')", db="orders")
    segment = sql("SELECT pg_walfile_name(pg_current_wal_lsn())")
    sql("CHECKPOINT")
    assert host.run(f"grep -rlF {marker} {PG_DATA_DIR}/base").stdout.strip(), "control: marker not in the data files"
    backup = pgbackrest(host, stanza, "--type=incr", "backup")
    assert backup.rc == 0, backup.stderr
    assert pgbackrest(host, stanza, "check").rc == 0  # switches WAL and waits until it is archived

    fetched = f"/tmp/hg-wal-{uuid.uuid4().hex[:8]}"
    try:
        got = pgbackrest(host, stanza, "archive-get", segment, fetched)
        assert got.rc == 0, got.stderr
        assert host.run(f"grep -c {marker} {fetched}").stdout.strip() not in ("", "0"), "control: marker not in WAL"
    finally:
        host.run(f"rm -f {fetched}")

    leaked = host.run(f"grep -rlF {marker} {REPO_PATH}")
    assert leaked.stdout.strip() == ""
    headers = host.check_output(
        f"find {REPO_PATH}/archive {REPO_PATH}/backup -type f -size +0 -exec head -c 8 {{}} \\; -printf '\\n'"
    )
    assert headers and set(headers.splitlines()) == {"Salted__"}


def test_wrong_passphrase_fails_with_a_clear_error(host: Any, stanza: str) -> None:
    """Issue 15: with a wrong repository passphrase pgBackRest cannot read the repository and names the
    error; the same configuration with the right passphrase (from the config file) reads it (control)."""
    env_only = f"PGBACKREST_CONFIG=/dev/null PGBACKREST_REPO1_PATH={REPO_PATH} PGBACKREST_REPO1_CIPHER_TYPE=aes-256-cbc"
    # A wrong key decrypts to garbage: keep printable ASCII only before reading the message.
    wrong = host.run(
        f"runuser -u postgres -- env {env_only} PGBACKREST_REPO1_CIPHER_PASS=not-the-passphrase "
        f"pgbackrest --stanza={stanza} info 2>&1 | LC_ALL=C tr -cd '\\11\\12\\40-\\176'"
    )
    assert "unable to load info file" in wrong.stdout
    assert "[CryptoError]" in wrong.stdout or "[FormatError]" in wrong.stdout
    assert "is or was the repo encrypted?" in wrong.stdout or "FormatError" in wrong.stdout
    right = pgbackrest(host, stanza, "--output=json", "info")
    assert right.rc == 0 and json.loads(right.stdout)[0]["status"]["code"] in (0, 2)
