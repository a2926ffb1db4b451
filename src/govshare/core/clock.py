"""Time: stored in UTC everywhere, shown and reasoned about in Beijing time."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def day_start(day: date) -> datetime:
    """Midnight of a Beijing day, as an aware datetime (compare it with stored UTC)."""
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def today() -> date:
    return datetime.now(SHANGHAI).date()
