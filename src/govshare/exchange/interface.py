"""Interface resources (共享方式：接口): the exchange forwards an authorised call to the provider's
registered HTTP endpoint, with its own signed headers, and passes back only granted items.

Headers sent to the provider: X-Govshare-Request-Id, X-Govshare-Consumer (department id),
X-Govshare-Client, X-Govshare-Purpose (percent-encoded) and X-Govshare-Receipt: the node's
signature over the request id, the resource and the hash of the forwarded body, so the
provider can prove which authorised call it answered.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy.orm import Session

from govshare.core.errors import AppError, Conflict
from govshare.core.signing import issue_receipt
from govshare.exchange import outbound
from govshare.exchange.calls import Call
from govshare.exchange.datasets import find

TIMEOUT = httpx.Timeout(10.0, connect=3.0)


class UpstreamFailed(AppError):
    status = 502
    code = "upstream_failed"


def forward(session: Session, call: Call, body: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, Any]]:
    dataset = find(session, call.resource.id)
    if dataset is None or not dataset.endpoint_url:
        raise Conflict(f"resource {call.resource.code} has no registered interface endpoint",
                       f"信息资源 {call.resource.code} 未登记接口地址", code="no_endpoint")
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    principal = call.caller.principal
    headers = {"content-type": "application/json", "X-Govshare-Request-Id": call.request_id,
               "X-Govshare-Consumer": str(principal.department_id or ""),
               "X-Govshare-Client": str(principal.client_id or ""), "X-Govshare-Purpose": quote(call.purpose),
               "X-Govshare-Receipt": issue_receipt(call.request_id, call.resource.code, content).header()}
    try:
        # checked again against the outbound policy on fresh DNS (a rebinding cannot redirect it)
        answer = outbound.post(dataset.endpoint_url, content, headers, TIMEOUT)
        data = answer.json()
    except outbound.OutboundRefused as exc:
        raise UpstreamFailed(f"the node's outbound policy refuses the provider's endpoint: {exc.message}",
                             f"节点出站策略不允许访问提供方接口：{exc.message_zh}") from exc
    except (httpx.HTTPError, ValueError) as exc:
        raise UpstreamFailed(f"the provider's endpoint did not answer with JSON ({type(exc).__name__})",
                             "提供方接口未返回有效的 JSON") from exc
    if answer.status_code >= 400:
        raise UpstreamFailed(f"the provider's endpoint answered {answer.status_code}",
                             f"提供方接口返回错误 {answer.status_code}",
                             details={"upstream_status": answer.status_code})
    kept = _granted(data, set(call.items))
    rows = len(kept) if isinstance(kept, list) else 1
    return {"resource": call.resource.code, "status": answer.status_code, "data": kept}, rows, {
        "upstream_status": answer.status_code, "items": call.items}


def _granted(data: Any, items: set[str]) -> Any:
    """Objects keep only granted items (recursively through lists and a `data`/`rows` wrapper)."""
    if isinstance(data, list):
        return [_granted(x, items) for x in data]
    if isinstance(data, dict):
        if set(data) <= {"data", "rows", "items", "total", "code", "message"} and any(
                isinstance(data.get(k), list | dict) for k in ("data", "rows")):
            return {k: (_granted(v, items) if k in ("data", "rows") else v) for k, v in data.items()}
        return {k: v for k, v in data.items() if k in items}
    return data
