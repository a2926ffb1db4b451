"""Tables of the base capability: electronic certificates only.

The base libraries themselves (population, legal persons, spatial, credit) are catalog
resources whose rows are exchange datasets: no second storage engine. Certificates need what a
dataset row cannot carry: a signature over their exact content, a revocation with its reason,
and a trust grade (GB/T 36901–36906; RULES.md §3).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from govshare.core.db import Base, UTCDateTime, utcnow

TRUST_GRADES = ("A", "B", "C", "D")


class CertificateType(Base):
    """A kind of certificate (证照类型): its code, issuing department, holder kind and the
    metadata items (GB/T 36903) every certificate of the type carries."""

    __tablename__ = "base_certificate_type"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(8), nullable=False, unique=True)  # 证照类型代码
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    name_en: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    issuer_id: Mapped[int] = mapped_column(ForeignKey("department.id"), nullable=False)  # 颁发机构
    holder_kind: Mapped[str] = mapped_column(String(20), nullable=False)  # person | organisation
    items: Mapped[list[dict]] = mapped_column(JSON, nullable=False, default=list)  # [{name, type}]
    validity_years: Mapped[int | None] = mapped_column(Integer)
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_resource.id"))  # shared through
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class Certificate(Base):
    """One issued certificate: identifier, content, the issuer's signature, trust grade."""

    __tablename__ = "base_certificate"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identifier: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)  # 证照标识
    type_id: Mapped[int] = mapped_column(ForeignKey("base_certificate_type.id"), nullable=False)
    serial: Mapped[int] = mapped_column(Integer, nullable=False)
    holder_code: Mapped[str] = mapped_column(String(18), nullable=False)  # ID number or credit code
    holder_name: Mapped[str] = mapped_column(String(200), nullable=False)
    issuer_code: Mapped[str] = mapped_column(String(18), nullable=False)  # issuer's credit code
    data: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    issued_on: Mapped[date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[date | None] = mapped_column(Date)
    trust_grade: Mapped[str] = mapped_column(String(1), nullable=False, default="A")
    suite: Mapped[str] = mapped_column(String(10), nullable=False)
    key_id: Mapped[str] = mapped_column(String(32), nullable=False)
    signature: Mapped[str] = mapped_column(Text, nullable=False)  # base64
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="valid")  # valid | revoked
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    issued_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")

    __table_args__ = (
        UniqueConstraint("type_id", "serial", name="uq_base_certificate_type_serial"),
        Index("ix_base_certificate_holder", "holder_code"),
    )


class CertificateRevocation(Base):
    """Why and when a certificate was revoked (吊销/注销); one per certificate."""

    __tablename__ = "base_certificate_revocation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("base_certificate.id"), nullable=False, unique=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    revoked_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")
