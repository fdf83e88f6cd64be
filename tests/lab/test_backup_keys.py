"""Each lab environment has its own at-rest keys: dev's age identity cannot decrypt prod's MariaDB
backup (and the reverse), each environment's own identity can, and the data-at-rest key files and
their filekeys differ between environments. Reads the backups the converge took on each host
(roles/mariadb_hardening, mariadb_hardening_backup_initial)."""

from __future__ import annotations

import itertools
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import lab
import pytest

pytestmark = pytest.mark.lab

BACKUPS = "var/backups/mariadb"
IDENTITY = "mariadb_backup_age_identity"
KEYS = "mariadb_encryption_keys"
FILEKEY = "mariadb_encryption_filekey"
ENVS = ("dev", "staging", "prod")


def newest_backup(host: lab.LabHost) -> Path:
    found = sorted((host.root / BACKUPS).glob("mariadb-*.mbstream.age"), key=lambda p: p.stat().st_mtime)
    assert found, f"{host.name}: no backup in /{BACKUPS} (the converge takes the first one)"
    return found[-1]


def decrypt(backup: Path, identity: str) -> subprocess.CompletedProcess[str]:
    """age -d with the identity on stdin; the plaintext is thrown away."""
    with subprocess.Popen(
        ["age", "--decrypt", "--identity", "-", str(backup)],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    ) as proc:  # fmt: skip
        _, err = proc.communicate(identity, timeout=300)
    return subprocess.CompletedProcess(proc.args, proc.returncode, "", err)


@pytest.mark.parametrize(("owner", "other"), list(itertools.permutations(ENVS, 2)))
def test_one_environments_identity_cannot_decrypt_anothers_backup(
    hosts: dict[str, lab.LabHost], env_secrets: Callable[[str], dict[str, str]], owner: str, other: str
) -> None:
    backup = newest_backup(hosts[owner])
    refused = decrypt(backup, env_secrets(other)[IDENTITY])
    assert refused.returncode != 0
    assert "no identity matched" in refused.stderr


@pytest.mark.parametrize("env", ENVS)
def test_each_environment_decrypts_its_own_backup(
    hosts: dict[str, lab.LabHost], env_secrets: Callable[[str], dict[str, str]], env: str
) -> None:
    done = decrypt(newest_backup(hosts[env]), env_secrets(env)[IDENTITY])
    assert done.returncode == 0, done.stderr


def test_at_rest_keys_and_filekeys_differ_between_environments(env_secrets: Callable[[str], dict[str, str]]) -> None:
    keys = {env: set(re.findall(r"^\d+;([0-9a-fA-F]+)$", env_secrets(env)[KEYS], re.M)) for env in ENVS}
    assert all(keys.values())
    for a, b in itertools.combinations(ENVS, 2):
        assert not keys[a] & keys[b], f"{a} and {b} share a data-at-rest key"
        assert env_secrets(a)[FILEKEY] != env_secrets(b)[FILEKEY]
        assert env_secrets(a)[IDENTITY] != env_secrets(b)[IDENTITY]


def test_prods_key_file_does_not_open_with_devs_filekey(
    hosts: dict[str, lab.LabHost], env_secrets: Callable[[str], dict[str, str]], tmp_path: Path
) -> None:
    filekey = tmp_path / "dev.filekey"
    filekey.touch(mode=0o600)
    filekey.write_text(env_secrets("dev")[FILEKEY])
    keyfile = hosts["prod"].root / "etc/mysql/encryption/keyfile.enc"
    done = subprocess.run(
        ["openssl", "enc", "-d", "-aes-256-cbc", "-md", "sha1", "-pass", f"file:{filekey}", "-in", str(keyfile)],
        capture_output=True, check=False,
    )  # fmt: skip
    # A wrong password fails the padding check, or (rarely) yields bytes that are not prod's key file.
    assert done.returncode != 0 or done.stdout.decode(errors="replace").strip() != env_secrets("prod")[KEYS].strip()
