"""Time: stored in UTC everywhere, shown and reasoned about in Beijing time."""

from __future__ import annotations

import time as _time
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
# China Standard Time is UTC+8 all year: China has kept no daylight saving time since 1991, so
# "now" in Beijing needs no time-zone database, only this offset.
BEIJING_OFFSET = 8 * 3600
_DAY = 86400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def day_start(day: date) -> datetime:
    """Midnight of a Beijing day, as an aware datetime (compare it with stored UTC)."""
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def today() -> date:
    return today_and_left()[0]


def today_and_left(epoch: float | None = None) -> tuple[date, int]:
    """Today's Beijing date and the whole seconds left in it (at least 1), now or at `epoch`
    seconds, from the clock and the fixed offset: every data call asks (its terms are read for
    today, its rows counted by the day), and the time-zone database cost more than its query."""
    number, into = divmod((_time.time() if epoch is None else epoch) + BEIJING_OFFSET, _DAY)
    return _day(int(number)), max(1, int(_DAY - into))


@lru_cache(maxsize=4)
def _day(number: int) -> date:
    return date.fromordinal(_EPOCH_ORDINAL + number)
