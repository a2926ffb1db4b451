"""Stored quality reports. The exchange attaches one to each dataset version it loads
(`dataset_version_ref`); a check run from the CLI or the upload page stands alone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from govshare.core.db import Base, UTCDateTime, utcnow


class QualityReportRecord(Base):
    __tablename__ = "quality_report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    resource_code: Mapped[str | None] = mapped_column(String(100))
    dataset_version_ref: Mapped[str | None] = mapped_column(String(100))
    department_id: Mapped[int | None] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(300), nullable=False)
    file_format: Mapped[str] = mapped_column(String(20), nullable=False)
    encoding: Mapped[str | None] = mapped_column(String(20))
    rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    errors: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    warnings: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    score: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    passed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    checked_by: Mapped[str] = mapped_column(String(200), nullable=False)
    report: Mapped[dict] = mapped_column(JSON, nullable=False)  # QualityReport.to_dict(), masked

    __table_args__ = (
        Index("ix_quality_report_resource_code", "resource_code"),
        Index("ix_quality_report_checked_at", "checked_at"),
    )
