"""Electronic certificates (电子证照, GB/T 36901–36906).

- A certificate type (证照类型) names its issuing department, holder kind and metadata items,
  and is cataloged as a base resource (class 105001) of that department: that resource is what
  consumers are granted, through the exchange, to list and fetch holders' certificates.
- Issuing signs the canonical JSON of the certificate (identifier, type, issuer, holder,
  dates, trust grade and every data item; keys sorted, no spaces, UTF-8) with the node's key
  in the node's suite (Ed25519 or SM2). The identifier follows the layout of GB/T 36904: issuer
  credit code (18) + type code (4) + serial (8) + one ISO/IEC 7064 MOD 37,36 check character.
- Verification recomputes the canonical bytes from what is stored (or what a holder presents)
  and checks the signature: any changed field, or any changed signature byte, fails with the
  reason. A revoked or expired certificate says so. Verification by identifier is public and
  shows only what the printed certificate shows anyway: type, issuer, dates, grade, status and
  the holder masked.
- Keys: each certificate records the suite and key id it was signed with; verification looks
  that key up in the node's key history (`orgs.node_keys`), so certificates signed before a key
  rotation or a suite switch still verify, unless their key was retired as compromised.
- Trust grades (RULES.md §3): A issued by the issuer under its seal, B checked by a window
  clerk, C uploaded by the applicant, D made by the applicant under pledge.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govshare.base.libraries import lead_department, platform_admin, publish_entry
from govshare.base.models import TRUST_GRADES, Certificate, CertificateRevocation, CertificateType
from govshare.catalog.schemas import ItemIn, ResourceIn
from govshare.catalog.vocab import CatalogKind, DataType, ResourceFormat, ShareMode, ShareType, UpdateCycle
from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.auth import Principal, Role
from govshare.core.clock import today
from govshare.core.config import get_settings
from govshare.core.crypto import get_suite
from govshare.core.db import utcnow
from govshare.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from govshare.core.masking import mask_citizen_id, mask_name
from govshare.core.signing import key_id, node_keypair
from govshare.orgs import node_keys
from govshare.orgs.models import Department
from govshare.standards.identifiers import check_citizen_id, check_uscc

PERSON, ORGANISATION = "person", "organisation"
GRADE_MEANING = {
    "A": ("发证机关电子印章签发，可直接使用", "issued under the issuer's seal; usable directly"),
    "B": ("窗口人员核验，可复用", "checked by a window clerk; reusable"),
    "C": ("申请人上传，原件待核", "uploaded by the applicant; original to be checked"),
    "D": ("申请人承诺制作", "made by the applicant under pledge"),
}


@dataclass(frozen=True)
class TypeSpec:
    code: str
    name: str
    name_en: str
    issuer: str  # a word of the issuing department's name
    holder_kind: str
    items: tuple[str, ...]
    validity_years: int | None


TYPES: tuple[TypeSpec, ...] = (
    TypeSpec(
        "0101",
        "居民身份证",
        "Resident identity card",
        "公安",
        PERSON,
        ("姓名", "性别", "民族", "出生日期", "住址", "签发机关"),
        20,
    ),
    TypeSpec(
        "0102", "居民户口簿", "Household register", "公安", PERSON, ("户号", "户主姓名", "住址", "与户主关系"), None
    ),
    TypeSpec(
        "0201",
        "结婚证",
        "Marriage certificate",
        "民政",
        PERSON,
        ("持证人", "配偶姓名", "配偶公民身份号码", "登记日期", "登记机关"),
        None,
    ),
    TypeSpec(
        "0301",
        "营业执照",
        "Business licence",
        "市场监督管理",
        ORGANISATION,
        ("名称", "类型", "法定代表人", "注册资本", "成立日期", "住所"),
        None,
    ),
    TypeSpec(
        "0401",
        "学位证书",
        "Degree certificate",
        "教育",
        PERSON,
        ("姓名", "学位", "学科专业", "授予单位", "证书编号"),
        None,
    ),
    TypeSpec(
        "0501", "机动车驾驶证", "Driving licence", "公安", PERSON, ("姓名", "准驾车型", "初次领证日期", "住址"), 6
    ),
)
# The metadata every certificate resource carries (GB/T 36903 core metadata).
COMMON_ITEMS = (
    "证照标识",
    "证照类型代码",
    "证照名称",
    "持证主体代码",
    "持证主体名称",
    "颁发机构",
    "颁发日期",
    "有效期至",
    "证照状态",
    "可信等级",
)


# --- identifiers ------------------------------------------------------------------------------

_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def mod37_36(text: str) -> str:
    """ISO/IEC 7064 MOD 37,36 check character (hybrid system over 0-9 A-Z)."""
    product = 36
    for ch in text:
        total = (product % 37 + _ALNUM.index(ch)) % 36
        product = (total or 36) * 2
    return _ALNUM[(37 - product % 37) % 36]


def make_identifier(issuer_code: str, type_code: str, serial: int) -> str:
    body = f"{issuer_code}{type_code}{serial:08d}"
    return body + mod37_36(body)


def identifier_ok(identifier: str) -> bool:
    return (
        len(identifier) == 31 and all(c in _ALNUM for c in identifier) and mod37_36(identifier[:-1]) == identifier[-1]
    )


# --- types -------------------------------------------------------------------------------------


def _type_entry(spec: TypeSpec, provider_id: int) -> ResourceIn:
    items = [ItemIn(name=n, data_type=DataType.STRING, length=100) for n in COMMON_ITEMS]
    items += [ItemIn(name=n, data_type=DataType.STRING, length=200) for n in spec.items if n not in COMMON_ITEMS]
    return ResourceIn(
        catalog=CatalogKind.BASE,
        class_code="105001",
        name=f"{spec.name}电子证照",
        provider_id=provider_id,
        summary=f"{spec.name}电子证照（类型代码 {spec.code}），按持证主体代码查询和获取，凭证照标识验真。",
        format=ResourceFormat.INTERFACE,
        share_type=ShareType.UNCONDITIONAL,
        share_mode=ShareMode.PLATFORM,
        share_method=ResourceFormat.INTERFACE,
        update_cycle=UpdateCycle.REALTIME,
        system_name="电子证照库",
        items=items,
    )


def ensure_types(session: Session, actor: Actor, province: str = "330000") -> dict[str, CertificateType]:
    """The demo certificate types, each with its catalog resource (created once)."""
    from govshare.base.libraries import find_resource

    out = {}
    for spec in TYPES:
        found = session.scalar(select(CertificateType).where(CertificateType.code == spec.code))
        if found is None:
            issuer = lead_department(session, actor, spec.issuer, province)
            data = _type_entry(spec, issuer.id)
            resource = find_resource(session, issuer.id, data.name) or publish_entry(session, actor, data)
            found = CertificateType(
                code=spec.code,
                name=spec.name,
                name_en=spec.name_en,
                issuer_id=issuer.id,
                holder_kind=spec.holder_kind,
                items=[{"name": n} for n in spec.items],
                validity_years=spec.validity_years,
                resource_id=resource.id,
            )
            session.add(found)
            session.flush()
            audit.record(
                session,
                actor,
                "base.certificate_type.create",
                object_type="base_certificate_type",
                object_id=found.id,
                details={"code": spec.code, "name": spec.name, "issuer_id": issuer.id},
            )
        out[spec.code] = found
    return out


def list_types(session: Session) -> list[CertificateType]:
    return list(session.scalars(select(CertificateType).order_by(CertificateType.code)))


def get_type(session: Session, code: str) -> CertificateType:
    found = session.scalar(select(CertificateType).where(CertificateType.code == code))
    if found is None:
        raise NotFound(f"certificate type {code} does not exist", f"证照类型 {code} 不存在")
    return found


# --- canonical content and signature ---------------------------------------------------------


def signed_content(cert: Certificate, type_code: str) -> dict[str, Any]:
    """Everything the signature covers, as the holder's copy shows it."""
    return {
        "identifier": cert.identifier,
        "type_code": type_code,
        "issuer_code": cert.issuer_code,
        "holder_code": cert.holder_code,
        "holder_name": cert.holder_name,
        "issued_on": cert.issued_on.isoformat(),
        "valid_until": cert.valid_until.isoformat() if cert.valid_until else None,
        "trust_grade": cert.trust_grade,
        "data": dict(cert.data),
    }


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _check_holder(kind: str, code: str) -> str:
    checked = check_citizen_id(code) if kind == PERSON else check_uscc(code)
    if not checked.ok or checked.normalized is None:
        what = "citizen ID number" if kind == PERSON else "unified social credit code"
        raise InvalidInput(
            f"holder {code!r} is not a valid {what}: {checked.reason}",
            f"持证主体代码 {code} 无效：{checked.reason_zh}",
            field="holder_code",
        )
    return checked.normalized


