"""The node's signing key and signed receipts.

Every answer the exchange gives carries a receipt: the node's signature (Ed25519 or SM2, by
suite) over the request id, the resource, the hash of the content and the time, so a consumer
can later prove what it received and from whom, and the provider can prove what it sent.
The key pair is created on first use under `<data_dir>/keys/<suite>/`.
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from govshare.core.config import get_settings
from govshare.core.crypto import KeyPair, get_suite, load_keypair, save_keypair
from govshare.core.db import utcnow


def _key_dir() -> Path:
    settings = get_settings()
    return Path(settings.data_dir) / "keys" / settings.crypto_suite.value


@lru_cache(maxsize=4)
def _keypair_at(directory: str, suite: str) -> KeyPair:
    try:
        return load_keypair(directory, suite)
    except FileNotFoundError:
        keypair = get_suite(suite).generate_keypair()
        save_keypair(keypair, directory)
        return keypair


def node_keypair() -> KeyPair:
    return _keypair_at(str(_key_dir()), get_settings().crypto_suite.value)


@lru_cache(maxsize=16)
def key_id(public_key: bytes, suite: str) -> str:
    """A short, stable name for a public key: the first 16 hex digits of its hash."""
    return get_suite(suite).hash(public_key)[:16]


def content_hash(data: bytes, suite: str | None = None) -> str:
    return get_suite(suite or get_settings().crypto_suite.value).hash(data)


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

    def signed_bytes(self) -> bytes:
        body = {k: v for k, v in asdict(self).items() if k != "signature"}
        return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def header(self) -> str:
        """The receipt as one HTTP header value (base64 of its JSON)."""
        return base64.b64encode(json.dumps(self.as_dict(), ensure_ascii=False).encode()).decode()

    @classmethod
    def from_header(cls, value: str) -> Receipt:
        return cls(**json.loads(base64.b64decode(value)))


def issue_receipt(request_id: str, resource: str, content: bytes, at: datetime | None = None) -> Receipt:
    settings = get_settings()
    keypair = node_keypair()
    suite = settings.crypto_suite.value
    unsigned = Receipt(
        node=settings.node.name,
        suite=suite,
        key_id=key_id(keypair.public_key, suite),
        request_id=request_id,
        resource=resource,
        content_hash=content_hash(content, suite),
        issued_at=(at or utcnow()).isoformat(timespec="microseconds"),
        signature="",
    )
    signature = get_suite(suite).sign(keypair.private_key, unsigned.signed_bytes())
    return Receipt(**{**unsigned.as_dict(), "signature": base64.b64encode(signature).decode()})


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
