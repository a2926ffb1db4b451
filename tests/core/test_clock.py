"""Beijing's day from the clock and a fixed offset agrees with the time-zone database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import example, given
from hypothesis import strategies as st

from govshare.core import clock

SINCE_1992 = st.datetimes(min_value=datetime(1992, 1, 1), max_value=datetime(2099, 12, 31))


@given(SINCE_1992)
@example(datetime(2026, 12, 31, 15, 59, 59))  # one second before Beijing's new year
@example(datetime(2026, 12, 31, 16, 0, 0))  # Beijing's midnight
def test_today_and_left_agree_with_zoneinfo(moment: datetime) -> None:
    instant = moment.replace(tzinfo=UTC)
    local = instant.astimezone(clock.SHANGHAI)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), tzinfo=clock.SHANGHAI)
    expected_left = max(1, int((midnight - local).total_seconds()))

    day, left = clock.today_and_left(instant.timestamp())

    assert day == local.date()
    assert left == expected_left