def _check_data(ctype: CertificateType, data: dict[str, Any]) -> dict[str, str]:
    names = [i["name"] for i in ctype.items]
    unknown = [k for k in data if k not in names]
    missing = [n for n in names if n not in data]
    if unknown or missing:
        raise InvalidInput(
            f"{ctype.name} takes exactly the items {', '.join(names)}; unknown: {', '.join(unknown) or '-'};"
            f" missing: {', '.join(missing) or '-'}",
            f"{ctype.name}的信息项应为：{'、'.join(names)}；多余：{'、'.join(unknown) or '无'}；"
            f"缺少：{'、'.join(missing) or '无'}",
            field="data",
            details={"unknown": unknown, "missing": missing},
        )
    return {n: str(data[n]) for n in names}


def _may_issue(principal: Principal, ctype: CertificateType) -> None:
    if principal.has_role(Role.PLATFORM_ADMIN) and principal.department_id is None:
        return
    if principal.department_id != ctype.issuer_id:
        raise PermissionDenied(
            f"only the issuing department issues or revokes {ctype.name} certificates",
            f"只有发证机关可以签发或注销{ctype.name}",
        )


@dataclass
class IssueRequest:
    type_code: str
    holder_code: str
    holder_name: str
    data: dict[str, Any]
    trust_grade: str = "A"
    issued_on: date | None = None


