"""The State Council's yearly holiday notices, as entered by the authority for years the
calendar package does not know yet (国务院办公厅关于放假安排的通知)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, Enum, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from govshare.core.db import Base, UTCDateTime, utcnow


class DayKind(StrEnum):
    HOLIDAY = "holiday"  # 放假（含周末调休放假）
    WORKDAY = "workday"  # 调休上班（周末上班）


class HolidayNotice(Base):
    """One day's status from a notice: a weekday off, or a weekend worked."""

    __tablename__ = "holiday_notice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    kind: Mapped[DayKind] = mapped_column(
        Enum(DayKind, name="day_kind", native_enum=False, values_callable=lambda e: [m.value for m in e],
             length=20),
        nullable=False,
    )
    name: Mapped[str] = mapped_column(String(50), nullable=False, default="")  # 元旦, 春节 …
    source: Mapped[str] = mapped_column(String(200), nullable=False)  # e.g. 国办发明电〔2026〕7号
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    entered_by: Mapped[str] = mapped_column(String(100), nullable=False)

    __table_args__ = (UniqueConstraint("day", name="uq_holiday_notice_day"),)
