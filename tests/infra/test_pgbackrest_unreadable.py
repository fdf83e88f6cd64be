"""A pgBackRest repository the configured passphrase cannot read (another checkout's secrets, a
regenerated secret): the role stops with one line and moves nothing unless the inventory says
`move_aside`, which staging and prod may not say. The stanza here is a scratch one with its own
config file and repository, so the converged `local` stanza is never touched."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_role_tasks

pytestmark = pytest.mark.infra


def as_postgres(*argv: str, config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *argv],
        capture_output=True,
        text=True,
        env={**os.environ, "PGBACKREST_CONFIG": str(config)},
        check=False,
    )


def write_config(config: Path, repo: Path, passphrase: str) -> None:
    config.write_text(
        f"[global]\nrepo1-path={repo}\nrepo1-cipher-type=aes-256-cbc\nrepo1-cipher-pass={passphrase}\n"
        f"log-level-console=warn\nlog-level-file=off\n\n"
        "[probe]\npg1-path=/var/lib/postgresql/15/main\npg1-port=5432\npg1-socket-path=/var/run/postgresql\n",
        encoding="utf-8",
    )
    shutil.chown(config, "postgres", "postgres")
    config.chmod(0o600)


@pytest.fixture()
def scratch() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="hardgate-pgbackrest-", dir="/var/tmp"))
    shutil.chown(root, "postgres", "postgres")
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def play(root: Path, tasks: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_role_tasks(
        root, "postgresql_hardening", tasks, *extra, environment={"PGBACKREST_CONFIG": str(root / "pgbackrest.conf")}
    )


def test_a_repository_made_with_another_passphrase_stops_the_role_and_stays_where_it_is(scratch: Path) -> None:
    config, repo = scratch / "pgbackrest.conf", scratch / "repo"
    write_config(config, repo, "the-passphrase-it-was-made-with")
    created = as_postgres("pgbackrest", "--stanza=probe", "stanza-create", config=config)
    assert created.returncode == 0, created.stderr
    before = sorted(str(p.relative_to(repo)) for p in repo.rglob("*"))
    write_config(config, repo, "another-passphrase")

    done = play(
        scratch,
        "pgbackrest_stanza.yml",
        "-e",
        "postgresql_hardening_pgbackrest_stanza=probe",
        "-e",
        f"postgresql_hardening_pgbackrest_repo_path={repo}",
        "-e",
        "postgresql_hardening_pgbackrest_unreadable_repo=fail",
    )

    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert f"pgBackRest cannot read stanza probe in {repo} (status 99)" in " ".join(output.split())
    assert "UTF8" not in output and "Traceback" not in output
    assert "another-passphrase" not in output
    assert sorted(str(p.relative_to(repo)) for p in repo.rglob("*")) == before


def test_prod_may_not_move_an_unreadable_repository_aside(scratch: Path) -> None:
    done = play(
        scratch,
        "assert.yml",
        "-e",
        "postgresql_hardening_environment=prod",
        "-e",
        "postgresql_hardening_pgbackrest_unreadable_repo=move_aside",
    )
    output = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 2, output
    assert "prod refuses (PostgreSQL)" in output  # the engine profile's refusal (roles/db_contract)
    assert "move_aside is weaker than fail (postgresql_hardening_pgbackrest_unreadable_repo)" in output
