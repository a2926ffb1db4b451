"""Secrets the node must read back (webhook HMAC keys, …) encrypted at rest.

The key is derived (HKDF) from a node secret that does not live in the database: the
`node_secret` setting (environment or TOML), or else `<data_dir>/keys/node-secret`, created
on first use and readable by the node's account only. A database dump or backup alone
therefore reveals no secret. The cipher follows the node's crypto suite: SM4-GCM with HKDF-SM3
under `sm` (国密), AES-256-GCM with HKDF-SHA-256 under `intl`. The stored form names its
algorithm and key id, so a node that changes suite still reads what it wrote before, and a
wrong node secret is reported as such instead of as garbage:

    enc1:<sm4-gcm|aes-gcm>:<key id>:<base64 of nonce ‖ ciphertext ‖ tag>

The context (e.g. "exchange_subscription.secret") is authenticated data: a ciphertext copied
into another column or table does not decrypt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from govshare.core.config import get_settings

PREFIX = "enc1"
ALGORITHMS = {"sm": "sm4-gcm", "intl": "aes-gcm"}
NONCE = 12
TAG = 16


class SecretUnreadable(ValueError):
    """A stored secret that this node cannot decrypt (wrong node secret, altered, or plain)."""


def _secret_file() -> Path:
    return Path(get_settings().data_dir) / "keys" / "node-secret"


def _file_secret(path: Path) -> bytes:
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # O_EXCL: two processes starting together agree on one secret
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return bytes.fromhex(path.read_text().strip())


def node_secret() -> bytes:
    configured = get_settings().node_secret
    if configured is not None and configured.get_secret_value():
        return configured.get_secret_value().encode()
    return _file_secret(_secret_file())


@lru_cache(maxsize=8)
def _key(secret: bytes, algorithm: str) -> tuple[bytes, str]:
    digest, length = (hashes.SM3(), 16) if algorithm == "sm4-gcm" else (hashes.SHA256(), 32)
    key = HKDF(digest, length, salt=None, info=f"govshare secret at rest v1 {algorithm}".encode()).derive(secret)
    key_id = hmac.new(key, b"key id", hashlib.sha256).hexdigest()[:8]
    return key, key_id


def _seal(algorithm: str, key: bytes, nonce: bytes, plain: bytes, context: bytes) -> bytes:
    if algorithm == "aes-gcm":
        return AESGCM(key).encrypt(nonce, plain, context)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(context)
    return encryptor.update(plain) + encryptor.finalize() + encryptor.tag


def _open(algorithm: str, key: bytes, nonce: bytes, sealed: bytes, context: bytes) -> bytes:
    if algorithm == "aes-gcm":
        return AESGCM(key).decrypt(nonce, sealed, context)
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, sealed[-TAG:])).decryptor()
    decryptor.authenticate_additional_data(context)
    return decryptor.update(sealed[:-TAG]) + decryptor.finalize()


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX + ":")


def encrypt(plain: str, context: str) -> str:
    algorithm = ALGORITHMS[get_settings().crypto_suite.value]
    key, key_id = _key(node_secret(), algorithm)
    nonce = secrets.token_bytes(NONCE)
    sealed = _seal(algorithm, key, nonce, plain.encode(), context.encode())
    return f"{PREFIX}:{algorithm}:{key_id}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(stored: str, context: str) -> str:
    parts = stored.split(":")
    if len(parts) != 4 or parts[0] != PREFIX or parts[1] not in ALGORITHMS.values():
        raise SecretUnreadable(f"the stored {context} is not encrypted (run `govshare db upgrade`)")
    _, algorithm, key_id, body = parts
    key, expected_id = _key(node_secret(), algorithm)
    if key_id != expected_id:
        raise SecretUnreadable(f"the stored {context} was encrypted under another node secret "
                               f"(key id {key_id}, this node's is {expected_id})")
    raw = base64.b64decode(body)
    try:
        return _open(algorithm, key, raw[:NONCE], raw[NONCE:], context.encode()).decode()
    except InvalidTag:
        raise SecretUnreadable(f"the stored {context} was altered") from None
