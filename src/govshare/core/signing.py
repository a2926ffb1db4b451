"""The node's signing key and signed receipts.

Every answer the exchange gives carries a receipt: the node's signature (Ed25519 or SM2, by
suite) over the request id, the resource, the hash of the content and the time, so a consumer
can later prove what it received and from whom, and the provider can prove what it sent.
The key pair is created on first use under `<data_dir>/keys/<suite>/`. A rotated key pair is
moved to `<data_dir>/keys/<suite>/retired/<key id>/`, so the public keys of every suite and every
rotation stay on disk; `orgs.node_keys` records them in a table (the key history) and picks the
key to verify a signature with by the key id the signature carries.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from hashlib import sha256
from pathlib import Path
from typing import Any

from govshare.core.config import get_settings
from govshare.core.crypto import _HASHES, SUITES, KeyPair, get_suite, load_keypair, save_keypair
from govshare.core.db import utcnow

RETIRED = "retired"


def _key_dir(suite: str | None = None) -> Path:
    settings = get_settings()
    return Path(settings.data_dir) / "keys" / (suite or settings.crypto_suite.value)


def _stamp(directory: str) -> int:
    """The key files' change time: part of the cache key, so a key rotated by another process
    (the CLI, another worker) is picked up on the next signature instead of at restart."""
    try:
        return os.stat(directory).st_mtime_ns
    except FileNotFoundError:
        return 0


@lru_cache(maxsize=8)
def _keypair_at(directory: str, suite: str, stamp: int) -> KeyPair:
    try:
        return load_keypair(directory, suite)
    except FileNotFoundError:
        return _created_once(Path(directory), suite)


_CREATING = threading.Lock()


def _created_once(directory: Path, suite: str) -> KeyPair:
    """The node's first key pair of `suite`, made by exactly one thread of one process: the first
    answers of a new node are signed concurrently, and two creators each writing their own pair
    left a private key beside the other's public key, refused from then on. A thread lock orders
    this process's threads, an exclusive lock on a file beside the key directory other processes
    (the server's workers, the CLI); whoever gets it second finds the pair made and loads it."""
    directory.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _CREATING, open(directory.parent / f".{suite}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return load_keypair(directory, suite)
        except FileNotFoundError:
            keypair = get_suite(suite).generate_keypair()
            save_keypair(keypair, directory)
            return keypair


def node_keypair() -> KeyPair:
    settings = get_settings()
    suite = settings.crypto_suite.value
    directory = _key_path(settings.data_dir, suite)
    return _keypair_at(directory, suite, _stamp(directory))


@lru_cache(maxsize=8)
def _key_path(data_dir: Path, suite: str) -> str:
    # Every answer is signed: the path is worked out once, only the directory's stamp each time.
    return str(Path(data_dir) / "keys" / suite)


def rotate_keypair() -> tuple[KeyPair, KeyPair]:
    """Replace the node's key pair of the current suite with a new one; returns (old, new).

    The old pair is moved, not deleted, to `retired/<key id>/` beside it: its public key keeps
    verifying what it signed (the operator may shred the private key file there once the key
    history has recorded the public key)."""
    old = node_keypair()
    suite = old.suite
    directory = _key_dir(suite)
    archive = directory / RETIRED / key_id(old.public_key, suite)
    archive.mkdir(parents=True, exist_ok=True, mode=0o700)
    for path in directory.iterdir():
        if path.is_file():
            shutil.move(str(path), archive / path.name)
    new = get_suite(suite).generate_keypair()
    save_keypair(new, directory)
    os.utime(directory)  # a new stamp even where the file system's clock is coarse
    _keypair_at.cache_clear()
    return old, new


@dataclass(frozen=True)
class StoredKey:
    """A public key found in the key directory: the current one of a suite, or a retired one."""

    suite: str
    public_key: bytes
    current: bool
    created_at: datetime


def stored_keys() -> list[StoredKey]:
    """Every key pair under `<data_dir>/keys`, of every suite, current and retired."""
    found = []
    for suite in SUITES:
        top = _key_dir(suite)
        folders = [(top, True)] + [(p, False) for p in sorted((top / RETIRED).glob("*")) if p.is_dir()]
        for folder, current in folders:
            try:
                keypair = load_keypair(folder, suite)
            except (FileNotFoundError, ValueError):
                continue  # no key there, or a damaged one: nothing it could verify
            created = datetime.fromtimestamp(min(p.stat().st_mtime for p in folder.iterdir() if p.is_file()), UTC)
            found.append(StoredKey(suite, keypair.public_key, current, created))
    return found


@lru_cache(maxsize=16)
def key_id(public_key: bytes, suite: str) -> str:
    """A short, stable name for a public key: the first 16 hex digits of its hash."""
    return get_suite(suite).hash(public_key)[:16]


def content_hash(data: bytes, suite: str | None = None) -> str:
    return get_suite(suite or get_settings().crypto_suite.value).hash(data)


class ContentHasher:
    """The node suite's content hash computed piece by piece, for answers too large to hold in
    memory (downloads): `update` each chunk, then `hexdigest` equals content_hash(all bytes)."""

    def __init__(self, suite: str | None = None) -> None:
        self.suite = suite or get_settings().crypto_suite.value
        self._pieces: list[bytes] | None = None
        if self.suite == "intl":
            self._digest: Any = sha256()
        elif _HASHES is not None:
            self._digest = _HASHES.Hash(_HASHES.SM3())  # type: ignore[attr-defined]
        else:  # OpenSSL without SM3: gmssl hashes whole messages only, so gather the pieces
            self._pieces = []

    def update(self, data: bytes) -> None:
        if self._pieces is not None:
            self._pieces.append(data)
        else:
            self._digest.update(data)

    def hexdigest(self) -> str:
        if self._pieces is not None:
            return content_hash(b"".join(self._pieces), self.suite)
        return self._digest.hexdigest() if self.suite == "intl" else self._digest.finalize().hex()


@dataclass(frozen=True)
class Receipt:
    node: str
    suite: str
    key_id: str
    request_id: str
    resource: str
    content_hash: str
    issued_at: str
    signature: str  # base64

    # vars(), not dataclasses.asdict: the fields are strings, and asdict's deep copy of them
    # was a tenth of a verify answer's signing.
    def signed_bytes(self) -> bytes:
        body = {k: v for k, v in vars(self).items() if k != "signature"}
        return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))

    def header(self) -> str:
        """The receipt as one HTTP header value (base64 of its JSON)."""
        return base64.b64encode(json.dumps(self.as_dict(), ensure_ascii=False).encode()).decode()

    @classmethod
    def from_header(cls, value: str) -> Receipt:
        return cls(**json.loads(base64.b64decode(value)))


