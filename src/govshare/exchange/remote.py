"""Calling a govshare node's data API as a business system, and checking the receipt of the
answer against the node's published public key (used by `govshare exchange call`)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import httpx

from govshare.core.signing import Receipt, verify_receipt

PATHS = {"query": ("POST", "query"), "verify": ("POST", "verify"), "download": ("GET", "download"),
         "changes": ("GET", "changes")}


@dataclass
class RemoteResult:
    status: int
    content: bytes
    receipt: str | None
    ok: bool
    reason: str

    def summary(self) -> dict[str, Any]:
        try:
            body: Any = json.loads(self.content)
        except ValueError:
            body = f"{len(self.content)} bytes"
        return {"status": self.status, "receipt": self.reason, "body": body}


def call_remote(base_url: str, resource: int, operation: str, purpose: str, body: dict[str, Any], token: str,
                transport: httpx.BaseTransport | None = None) -> RemoteResult:
    if operation not in PATHS:
        raise ValueError(f"operation must be one of {', '.join(PATHS)}")
    method, path = PATHS[operation]
    headers = {"authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url.rstrip("/"), timeout=60, transport=transport) as client:
        url = f"/api/v1/exchange/resources/{resource}/{path}"
        if method == "POST":
            answer = client.post(url, json={"purpose": purpose, **body}, headers=headers)
        else:
            params = {"purpose": purpose, **{k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                                            for k, v in body.items()}}
            answer = client.get(url, params=params, headers=headers)
        key = client.get("/api/v1/node/key").json()
    header = answer.headers.get("x-govshare-receipt")
    if answer.status_code >= 400 or header is None:
        return RemoteResult(answer.status_code, answer.content, header, False,
                            f"the node answered {answer.status_code} without a receipt")
    check = verify_receipt(Receipt.from_header(header), base64.b64decode(key["public_key"]), answer.content)
    return RemoteResult(answer.status_code, answer.content, header, check.ok, check.reason)
