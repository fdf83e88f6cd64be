#!/usr/bin/env python3
"""Create or top up an environment's vault-encrypted secrets file with random values.

Used by `make test-infra` / `make harden-local` for inventories/local: the vault password
file (outside the repository, 0600) and the encrypted secrets file are generated when
missing; names missing from an existing file are added. Nothing is ever printed but names.

A name may carry a kind, NAME:KIND, for secrets that are keys rather than passwords:
  password         (default) 32 random letters and digits
  mariadb-keyfile  a file_key_management key file: "1;<64 hex digits>" (AES-256, key id 1)
  age-identity     an age X25519 identity made by age-keygen (its "# public key:" line included)
--rotate NAME appends the next key id to a mariadb-keyfile secret (docs/mariadb.md, key rotation).
"""

from __future__ import annotations

import argparse
import os
import re
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


def mariadb_key_line(key_id: int) -> str:
    """One file_key_management entry: key id, then a 256-bit key in hex."""
    return f"{key_id};{secrets.token_hex(32)}"


def age_identity() -> str:
    """A fresh age identity; age-keygen writes it to stdout only (never to a file here)."""
    try:
        done = subprocess.run(["age-keygen"], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        sys.exit("age-keygen not found: install the Debian package age")
    if done.returncode != 0 or "AGE-SECRET-KEY-" not in done.stdout:
        sys.exit("age-keygen failed to make an identity")
    return done.stdout


GENERATORS = {
    "password": random_secret,
    "mariadb-keyfile": lambda: mariadb_key_line(1) + "\n",
    "age-identity": age_identity,
}


def rotate_keyfile(value: str) -> str:
    """Append the next key id; earlier keys stay, data and backups encrypted with them still open."""
    ids = [int(m) for m in re.findall(r"^(\d+);", value, re.M)]
    if not ids:
        sys.exit("--rotate: the secret is not a key file (no 'id;hex' line)")
    return value.rstrip("\n") + "\n" + mariadb_key_line(max(ids) + 1) + "\n"


def parse_name(spec: str) -> tuple[str, str]:
    name, _, kind = spec.partition(":")
    kind = kind or "password"
    if kind not in GENERATORS:
        sys.exit(f"unknown secret kind {kind!r} for {name} (known: {', '.join(GENERATORS)})")
    return name, kind


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
    parser.add_argument("--rotate", metavar="NAME", help="append a new key id to this mariadb-keyfile secret")
    parser.add_argument("names", nargs="*", help="secret names (NAME or NAME:KIND) that must exist")
    opts = parser.parse_args()
    if not opts.names and not opts.rotate:
        parser.error("give secret names, or --rotate NAME")
    wanted = dict(parse_name(spec) for spec in opts.names)

    ensure_password_file(opts.password_file)
    current: dict[str, str] = {}
    if opts.vault_file.exists():
        plain = vault(["view", str(opts.vault_file)], opts.env, opts.password_file)
        current = (yaml.safe_load(plain) or {}).get(KEY, {}) or {}
    missing = [name for name in wanted if not current.get(name)]
    for name in missing:
        current[name] = GENERATORS[wanted[name]]()
    if opts.rotate:
        if not current.get(opts.rotate):
            sys.exit(f"--rotate: no secret named {opts.rotate} in {opts.vault_file}")
        current[opts.rotate] = rotate_keyfile(current[opts.rotate])
        missing.append(f"a new key id in {opts.rotate}")
    if not missing:
        return 0
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
