"""HTTP API of the exchange under /api/v1/exchange. Thin: parse, authorise, call one service
function, shape the answer. Every data answer carries the node's signed receipt
(X-Govshare-Receipt) and every data call, allowed or refused, is in the audit chain."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from govshare.core.errors import AppError, InvalidInput
from govshare.core.signing import issue_receipt
from govshare.exchange import (
    access_requests,
    calls,
    data,
    datasets,
    grants,
    howto,
    interface,
    limits,
    loading,
    objections,
    stats,
    subscriptions,
)
from govshare.exchange.models import LoadMode
from govshare.exchange.schemas import (
    ApproveIn,
    CallIn,
    DatasetIn,
    EscalateIn,
    LimitIn,
    ObjectionAnswerIn,
    ObjectionIn,
    QueryIn,
    RefuseIn,
    RequestIn,
    RevokeIn,
    SubscriptionIn,
    VerifyIn,
)
from govshare.web.deps import Caller, Credentials, authorize, authorize_in_call, db_session

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange 共享交换"])

Work = Callable[[calls.Call], tuple[dict[str, Any], int, dict[str, Any]]]


def data_call(session: Session, caller: Caller, resource_id: int, operation: str, purpose: str,
              work: Work) -> Response:
    """The protocol of every data call (also used by the base libraries): a live grant and the
    limits are checked, `work` runs, the call is counted (and refused if that puts it over the
    minute's allowance) and audited, the answer is signed.

    It commits here, not in the request's unit of work: the counters `finish` updates are locked
    until the commit, and every concurrent call of the client waits for them (on SQLite, every
    writer waits for the transaction). Committing at once keeps the answer's signing and
    serialisation and the thread hop to the unit of work's commit out of that wait."""
    try:
        call = calls.begin(session, caller, resource_id, operation, purpose)
        payload, rows, details = work(call)
        calls.finish(session, call, rows, details)
    except AppError as exc:
        calls.refused(session, caller, resource_id, operation, purpose, exc)
        raise
    session.commit()
    return calls.signed_json(call, payload)


# --- data (first: most requests are these, and routes are matched in the order declared) --------


@router.post("/resources/{resource_id}/query", summary="Query granted items 查询")
def query(resource_id: int, body: QueryIn,
          credentials: Credentials = Depends(authorize_in_call("exchange.query"))) -> Response:
    caller, session = credentials.check()
    return data_call(session, caller, resource_id, "query", body.purpose,
                      lambda call: data.query(session, call, body.filter, body.items, body.limit, body.offset))


@router.post("/resources/{resource_id}/verify", summary="Verify values without disclosure 核验")
def verify(resource_id: int, body: VerifyIn,
           credentials: Credentials = Depends(authorize_in_call("exchange.verify"))) -> Response:
    caller, session = credentials.check()
    return data_call(session, caller, resource_id, "verify", body.purpose,
                      lambda call: data.verify(session, call, body.values))


def _json_param(text: str | None, name: str) -> Any:
    if not text:
        return {} if name == "filter" else []
    try:
        return json.loads(text)
    except ValueError:
        raise InvalidInput(f"{name} must be JSON", f"{name} 应为 JSON", field=name) from None


@router.get("/resources/{resource_id}/download", summary="Download granted rows as CSV or Parquet 下载")
def download(resource_id: int, purpose: str = Query(..., min_length=2, max_length=500),
             format: str = Query("csv", pattern="^(csv|parquet)$"),
             filter: str | None = Query(None, max_length=20_000, description="JSON filter, as in query"),
             items: str | None = Query(None, max_length=20_000, description="JSON list of items"),
             credentials: Credentials = Depends(authorize_in_call("exchange.download"))) -> Response:
    caller, session = credentials.check()
    spooled = None
    try:
        call = calls.begin(session, caller, resource_id, "download", purpose)
        allowed = limits.rows_left(session, caller.principal, call.limits)
        spooled, rows, details = data.download(session, call, _json_param(filter, "filter"),
                                               _json_param(items, "items"), format, allowed)
        calls.finish(session, call, rows, details)
    except AppError as exc:
        if spooled is not None:
            spooled.close()
        calls.refused(session, caller, resource_id, "download", purpose, exc)
        raise
    # The receipt signs the hash taken while the file was written; the file is then streamed
    # from the spool (memory bounded), and closed when the answer ends.
    receipt = issue_receipt(call.request_id, call.resource.code, b"", digest=spooled.digest)
    media = "text/csv; charset=utf-8" if format == "csv" else "application/vnd.apache.parquet"
    return StreamingResponse(data.stream(spooled), media_type=media, headers={
        calls.RECEIPT_HEADER: receipt.header(), calls.REQUEST_ID_HEADER: call.request_id,
        "Content-Length": str(spooled.size),
        "Content-Disposition": f'attachment; filename="{call.resource.code.replace("/", "-")}.{format}"',
        "X-Govshare-Rows": str(rows), "X-Govshare-Cursor": str(details["cursor"])})


@router.get("/resources/{resource_id}/changes", summary="Change feed since a cursor 增量")
def changes(resource_id: int, purpose: str = Query(..., min_length=2, max_length=500),
            cursor: int = Query(0, ge=0), limit: int = Query(500, ge=1, le=data.FEED_MAX),
            credentials: Credentials = Depends(authorize_in_call("exchange.feed"))) -> Response:
    caller, session = credentials.check()
    return data_call(session, caller, resource_id, "feed", purpose,
                      lambda call: data.changes(session, call, cursor, limit))


@router.post("/resources/{resource_id}/call", summary="Call an interface resource 接口调用")
def call_interface(resource_id: int, body: CallIn,
                   credentials: Credentials = Depends(authorize_in_call("exchange.call"))) -> Response:
    caller, session = credentials.check()
    return data_call(session, caller, resource_id, "call", body.purpose,
                      lambda call: interface.forward(session, call, body.body))


@router.get("/resources/{resource_id}/howto", summary="How to call this resource (curl, Python)")
def how_to(request: Request, resource_id: int, caller: Caller = Depends(authorize("exchange.read")),
           session: Session = Depends(db_session)) -> dict:
    from govshare.exchange.items import columns_for, requestable

    resource = requestable(session, caller.principal, resource_id)
    dataset = datasets.find(session, resource_id)
    return howto.examples(resource, columns_for(resource), dataset.key_items if dataset else [],
                          str(request.base_url))


@router.get("/resources/{resource_id}/quality", summary="Quality score with open objections")
def quality(resource_id: int, caller: Caller = Depends(authorize("exchange.read")),
            session: Session = Depends(db_session)) -> dict:
    from govshare.exchange.items import requestable

    return objections.quality_score(session, requestable(session, caller.principal, resource_id))


# --- datasets and loads ------------------------------------------------------------------------


@router.put("/resources/{resource_id}/dataset", summary="Dataset settings: key items, quality gate, endpoint")
def configure_dataset(resource_id: int, body: DatasetIn, caller: Caller = Depends(authorize("exchange.load")),
                      session: Session = Depends(db_session)) -> dict:
    dataset = datasets.configure(session, caller.principal, caller.actor, resource_id,
                                 datasets.DatasetSettings(**body.model_dump()))
    return {"resource_id": resource_id, "key_items": dataset.key_items, "gate": dataset.gate.value,
            "min_score": dataset.min_score, "endpoint_url": dataset.endpoint_url,
            "live_version_id": dataset.live_version_id}


@router.post("/resources/{resource_id}/loads", status_code=201, summary="Load a file 装载数据")
def upload(request: Request, resource_id: int, file: UploadFile = File(...),
           mode: LoadMode = Form(LoadMode.REPLACE), format: str | None = Form(None),
           encoding: str | None = Form(None), caller: Caller = Depends(authorize("exchange.load")),
           session: Session = Depends(db_session)) -> dict:
    from govshare.quality.readers import stream_to_file

    session.commit()  # the load runs its own transactions; never hold SQLite's write lock meanwhile
    name = Path(file.filename or "upload.csv").name
    path = stream_to_file(file.file, Path(name).suffix or ".csv")
    try:
        version = loading.load(request.app.state.database, caller.principal, caller.actor,
                               loading.LoadRequest(resource_id, path, name, mode, format, encoding))
    finally:
        path.unlink(missing_ok=True)
    return datasets.version_out(version)


@router.get("/resources/{resource_id}/loads", summary="Loads of a dataset, newest first")
def list_loads(resource_id: int, caller: Caller = Depends(authorize("exchange.load")),
               session: Session = Depends(db_session)) -> list[dict]:
    return [datasets.version_out(v) for v in datasets.versions(session, caller.principal, resource_id)]


@router.post("/loads/{version_id}/resume", summary="Resume a failed or interrupted load")
def resume_load(request: Request, version_id: int, force: bool = False,
                caller: Caller = Depends(authorize("exchange.load")), session: Session = Depends(db_session)) -> dict:
    session.commit()
    return datasets.version_out(loading.resume(request.app.state.database, caller.principal, caller.actor,
                                               version_id, force))


@router.post("/loads/{version_id}/retry", summary="Load the same file again as a new version")
def retry_load(request: Request, version_id: int, caller: Caller = Depends(authorize("exchange.load")),
               session: Session = Depends(db_session)) -> dict:
    session.commit()
    return datasets.version_out(loading.retry(request.app.state.database, caller.principal, caller.actor,
                                              version_id))


# --- requests ----------------------------------------------------------------------------------


@router.post("/requests", status_code=201, summary="Request a resource 共享申请")
def submit_request(body: RequestIn, caller: Caller = Depends(authorize("exchange.request")),
                   session: Session = Depends(db_session)) -> dict:
    found = access_requests.submit(session, caller.principal, caller.actor, body)
    return access_requests.request_out(session, found)


@router.get("/requests", summary="Requests: mine, to review, for coordination")
def list_requests(side: str = Query("all", pattern="^(all|mine|review|coordination)$"),
                  status: str | None = Query(None, pattern="^[a-z]{1,20}$"),
                  caller: Caller = Depends(authorize("exchange.read")),
                  session: Session = Depends(db_session)) -> list[dict]:
    try:
        found = access_requests.list_requests(session, caller.principal, side, status)
    except ValueError:
        raise InvalidInput(f"unknown status {status!r}", f"未知的状态“{status}”", field="status") from None
    return [access_requests.request_out(session, r) for r in found]


@router.get("/requests/{request_id}", summary="One request")
def get_request(request_id: int, caller: Caller = Depends(authorize("exchange.read")),
                session: Session = Depends(db_session)) -> dict:
    return access_requests.request_out(session, access_requests.get_request(session, caller.principal, request_id))


@router.post("/requests/{request_id}/approve", summary="Approve, possibly narrower 同意/部分同意")
def approve(request_id: int, body: ApproveIn, caller: Caller = Depends(authorize("exchange.review")),
            session: Session = Depends(db_session)) -> dict:
    found = access_requests.approve(session, caller.principal, caller.actor, request_id, body)
    return access_requests.request_out(session, found)


@router.post("/requests/{request_id}/refuse", summary="Refuse with reasons 拒绝")
def refuse(request_id: int, body: RefuseIn, caller: Caller = Depends(authorize("exchange.review")),
           session: Session = Depends(db_session)) -> dict:
    found = access_requests.refuse(session, caller.principal, caller.actor, request_id, body.reasons)
    return access_requests.request_out(session, found)


@router.post("/requests/{request_id}/escalate", summary="Raise a refused request for coordination 提请协调")
def escalate(request_id: int, body: EscalateIn, caller: Caller = Depends(authorize("exchange.request")),
             session: Session = Depends(db_session)) -> dict:
    found = access_requests.escalate(session, caller.principal, caller.actor, request_id, body.reason)
    return access_requests.request_out(session, found)


@router.post("/requests/{request_id}/withdraw", summary="Withdraw an open request")
def withdraw(request_id: int, caller: Caller = Depends(authorize("exchange.request")),
             session: Session = Depends(db_session)) -> dict:
    found = access_requests.withdraw(session, caller.principal, caller.actor, request_id)
    return access_requests.request_out(session, found)


# --- grants ------------------------------------------------------------------------------------


@router.get("/grants", summary="Grants held or given by own department")
def list_grants(side: str = Query("all", pattern="^(all|consumer|provider)$"), resource_id: int | None = None,
                caller: Caller = Depends(authorize("exchange.read")), session: Session = Depends(db_session)) -> list:
    return [grants.grant_out(g) for g in grants.list_grants(session, caller.principal, side, resource_id)]


@router.get("/grants/{grant_id}", summary="One grant")
def get_grant(grant_id: int, caller: Caller = Depends(authorize("exchange.read")),
              session: Session = Depends(db_session)) -> dict:
    return grants.grant_out(grants.get_grant(session, caller.principal, grant_id))


@router.post("/grants/{grant_id}/revoke", summary="Revoke at once 撤销授权")
def revoke(grant_id: int, body: RevokeIn, caller: Caller = Depends(authorize("exchange.grant.revoke")),
           session: Session = Depends(db_session)) -> dict:
    return grants.grant_out(grants.revoke(session, caller.principal, caller.actor, grant_id, body.reason))


# --- subscriptions -----------------------------------------------------------------------------


@router.post("/subscriptions", status_code=201, summary="Subscribe a webhook 订阅; the secret is shown once")
def subscribe(body: SubscriptionIn, caller: Caller = Depends(authorize("exchange.subscribe")),
              session: Session = Depends(db_session)) -> dict:
    sub, secret = subscriptions.create(session, caller.principal, caller.actor, body.resource_id, body.url,
                                       body.purpose)
    return {**subscriptions.subscription_out(sub), "secret": secret}


@router.get("/subscriptions", summary="Own department's subscriptions")
def list_subscriptions(caller: Caller = Depends(authorize("exchange.read")),
                       session: Session = Depends(db_session)) -> list[dict]:
    return [subscriptions.subscription_out(s) for s in subscriptions.list_for(session, caller.principal)]


@router.delete("/subscriptions/{subscription_id}", summary="Cancel a subscription")
def unsubscribe(subscription_id: int, caller: Caller = Depends(authorize("exchange.subscribe")),
                session: Session = Depends(db_session)) -> dict:
    return subscriptions.subscription_out(subscriptions.cancel(session, caller.principal, caller.actor,
                                                               subscription_id))


@router.get("/subscriptions/{subscription_id}/deliveries", summary="Delivery log 投递记录")
def list_deliveries(subscription_id: int, caller: Caller = Depends(authorize("exchange.read")),
                    session: Session = Depends(db_session)) -> list[dict]:
    return [subscriptions.delivery_out(d) for d in subscriptions.deliveries(session, caller.principal,
                                                                           subscription_id)]


# --- objections --------------------------------------------------------------------------------


@router.post("/objections", status_code=201, summary="Flag a wrong record 疑义")
def raise_objection(body: ObjectionIn, caller: Caller = Depends(authorize("exchange.object")),
                    session: Session = Depends(db_session)) -> dict:
    found = objections.raise_objection(session, caller.principal, caller.actor, body.resource_id, body.key,
                                       body.item, body.claim)
    return objections.objection_out(found)


@router.get("/objections", summary="Objections raised or to answer")
def list_objections(resource_id: int | None = None,
                    status: str | None = Query(None, pattern="^(open|corrected|explained)$"),
                    caller: Caller = Depends(authorize("exchange.read")),
                    session: Session = Depends(db_session)) -> list[dict]:
    return [objections.objection_out(o) for o in objections.list_objections(session, caller.principal,
                                                                            resource_id, status)]


@router.post("/objections/{objection_id}/answer", summary="Correct or explain 更正/说明")
def answer_objection(objection_id: int, body: ObjectionAnswerIn,
                     caller: Caller = Depends(authorize("exchange.object.answer")),
                     session: Session = Depends(db_session)) -> dict:
    return objections.objection_out(objections.answer(session, caller.principal, caller.actor, objection_id,
                                                      body.status, body.answer))


# --- limits and statistics ---------------------------------------------------------------------


@router.put("/clients/{client_id}/limits", summary="Set a client's rate and row limits")
def set_limits(client_id: int, body: LimitIn, caller: Caller = Depends(authorize("exchange.limits")),
               session: Session = Depends(db_session)) -> dict:
    row = limits.set_limits(session, caller.actor, client_id, limits.Limits(**body.model_dump()))
    return {"client_id": row.client_id, "calls_per_minute": row.calls_per_minute, "rows_per_day": row.rows_per_day,
            "rows_per_call": row.rows_per_call}


@router.get("/stats", summary="Call statistics by resource, provider, consumer, client, day")
def call_stats(by: str = Query("day", pattern="^(resource|provider|consumer|client|day|operation|outcome)$"),
               days: int = Query(30, ge=1, le=3660), resource_id: int | None = None,
               caller: Caller = Depends(authorize("exchange.stats")), session: Session = Depends(db_session)) -> list:
    return stats.summary(session, caller.principal, by, days, resource_id)


@router.get("/stats/overdue", summary="Requests answered late or overdue, per provider")
def overdue_stats(caller: Caller = Depends(authorize("exchange.stats")),
                  session: Session = Depends(db_session)) -> list:
    return stats.overdue_by_provider(session, caller.principal)
