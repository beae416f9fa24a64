"""Encryption at rest for identity documents, selfies and consent forms (AES-256-GCM).

The key comes from SNAPSET_SECRET_KEY (any string; HKDF-SHA256 derives the AES key) or,
when unset, from a random key file in the data folder created with 0600 permissions.
Each ciphertext is bound to its purpose (associated data), so a blob copied to another
record's slot does not decrypt.
"""

from __future__ import annotations

import base64
import os
import secrets
import stat
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"SNP1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """The ciphertext was altered, belongs to another purpose, or the key is wrong."""


class SecretBox:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("AES-256-GCM needs a 32-byte key")
        self._aead = AESGCM(key)

    @classmethod
    def from_secret(cls, secret: str) -> SecretBox:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"snapset blobs v1")
        return cls(hkdf.derive(secret.encode("utf-8")))

    def encrypt(self, plaintext: bytes, purpose: str) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return MAGIC + nonce + self._aead.encrypt(nonce, plaintext, purpose.encode())

    def decrypt(self, blob: bytes, purpose: str) -> bytes:
        if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + NONCE_BYTES + 16:
            raise DecryptionError("not a snapset ciphertext")
        nonce = blob[len(MAGIC) : len(MAGIC) + NONCE_BYTES]
        try:
            return self._aead.decrypt(nonce, blob[len(MAGIC) + NONCE_BYTES :], purpose.encode())
        except InvalidTag as exc:
            raise DecryptionError("ciphertext does not verify with this key and purpose") from exc


def load_or_create_key_file(path: Path) -> str:
    """Read the key file, creating it (0600, random 256-bit key) when missing.

    Refuses a key file that other users can read: the whole point is that they cannot.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise PermissionError(
                f"{path} has permissions {oct(mode)}; run `chmod 600 {path}`"
            ) from None
        return path.read_text().strip()
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key


def secret_box(secret_key: str | None, key_file: Path) -> SecretBox:
    return SecretBox.from_secret(secret_key or load_or_create_key_file(key_file))