class Signer:
    """The node's key and suite, fetched once for a batch of signatures; the key is recorded
    in the node's key history first, so every certificate's key id can be looked up later."""

    def __init__(self, session: Session) -> None:
        self.suite = get_settings().crypto_suite.value
        self.key_id = node_keys.sync(session).key_id
        self.keypair = node_keypair()
        assert key_id(self.keypair.public_key, self.suite) == self.key_id

    def sign(self, content: dict[str, Any]) -> str:
        return base64.b64encode(get_suite(self.suite).sign(self.keypair.private_key, canonical(content))).decode()


def _next_serial(session: Session, ctype: CertificateType) -> int:
    return (session.scalar(select(func.max(Certificate.serial)).where(Certificate.type_id == ctype.id)) or 0) + 1


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def build(
    ctype: CertificateType, issuer: Department, request: IssueRequest, serial: int, signer: Signer, actor: Actor
) -> Certificate:
    if request.trust_grade not in TRUST_GRADES:
        raise InvalidInput(
            f"trust grade must be one of {', '.join(TRUST_GRADES)}", "可信等级应为 A、B、C、D 之一", field="trust_grade"
        )
    issued_on = request.issued_on or today()
    valid_until = add_years(issued_on, ctype.validity_years) if ctype.validity_years else None
    cert = Certificate(
        identifier=make_identifier(issuer.uscc, ctype.code, serial),
        type_id=ctype.id,
        serial=serial,
        holder_code=_check_holder(ctype.holder_kind, request.holder_code.strip()),
        holder_name=request.holder_name.strip(),
        issuer_code=issuer.uscc,
        data=_check_data(ctype, request.data),
        issued_on=issued_on,
        valid_until=valid_until,
        trust_grade=request.trust_grade,
        suite=signer.suite,
        key_id=signer.key_id,
        signature="",
        status="valid",
        issued_at=utcnow(),
        issued_by=actor.name,
    )
    cert.signature = signer.sign(signed_content(cert, ctype.code))
    return cert


def issue(session: Session, principal: Principal, actor: Actor, request: IssueRequest) -> Certificate:
    ctype = get_type(session, request.type_code)
    _may_issue(principal, ctype)
    issuer = session.get(Department, ctype.issuer_id)
    assert issuer is not None
    cert = build(ctype, issuer, request, _next_serial(session, ctype), Signer(session), actor)
    session.add(cert)
    session.flush()
    audit.record(
        session,
        actor,
        "base.certificate.issue",
        object_type="base_certificate",
        object_id=cert.identifier,
        details={"type": ctype.code, "holder": _pseudonym(cert.holder_code), "grade": cert.trust_grade},
    )
    return cert


def issue_many(
    session: Session, actor: Actor, type_code: str, requests: list[IssueRequest], progress: Any = None
) -> int:
    """Bulk issue for the generator: one audit record for the batch, one signature each."""
    ctype = get_type(session, type_code)
    issuer = session.get(Department, ctype.issuer_id)
    assert issuer is not None
    signer, serial = Signer(session), _next_serial(session, ctype)
    certs = []
    for n, request in enumerate(requests):
        certs.append(build(ctype, issuer, request, serial + n, signer, actor))
        if progress and n % 100 == 0:
            progress(n)
    session.add_all(certs)
    session.flush()
    audit.record(
        session,
        actor,
        "base.certificate.issue_bulk",
        object_type="base_certificate_type",
        object_id=ctype.code,
        details={"count": len(certs), "first_serial": serial},
    )
    return len(certs)


