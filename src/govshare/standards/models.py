"""Tables of the data-standards registry: data elements (数据元) and code tables (代码表).

Both are versioned: an authority that changes an element or a code table adds a new version
and the previous one is marked superseded, never edited in place, so a quality report can
always name the exact version it was checked against.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govshare.core.db import Base, UTCDateTime, utcnow

CURRENT = "current"
SUPERSEDED = "superseded"


class Versioned:
    """What elements and code tables share: an identifier, one row per version, a status."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identifier: Mapped[str] = mapped_column(String(60), nullable=False)
    version: Mapped[str] = mapped_column(String(30), nullable=False)
    name_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    name_en: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    source_standard: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=CURRENT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class CodeTable(Versioned, Base):
    __tablename__ = "code_table"

    entries: Mapped[list[CodeTableEntry]] = relationship(
        back_populates="table", cascade="all, delete-orphan", order_by="CodeTableEntry.position")

    __table_args__ = (UniqueConstraint("identifier", "version", name="uq_code_table_identifier_version"),)


class CodeTableEntry(Base):
    __tablename__ = "code_table_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("code_table.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    code: Mapped[str] = mapped_column(String(60), nullable=False)
    name_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    name_en: Mapped[str] = mapped_column(String(200), nullable=False, default="")

    table: Mapped[CodeTable] = relationship(back_populates="entries")

    __table_args__ = (UniqueConstraint("table_id", "code", name="uq_code_table_entry_table_id_code"),)


class DataElement(Versioned, Base):
    __tablename__ = "data_element"

    definition: Mapped[str] = mapped_column(Text, nullable=False, default="")
    data_type: Mapped[str] = mapped_column(String(20), nullable=False)
    format: Mapped[str | None] = mapped_column(String(40))
    domain_kind: Mapped[str | None] = mapped_column(String(20))  # code_table|pattern|range|validator
    domain: Mapped[str | None] = mapped_column(String(500))
    personal: Mapped[str | None] = mapped_column(String(20))

    __table_args__ = (
        UniqueConstraint("identifier", "version", name="uq_data_element_identifier_version"),
        Index("ix_data_element_status", "status"),
    )
