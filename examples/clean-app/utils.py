"""Helpers for the orders service: salted slow password hashes, no shell, verified TLS, JSON not pickle."""

import hashlib
import hmac
import json
import os
import shutil
import subprocess

import requests

from config import CA_BUNDLE

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


def hash_password(password):
    """Return salt and scrypt digest, hex-encoded as "salt$digest"."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return f"{salt.hex()}${digest.hex()}"


def check_password(password, stored):
    salt_hex, digest_hex = stored.split("$", 1)
    digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return hmac.compare_digest(digest, bytes.fromhex(digest_hex))


def export_orders(dbname, target):
    """pg_dump with an argument list: no shell, so dbname and target cannot inject commands."""
    pg_dump = shutil.which("pg_dump") or "/usr/bin/pg_dump"
    subprocess.run([pg_dump, "--table=orders", "--file", target, "--dbname", dbname], check=True)


def fetch_exchange_rates(url):
    return requests.get(url, timeout=10, verify=CA_BUNDLE).json()


def restore_cart(cookie_value):
    return json.loads(cookie_value)
