#!/usr/bin/env python3
"""Create or top up an environment's vault-encrypted secrets file with random values.

Used by `make test-infra` / `make harden-local` for inventories/local: the vault password
file (outside the repository, 0600) and the encrypted secrets file are generated when
missing; names missing from an existing file are added. Nothing is ever printed but names.
"""

from __future__ import annotations

import argparse
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import yaml

KEY = "hardgate_vault_secrets"
ALPHABET = string.ascii_letters + string.digits + "_-"


def random_secret(length: int = 32) -> str:
    """A random password with letters and digits (passes PostgreSQL's passwordcheck)."""
    while True:
        value = "".join(secrets.choice(ALPHABET) for _ in range(length))
        if any(c.isalpha() for c in value) and any(c.isdigit() for c in value):
            return value


def ensure_password_file(path: Path) -> None:
    """Write a random vault password, 0600, in a 0700 directory, unless it exists."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.exists():
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48) + "\n")


def vault(args: list[str], vault_id: str, password_file: Path, stdin: str | None = None) -> str:
    cmd = ["ansible-vault", *args, "--vault-id", f"{vault_id}@{password_file}"]
    done = subprocess.run(cmd, input=stdin, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        # ansible-vault's stderr names files and ids, never plaintext.
        sys.exit(f"ansible-vault {args[0]} failed: {done.stderr.strip()}")
    return done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--env", required=True, help="environment == vault id")
    parser.add_argument("--vault-file", required=True, type=Path)
    parser.add_argument("--password-file", required=True, type=Path)
    parser.add_argument("names", nargs="+", help="secret names that must exist")
    opts = parser.parse_args()

    ensure_password_file(opts.password_file)
    current: dict[str, str] = {}
    if opts.vault_file.exists():
        plain = vault(["view", str(opts.vault_file)], opts.env, opts.password_file)
        current = (yaml.safe_load(plain) or {}).get(KEY, {}) or {}
    missing = [name for name in opts.names if not current.get(name)]
    if not missing:
        return 0
    for name in missing:
        current[name] = random_secret()
    plain = yaml.safe_dump({KEY: current}, default_flow_style=False)
    encrypted = vault(["encrypt", "--encrypt-vault-id", opts.env, "--output", "-"], opts.env, opts.password_file, plain)
    opts.vault_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(opts.vault_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(encrypted)
    print(f"{opts.vault_file}: generated {', '.join(missing)} (vault id {opts.env})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
