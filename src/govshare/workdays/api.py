"""Working-day deadlines and the holiday notices behind them."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from govshare.web.deps import Caller, authorize, db_session
from govshare.workdays import service
from govshare.workdays.models import DayKind

router = APIRouter(prefix="/api/v1/workdays", tags=["working days 工作日"])


class DeadlineOut(BaseModel):
    start: date
    working_days: int
    due: date = Field(description="到期日")
    provisional: bool = Field(description="a year without an entered holiday notice was counted")
    note: str


class NoticeDayIn(BaseModel):
    day: date
    kind: DayKind
    name: str = Field("", max_length=50)


class NoticeIn(BaseModel):
    source: str = Field(min_length=1, max_length=200, description="通知文号")
    days: list[NoticeDayIn] = Field(min_length=1, max_length=400)
    replace: bool = False


@router.get("/deadline", summary="Deadline in working days 工作日期限")
def get_deadline(start: date, days: int = Query(10, ge=0, le=366),
                 caller: Caller = Depends(authorize("workdays.read")),
                 session: Session = Depends(db_session)) -> DeadlineOut:
    return DeadlineOut(**service.deadline(session, start, days).as_dict())  # type: ignore[arg-type]


@router.get("/notices/{year}", summary="A year's entered holiday notice 放假安排")
def get_notice(year: int, caller: Caller = Depends(authorize("workdays.read")),
               session: Session = Depends(db_session)) -> list[NoticeDayIn]:
    return [NoticeDayIn(day=n.day, kind=n.kind, name=n.name) for n in service.notices_for(session, year)]


@router.put("/notices/{year}", summary="Enter a year's holiday notice 录入放假安排")
def put_notice(year: int, data: NoticeIn, caller: Caller = Depends(authorize("workdays.write")),
               session: Session = Depends(db_session)) -> dict:
    days = [service.NoticeDay(d.day, d.kind, d.name) for d in data.days]
    count = service.enter_notice(session, caller.actor, year, data.source, days, data.replace)
    return {"year": year, "days": count}