def issue_receipt(request_id: str, resource: str, content: bytes, at: datetime | None = None,
                  digest: str | None = None) -> Receipt:
    """Signs a receipt over `content`, or over a `digest` of it already computed with this
    node's suite (ContentHasher) when the content is streamed."""
    settings = get_settings()
    keypair = node_keypair()
    suite = settings.crypto_suite.value
    unsigned = Receipt(
        node=settings.node.name,
        suite=suite,
        key_id=key_id(keypair.public_key, suite),
        request_id=request_id,
        resource=resource,
        content_hash=digest or content_hash(content, suite),
        issued_at=(at or utcnow()).isoformat(timespec="microseconds"),
        signature="",
    )
    signature = get_suite(suite).sign(keypair.private_key, unsigned.signed_bytes())
    return replace(unsigned, signature=base64.b64encode(signature).decode())


@dataclass(frozen=True)
class ReceiptCheck:
    ok: bool
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "reason": self.reason}


def verify_receipt(receipt: Receipt, public_key: bytes, content: bytes | None = None) -> ReceiptCheck:
    """Checks the signature with the node's public key and, when given, the content."""
    if key_id(public_key, receipt.suite) != receipt.key_id:
        return ReceiptCheck(False, "the receipt was signed with a different key")
    try:
        signature = base64.b64decode(receipt.signature, validate=True)
    except ValueError:
        return ReceiptCheck(False, "the signature is not valid base64")
    if not get_suite(receipt.suite).verify(public_key, receipt.signed_bytes(), signature):
        return ReceiptCheck(False, "the signature does not match: the receipt was altered or forged")
    if content is not None and content_hash(content, receipt.suite) != receipt.content_hash:
        return ReceiptCheck(False, "the content does not match the receipt's hash")
    return ReceiptCheck(True, "valid")


def public_key_info() -> dict[str, str]:
    settings = get_settings()
    keypair = node_keypair()
    suite = settings.crypto_suite.value
    return {"node": settings.node.name, "suite": suite, "key_id": key_id(keypair.public_key, suite),
            "public_key": base64.b64encode(keypair.public_key).decode()}
