"""Working days under the Chinese statutory-holiday calendar, for every deadline the rules
count in working days (the 10-working-day answer to a conditional-sharing request, …).

The maintained `chinese-calendar` package knows each year once the State Council has
published its notice; for a later year the authority enters the notice here. A deadline that
falls in a year nobody has entered is still computed (weekends only) but says it is
provisional, so nobody mistakes a guess for the law.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.errors import Conflict, InvalidInput
from govshare.workdays.models import DayKind, HolidayNotice


@lru_cache(maxsize=1)
def package_years() -> range:
    """The years the installed calendar package has data for."""
    first, last = 2004, date.today().year + 5
    while last > first:
        try:
            chinese_calendar.is_workday(date(last, 6, 1))
            break
        except NotImplementedError:
            last -= 1
    return range(first, last + 1)


@dataclass(frozen=True)
class Calendar:
    """Working-day questions answered from the package plus the entered notices."""

    notices: dict[date, DayKind]
    noticed_years: frozenset[int]

    def knows(self, day: date) -> bool:
        return day.year in package_years() or day.year in self.noticed_years

    def is_workday(self, day: date) -> bool:
        entered = self.notices.get(day)
        if entered is not None:
            return entered == DayKind.WORKDAY
        if day.year in package_years():
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5

    def add_working_days(self, start: date, days: int) -> Deadline:
        """The date `days` working days after `start` (the day of receipt is not counted)."""
        if days < 0:
            raise InvalidInput("days must not be negative", "天数不能为负", field="days")
        day, counted, unknown = start, 0, set()
        while counted < days:
            day += timedelta(days=1)
            if not self.knows(day):
                unknown.add(day.year)
            if self.is_workday(day):
                counted += 1
        return Deadline(start=start, working_days=days, due=day, provisional_years=tuple(sorted(unknown)))

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (negative when end < start)."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(self.is_workday(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))


@dataclass(frozen=True)
class Deadline:
    start: date
    working_days: int
    due: date
    provisional_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)

    def note(self, language: str = "en") -> str:
        if not self.provisional:
            return ""
        years = ", ".join(str(y) for y in self.provisional_years)
        if language == "zh":
            return f"{years} 年放假安排尚未录入，按周末推算，待国务院通知公布后可能变化"
        return f"the holiday notice for {years} is not entered yet: counted with weekends only, may change"

    def as_dict(self) -> dict[str, object]:
        return {"start": self.start, "working_days": self.working_days, "due": self.due,
                "provisional": self.provisional, "note": self.note()}


def load_calendar(session: Session) -> Calendar:
    rows = session.execute(select(HolidayNotice.day, HolidayNotice.kind)).all()
    notices = {day: kind for day, kind in rows}
    return Calendar(notices, frozenset(day.year for day in notices))


def deadline(session: Session, start: date, days: int) -> Deadline:
    return load_calendar(session).add_working_days(start, days)


@dataclass(frozen=True)
class NoticeDay:
    day: date
    kind: DayKind
    name: str = ""


def enter_notice(session: Session, actor: Actor, year: int, source: str, days: list[NoticeDay],
                 replace: bool = False) -> int:
    """Records a year's notice: every weekday off and every weekend worked. All days must be
    in `year`; a year already entered is replaced only when asked to."""
    if not source.strip():
        raise InvalidInput("the notice's reference number is required", "须填写通知文号", field="source")
    if not days:
        raise InvalidInput("a notice lists at least one day", "通知至少包含一天", field="days")
    wrong_year = [d.day.isoformat() for d in days if d.day.year != year]
    if wrong_year:
        raise InvalidInput(f"days outside {year}: {', '.join(wrong_year)}",
                           f"以下日期不在 {year} 年：{'、'.join(wrong_year)}", field="days")
    seen: set[date] = set()
    for item in days:
        if item.day in seen:
            raise InvalidInput(f"{item.day} is listed twice", f"{item.day} 重复", field="days")
        seen.add(item.day)
    existing = session.scalars(select(HolidayNotice.id).where(
        HolidayNotice.day >= date(year, 1, 1), HolidayNotice.day <= date(year, 12, 31))).all()
    if existing and not replace:
        raise Conflict(f"a notice for {year} is already entered; replace it explicitly",
                       f"{year} 年放假安排已录入，如需修改请选择替换", field="year")
    session.execute(delete(HolidayNotice).where(HolidayNotice.id.in_(existing)))
    for item in days:
        session.add(HolidayNotice(day=item.day, kind=item.kind, name=item.name, source=source.strip(),
                                  entered_by=actor.name))
    session.flush()
    audit.record(session, actor, "workdays.notice", object_type="holiday_notice", object_id=year,
                 details={"source": source, "days": len(days), "replaced": len(existing)})
    return len(days)


def notices_for(session: Session, year: int) -> list[HolidayNotice]:
    return list(session.scalars(select(HolidayNotice).where(
        HolidayNotice.day >= date(year, 1, 1), HolidayNotice.day <= date(year, 12, 31)).order_by(HolidayNotice.day)))


def parse_notice_lines(text: str) -> list[NoticeDay]:
    """`2027-01-01 holiday 元旦` per line (or 放假/上班), as an officer types from the notice."""
    words = {"holiday": DayKind.HOLIDAY, "放假": DayKind.HOLIDAY, "休": DayKind.HOLIDAY,
             "workday": DayKind.WORKDAY, "上班": DayKind.WORKDAY, "班": DayKind.WORKDAY}
    days = []
    for number, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        try:
            day = date.fromisoformat(parts[0])
        except ValueError:
            raise InvalidInput(f"line {number}: {parts[0]!r} is not a date like 2027-01-01",
                               f"第 {number} 行：{parts[0]!r} 不是日期（如 2027-01-01）", field="days") from None
        kind = words.get(parts[1] if len(parts) > 1 else "")
        if kind is None:
            raise InvalidInput(f"line {number}: expected holiday or workday (放假/上班) after the date",
                               f"第 {number} 行：日期后应为“放假”或“上班”", field="days")
        days.append(NoticeDay(day, kind, " ".join(parts[2:])))
    return days
