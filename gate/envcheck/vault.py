"""Decrypt ansible-vault AES256 payloads in-process (format 1.1/1.2), for comparing secret values.

Plaintext stays in memory; callers hash it with a per-run key and drop it. The format: a header
line, then hex of "hex(salt)\\nhex(hmac)\\nhex(ciphertext)"; PBKDF2-SHA256 (10000 rounds) derives
an AES-256-CTR key, an HMAC-SHA256 key and the counter's IV.
"""

from __future__ import annotations

import binascii
import hmac
from hashlib import sha256

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC


class VaultDecryptError(Exception):
    """The password does not open this payload, or the payload is not an AES256 vault."""


def _unhex(data: str | bytes) -> bytes:
    try:
        return binascii.unhexlify(data)
    except (binascii.Error, ValueError):
        raise VaultDecryptError("not hex-encoded vault data") from None


def decrypt(vault_text: str, password: bytes) -> bytes:
    """The plaintext of an ansible-vault payload; VaultDecryptError on a wrong password or bad data."""
    lines = [line.strip() for line in vault_text.strip().splitlines() if line.strip()]
    if not lines or not lines[0].startswith("$ANSIBLE_VAULT;"):
        raise VaultDecryptError("no $ANSIBLE_VAULT header")
    header = lines[0].split(";")
    if len(header) < 3 or header[2].strip() != "AES256":
        raise VaultDecryptError("only the AES256 cipher is supported")
    parts = _unhex("".join(lines[1:])).split(b"\n")
    if len(parts) != 3:
        raise VaultDecryptError("malformed vault payload")
    salt, expected_mac, ciphertext = (_unhex(part) for part in parts)
    derived = PBKDF2HMAC(algorithm=hashes.SHA256(), length=80, salt=salt, iterations=10000).derive(password)
    cipher_key, mac_key, iv = derived[:32], derived[32:64], derived[64:]
    if not hmac.compare_digest(hmac.new(mac_key, ciphertext, sha256).digest(), expected_mac):
        raise VaultDecryptError("wrong vault password")
    decryptor = Cipher(algorithms.AES(cipher_key), modes.CTR(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise VaultDecryptError("bad padding") from None


def read_password(text: str) -> bytes:
    """A vault password file's content as Ansible reads it: surrounding whitespace stripped."""
    return text.strip().encode("utf-8")