def _pseudonym(value: str) -> str:
    from govshare.exchange.calls import pseudonym

    return pseudonym(value)


# --- verification ----------------------------------------------------------------------------


@dataclass
class Verification:
    identifier: str
    ok: bool
    status: str  # valid | revoked | expired | tampered | unknown
    reasons: list[tuple[str, str]] = field(default_factory=list)  # (en, zh)
    certificate: Certificate | None = None
    type: CertificateType | None = None
    revocation: CertificateRevocation | None = None

    def out(self, language: str = "en") -> dict[str, Any]:
        cert, ctype = self.certificate, self.type
        shown = None
        if cert is not None and ctype is not None:
            holder = mask_citizen_id(cert.holder_code) if ctype.holder_kind == PERSON else cert.holder_code
            name = mask_name(cert.holder_name) if ctype.holder_kind == PERSON else cert.holder_name
            shown = {
                "type_code": ctype.code,
                "type_name": ctype.name if language == "zh" else ctype.name_en,
                "issuer_code": cert.issuer_code,
                "holder_code": holder,
                "holder_name": name,
                "issued_on": cert.issued_on.isoformat(),
                "valid_until": cert.valid_until.isoformat() if cert.valid_until else None,
                "trust_grade": cert.trust_grade,
                "trust_grade_meaning": GRADE_MEANING[cert.trust_grade][0 if language == "zh" else 1],
                "suite": cert.suite,
            }
        return {
            "identifier": self.identifier,
            "ok": self.ok,
            "status": self.status,
            "reasons": [zh if language == "zh" else en for en, zh in self.reasons],
            "certificate": shown,
            "revoked_at": self.revocation.revoked_at.isoformat() if self.revocation else None,
        }


def find(session: Session, identifier: str) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.identifier == identifier.strip().upper()))


def _signature_ok(
    session: Session, cert: Certificate, content: dict[str, Any], signature: str
) -> tuple[bool, str, str]:
    """Checked with the key the certificate names (any key in the node's history), so a
    rotation or a suite switch leaves earlier certificates verifiable."""
    key = node_keys.find(session, cert.key_id)
    problem = node_keys.unusable(key, cert.suite)
    if problem is not None or key is None:
        en, zh = problem or ("unknown key", "未知密钥")
        return False, en, zh
    public = node_keys.public_key(key)
    try:
        raw = base64.b64decode(signature, validate=True)
    except ValueError:
        return False, "the signature is not valid base64", "签名不是有效的 base64 编码"
    if not get_suite(cert.suite).verify(public, canonical(content), raw):
        return (
            False,
            "the content does not match the issuer's signature: the certificate was altered",
            "证照内容与发证机关的签名不符：证照已被篡改",
        )
    return True, "", ""


def _differences(stored: dict[str, Any], presented: dict[str, Any]) -> list[str]:
    fields = [k for k in sorted(set(stored) | set(presented)) if k != "data" and stored.get(k) != presented.get(k)]
    data_s, data_p = stored.get("data") or {}, presented.get("data") or {}
    return fields + [f"data.{k}" for k in sorted(set(data_s) | set(data_p)) if data_s.get(k) != data_p.get(k)]


def verify(
    session: Session, identifier: str, presented: dict[str, Any] | None = None, signature: str | None = None
) -> Verification:
    """Checks the stored certificate's signature (and, when given, the holder's copy and its
    signature against it); reports revocation and expiry."""
    identifier = identifier.strip().upper()
    result = Verification(identifier, False, "unknown")
    if not identifier_ok(identifier):
        result.reasons.append(
            (
                "the identifier's check character is wrong or its layout is not a certificate identifier",
                "证照标识校验位错误或格式不符",
            )
        )
        return result
    cert = find(session, identifier)
    if cert is None:
        result.reasons.append(("no certificate with this identifier was issued here", "本节点未签发此证照标识"))
        return result
    ctype = session.get(CertificateType, cert.type_id)
    assert ctype is not None
    result.certificate, result.type = cert, ctype
    stored = signed_content(cert, ctype.code)
    ok, en, zh = _signature_ok(session, cert, stored, cert.signature)
    if not ok:
        result.status = "tampered"
        result.reasons.append((f"stored record: {en}", f"存储的证照：{zh}"))
    if presented is not None:
        changed = _differences(stored, presented)
        if changed:
            result.status = "tampered"
            result.reasons.append(
                (
                    f"the copy presented differs from the issued certificate in: {', '.join(changed)}",
                    f"所出示的证照与签发记录不一致：{'、'.join(changed)}",
                )
            )
    if signature is not None and signature != cert.signature:
        ok2, en2, zh2 = _signature_ok(session, cert, presented or stored, signature)
        if not ok2:
            result.status = "tampered"
            result.reasons.append((f"presented signature: {en2}", f"所出示的签名：{zh2}"))
    if result.status == "tampered":
        return result
    if cert.status == "revoked":
        result.revocation = session.scalar(
            select(CertificateRevocation).where(CertificateRevocation.certificate_id == cert.id)
        )
        when = result.revocation.revoked_at.date().isoformat() if result.revocation else "?"
        why = result.revocation.reason if result.revocation else ""
        result.status = "revoked"
        result.reasons.append((f"revoked on {when}: {why}", f"已于 {when} 注销：{why}"))
        return result
    if cert.valid_until and cert.valid_until < today():
        result.status = "expired"
        result.reasons.append(
            (f"expired on {cert.valid_until.isoformat()}", f"已于 {cert.valid_until.isoformat()} 过期")
        )
        return result
    result.ok, result.status = True, "valid"
    return result


