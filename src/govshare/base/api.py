"""HTTP API of the base libraries (/api/v1/base) and certificates (/api/v1/certificates).

Every data answer goes through the exchange: the caller's live grant on the library's (or the
certificate type's) catalog resource, its limits, one audit record per call with personal
identifiers pseudonymised, call statistics, and the node's signed receipt on the answer.
These routes only find the right resource for a person, a credit code or a certificate.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govshare.base import certificates, copies, credit, legal_persons
from govshare.base.libraries import BY_KEY, LIBRARIES, resource_id_of, resource_of
from govshare.base.models import Certificate, CertificateType
from govshare.core.audit import Actor
from govshare.core.errors import NotFound
from govshare.core.signing import issue_receipt
from govshare.exchange import calls, data
from govshare.exchange.api import data_call as _through_exchange  # the exchange's call protocol
from govshare.exchange.calls import RECEIPT_HEADER, REQUEST_ID_HEADER
from govshare.exchange.grants import live_grant
from govshare.web.deps import Caller, Credentials, authorize, authorize_in_call, client_ip, db_session, language, public

router = APIRouter(tags=["base 基础信息库与电子证照"])
Purpose = Field(min_length=2, max_length=500, description="用途（使用目的），记入审计")


def _library_id(session: Session, key: str) -> int:
    resource_id = resource_id_of(session, key)
    if resource_id is None:
        raise NotFound(
            f"the {BY_KEY[key].name} library is not cataloged on this node", f"本节点尚未编目{BY_KEY[key].name}"
        )
    return resource_id


def public_actor(request: Request) -> Actor:
    """Who asked a public verification: nobody signed in, so the address."""
    caller = getattr(request.state, "caller", None)
    return caller.actor if caller else Actor(name="public", source_ip=client_ip(request))


# --- libraries ---------------------------------------------------------------------------------


@router.get("/api/v1/base/libraries", summary="The base libraries: resource, lead department, key items")
def libraries(caller: Caller = Depends(authorize("base.read")), session: Session = Depends(db_session)) -> list:
    out = []
    for library in LIBRARIES:
        resource = resource_of(session, library.key)
        out.append(
            {
                "key": library.key,
                "domain": library.domain,
                "name": library.name,
                "resource_id": resource.id if resource else None,
                "code": resource.code if resource else None,
                "provider_id": resource.provider_id if resource else None,
                "key_items": list(library.key_items),
                "items": [i.name for i in library.items],
            }
        )
    return out


class PersonVerifyIn(BaseModel):
    purpose: str = Purpose
    id_number: str = Field(min_length=15, max_length=18, description="公民身份号码")
    name: str | None = Field(None, max_length=50, description="姓名")
    values: dict[str, Any] = Field(default_factory=dict, description="其他待核验信息项")


@router.post("/api/v1/base/persons/verify", summary="Verify a citizen's ID number and name 人口核验")
def verify_person(
    body: PersonVerifyIn, credentials: Credentials = Depends(authorize_in_call("base.lookup"))
) -> Response:
    caller, session = credentials.check()
    values = {"公民身份号码": body.id_number.strip().upper(), **body.values}
    if body.name is not None:
        values["姓名"] = body.name
    return _through_exchange(
        session,
        caller,
        _library_id(session, "person"),
        "verify",
        body.purpose,
        lambda call: data.verify(session, call, values),
    )


class LinkedIn(BaseModel):
    purpose: str = Purpose
    id_number: str = Field(min_length=15, max_length=18)


@router.post("/api/v1/base/persons/{kind}", summary="A person's social security, marriage or education record")
def person_record(
    kind: str,
    body: LinkedIn,
    credentials: Credentials = Depends(authorize_in_call("base.lookup")),
) -> Response:
    caller, session = credentials.check()
    if kind not in ("social_security", "marriage", "education", "person"):
        raise NotFound(f"no person library {kind!r}", f"没有人口信息库 {kind}")
    return _by_key(session, caller, kind, {"公民身份号码": body.id_number.strip().upper()}, body.purpose)


def _by_key(session: Session, caller: Caller, key: str, where: dict[str, Any], purpose: str) -> Response:
    return _through_exchange(
        session,
        caller,
        _library_id(session, key),
        "query",
        purpose,
        lambda call: data.query(session, call, where, [], 100, 0),
    )


@router.get("/api/v1/base/legal-persons/{credit_code}", summary="A legal person by credit code 法人查询")
def legal_person(
    credit_code: str,
    purpose: str = Query(..., min_length=2, max_length=500),
    credentials: Credentials = Depends(authorize_in_call("base.lookup")),
) -> Response:
    caller, session = credentials.check()
    key = legal_persons.library_for(credit_code)
    return _by_key(session, caller, key, {"统一社会信用代码": credit_code.strip().upper()}, purpose)


@router.get("/api/v1/base/credit/{subject}", summary="Credit records of a person or legal person 信用记录")
def credit_records(
    subject: str,
    purpose: str = Query(..., min_length=2, max_length=500),
    credentials: Credentials = Depends(authorize_in_call("base.lookup")),
) -> Response:
    caller, session = credentials.check()
    credit.subject_kind(subject)
    return _by_key(session, caller, "credit", {"主体代码": subject.strip().upper()}, purpose)


@router.get("/api/v1/base/divisions/{code}", summary="A division with its point 行政区划")
def division(
    code: str,
    purpose: str = Query(..., min_length=2, max_length=500),
    credentials: Credentials = Depends(authorize_in_call("base.lookup")),
) -> Response:
    caller, session = credentials.check()
    return _by_key(session, caller, "division", {"行政区划代码": code.strip()}, purpose)


# --- certificates ------------------------------------------------------------------------------


@router.get("/api/v1/certificates/types", summary="Certificate types 证照类型")
def certificate_types(caller: Caller = Depends(authorize("base.read")), session: Session = Depends(db_session)) -> list:
    counts = dict(session.execute(select(Certificate.type_id, func.count()).group_by(Certificate.type_id)).all())
    return [
        {
            "code": t.code,
            "name": t.name,
            "name_en": t.name_en,
            "issuer_id": t.issuer_id,
            "holder_kind": t.holder_kind,
            "items": [i["name"] for i in t.items],
            "validity_years": t.validity_years,
            "resource_id": t.resource_id,
            "issued": counts.get(t.id, 0),
        }
        for t in certificates.list_types(session)
    ]


class IssueIn(BaseModel):
    type_code: str = Field(min_length=4, max_length=4, description="证照类型代码")
    holder_code: str = Field(min_length=15, max_length=18, description="持证主体代码：公民身份号码或统一社会信用代码")
    holder_name: str = Field(min_length=1, max_length=200, description="持证主体名称")
    data: dict[str, Any] = Field(description="证照信息项")
    trust_grade: str = Field("A", pattern="^[ABCD]$", description="可信等级 A–D")


@router.post("/api/v1/certificates", status_code=201, summary="Issue a certificate 签发")
def issue(
    body: IssueIn, caller: Caller = Depends(authorize("base.certificate.issue")), session: Session = Depends(db_session)
) -> dict:
    cert = certificates.issue(
        session,
        caller.principal,
        caller.actor,
        certificates.IssueRequest(body.type_code, body.holder_code, body.holder_name, body.data, body.trust_grade),
    )
    ctype = session.get(CertificateType, cert.type_id)
    return certificates.certificate_out(cert, ctype)  # type: ignore[arg-type]


class RevokeIn(BaseModel):
    reason: str = Field(min_length=2, max_length=2000, description="注销理由")


@router.post("/api/v1/certificates/{identifier}/revoke", summary="Revoke 注销")
def revoke(
    identifier: str,
    body: RevokeIn,
    caller: Caller = Depends(authorize("base.certificate.revoke")),
    session: Session = Depends(db_session),
) -> dict:
    cert = certificates.revoke(session, caller.principal, caller.actor, identifier, body.reason)
    return certificates.summary_out(cert, session.get(CertificateType, cert.type_id))  # type: ignore[arg-type]


@router.get(
    "/api/v1/certificates/{identifier}/verify",
    summary="Verify by identifier (public) 验真",
    dependencies=[Depends(public)],
)
def verify_by_identifier(request: Request, identifier: str, session: Session = Depends(db_session)) -> dict:
    return certificates.verify_audited(session, public_actor(request), identifier).out(language(request))


class PresentedIn(BaseModel):
    certificate: dict[str, Any] = Field(description="持证人出示的证照内容（签名覆盖的全部字段）")
    signature: str = Field(min_length=1, max_length=400, description="发证机关签名（base64）")


@router.post(
    "/api/v1/certificates/verify",
    summary="Verify a presented copy and its signature (public)",
    dependencies=[Depends(public)],
)
def verify_presented(request: Request, body: PresentedIn, session: Session = Depends(db_session)) -> dict:
    identifier = str(body.certificate.get("identifier", ""))
    return certificates.verify_audited(
        session, public_actor(request), identifier, body.certificate, body.signature
    ).out(language(request))


class HolderIn(BaseModel):
    purpose: str = Purpose
    holder_code: str = Field(min_length=15, max_length=18)


def _signed(request_id: str, subject: str, payload: dict[str, Any]) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str).encode()
    receipt = issue_receipt(request_id, subject, body)
    return Response(
        body, media_type="application/json", headers={RECEIPT_HEADER: receipt.header(), REQUEST_ID_HEADER: request_id}
    )


@router.post("/api/v1/certificates/holders", summary="List a holder's certificates under grants 按持证主体查询")
def holder_certificates(
    body: HolderIn, caller: Caller = Depends(authorize("base.certificate.read")), session: Session = Depends(db_session)
) -> Response:
    """One exchange call per certificate type the caller holds a grant for (each audited);
    types without a grant are named, not listed."""
    granted, missing, found = [], [], []
    for ctype in certificates.list_types(session):
        if ctype.resource_id is None:
            continue
        owner = caller.principal.department_id == ctype.issuer_id
        if owner or live_grant(session, caller.principal, ctype.resource_id, "query") is not None:
            granted.append(ctype)
        else:
            missing.append(ctype.code)
    request_ids = []
    for ctype in granted:
        call = calls.begin(session, caller, ctype.resource_id, "query", body.purpose)  # type: ignore[arg-type]
        rows = certificates.for_holder(session, body.holder_code, [ctype.id])
        found += [certificates.summary_out(c, ctype) for c in rows]
        calls.finish(
            session, call, len(rows), {"holder": calls.pseudonym(body.holder_code.strip().upper()), "type": ctype.code}
        )
        request_ids.append(call.request_id)
    payload = {"holder_code": body.holder_code.strip().upper(), "certificates": found, "types_without_grant": missing}
    return _signed(request_ids[0] if request_ids else "none", "certificates", payload)


class FetchIn(BaseModel):
    purpose: str = Purpose
    format: str = Field("json", pattern="^(json|html|pdf|ofd)$")


@router.post("/api/v1/certificates/{identifier}/fetch", summary="Fetch one certificate under a grant 获取")
def fetch(
    identifier: str,
    body: FetchIn,
    caller: Caller = Depends(authorize("base.certificate.read")),
    session: Session = Depends(db_session),
) -> Response:
    cert = certificates.find(session, identifier)
    ctype = session.get(CertificateType, cert.type_id) if cert else None
    if cert is None or ctype is None or ctype.resource_id is None:
        raise NotFound(f"certificate {identifier} does not exist", f"证照 {identifier} 不存在")

    copy: tuple[bytes, str] | None = None

    def work(call: calls.Call) -> tuple[dict[str, Any], int, dict[str, Any]]:
        nonlocal copy
        granted = None if call.grant is None else list(call.items)  # None: the issuer itself
        if body.format != "json":  # rendered inside the call: it commits, audited, when the call ends
            copy = copies.render(cert, ctype, session, body.format, granted)
        return (
            certificates.certificate_out(cert, ctype, granted),
            1,
            {"certificate": cert.identifier, "format": body.format},
        )

    answer = _through_exchange(session, caller, ctype.resource_id, "query", body.purpose, work)
    if copy is None:
        return answer
    rendered, media = copy
    request_id = answer.headers[REQUEST_ID_HEADER]
    receipt = issue_receipt(request_id, ctype.code, rendered)
    return Response(
        rendered, media_type=media, headers={RECEIPT_HEADER: receipt.header(), REQUEST_ID_HEADER: request_id}
    )
