"""roles/secrets/scripts/init_env_secrets.py makes key-type secrets: a MariaDB key file (key id 1,
AES-256), an age identity (age-keygen), and --rotate appends the next key id keeping the old keys.
Runs the real script and the real ansible-vault; nothing is printed but names."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "roles" / "secrets" / "scripts" / "init_env_secrets.py"
BIN = Path(sys.executable).parent
ENV = os.environ | {"PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def run(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--env", "keytest", "--vault-file", str(tmp / "v.yml"),
         "--password-file", str(tmp / "pass"), *args],
        capture_output=True, text=True, env=ENV, check=False, timeout=120,
    )  # fmt: skip


def values(tmp: Path) -> dict[str, str]:
    done = subprocess.run(
        [str(BIN / "ansible-vault"), "view", "--vault-id", f"keytest@{tmp / 'pass'}", str(tmp / "v.yml")],
        capture_output=True, text=True, env=ENV, check=True,
    )  # fmt: skip
    return {str(k): str(v) for k, v in yaml.safe_load(done.stdout)["hardgate_vault_secrets"].items()}


@pytest.mark.skipif(shutil.which("age-keygen") is None, reason="needs the Debian package age (make local-secrets)")
def test_key_kinds_and_rotation(tmp_path: Path) -> None:
    made = run(tmp_path, "pw", "keys:mariadb-keyfile", "ident:age-identity")
    assert made.returncode == 0, made.stderr
    first = values(tmp_path)
    assert re.fullmatch(r"1;[0-9a-f]{64}\n", first["keys"])
    assert re.search(r"^AGE-SECRET-KEY-1[0-9A-Z]{58}$", first["ident"], re.M)
    assert re.search(r"^# public key: age1[0-9a-z]{58}$", first["ident"], re.M)
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", first["pw"])
    secret_key = re.findall(r"AGE-SECRET-KEY-\S+", first["ident"])[0]
    for value in (first["keys"].split(";")[1].strip(), secret_key, first["pw"]):
        assert value not in made.stdout + made.stderr

    rotated = run(tmp_path, "--rotate", "keys")
    assert rotated.returncode == 0, rotated.stderr
    after = values(tmp_path)
    lines = after["keys"].strip().splitlines()
    assert lines[0] == first["keys"].strip() and re.fullmatch(r"2;[0-9a-f]{64}", lines[1])
    assert {k: v for k, v in after.items() if k != "keys"} == {k: v for k, v in first.items() if k != "keys"}


def test_unknown_kind_and_bad_rotate_fail_in_one_line(tmp_path: Path) -> None:
    bad = run(tmp_path, "x:nope")
    assert bad.returncode != 0 and bad.stderr.strip().splitlines() == [
        "unknown secret kind 'nope' for x (known: password, mariadb-keyfile, age-identity)"
    ]
    assert run(tmp_path, "pw").returncode == 0
    not_keys = run(tmp_path, "--rotate", "pw")
    assert not_keys.returncode != 0 and "not a key file" in not_keys.stderr and "Traceback" not in not_keys.stderr