def verify_audited(
    session: Session,
    actor: Actor,
    identifier: str,
    presented: dict[str, Any] | None = None,
    signature: str | None = None,
) -> Verification:
    """`verify`, with one audit record of who asked (public callers by address) and the outcome."""
    result = verify(session, identifier, presented, signature)
    audit.record(
        session,
        actor,
        "base.certificate.verify",
        object_type="base_certificate",
        object_id=result.identifier[:64],
        outcome=audit.Outcome.SUCCESS if result.ok else audit.Outcome.FAILURE,
        details={"status": result.status, "presented": presented is not None},
    )
    return result


def revoke(session: Session, principal: Principal, actor: Actor, identifier: str, reason: str) -> Certificate:
    cert = find(session, identifier)
    if cert is None:
        raise NotFound(f"certificate {identifier} does not exist", f"证照 {identifier} 不存在")
    ctype = session.get(CertificateType, cert.type_id)
    assert ctype is not None
    _may_issue(principal, ctype)
    if cert.status == "revoked":
        raise Conflict(f"certificate {identifier} is already revoked", f"证照 {identifier} 已注销")
    if len(reason.strip()) < 2:
        raise InvalidInput("give the reason for revoking", "注销须说明理由", field="reason")
    cert.status = "revoked"
    session.add(CertificateRevocation(certificate_id=cert.id, reason=reason.strip()[:2000], revoked_by=actor.name))
    audit.record(
        session,
        actor,
        "base.certificate.revoke",
        object_type="base_certificate",
        object_id=cert.identifier,
        details={"type": ctype.code, "holder": _pseudonym(cert.holder_code), "reason": reason.strip()[:500]},
    )
    return cert


# --- holders' certificates ---------------------------------------------------------------------


def for_holder(session: Session, holder_code: str, type_ids: list[int]) -> list[Certificate]:
    if not type_ids:
        return []
    return list(
        session.scalars(
            select(Certificate)
            .where(Certificate.holder_code == holder_code.strip().upper(), Certificate.type_id.in_(type_ids))
            .order_by(Certificate.issued_on.desc(), Certificate.id)
        )
    )


def certificate_out(cert: Certificate, ctype: CertificateType, items: list[str] | None = None) -> dict[str, Any]:
    """The holder's copy: the signed content, its signature and status. With `items` (a grant's
    items), data items outside them are left out (and then the copy no longer verifies offline;
    the consumer verifies it by identifier)."""
    content = signed_content(cert, ctype.code)
    if items is not None:
        content["data"] = {k: v for k, v in content["data"].items() if k in items}
    return {
        "certificate": content,
        "type_name": ctype.name,
        "signature": cert.signature,
        "suite": cert.suite,
        "key_id": cert.key_id,
        "status": cert.status,
        "complete": items is None or set(content["data"]) == set(cert.data),
    }


def summary_out(cert: Certificate, ctype: CertificateType) -> dict[str, Any]:
    return {
        "identifier": cert.identifier,
        "type_code": ctype.code,
        "type_name": ctype.name,
        "issued_on": cert.issued_on.isoformat(),
        "valid_until": cert.valid_until.isoformat() if cert.valid_until else None,
        "status": cert.status,
        "trust_grade": cert.trust_grade,
    }


def admin_principal(actor: Actor) -> Principal:
    return platform_admin(actor)
