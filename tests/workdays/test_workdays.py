"""Deadlines in working days under the statutory-holiday calendar."""

from __future__ import annotations

import json
from datetime import date

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from govshare.cli import app as cli
from govshare.core.db import Database
from govshare.workdays import service
from govshare.workdays.models import DayKind
from tests.factories import SETUP, login


def test_national_day_week_is_skipped(db: Database) -> None:
    with db.session() as session:
        due = service.deadline(session, date(2025, 9, 30), 1)
    # 2025: 1–8 October off; Saturday 11 October is a make-up working day.
    assert due.due == date(2025, 10, 9) and not due.provisional
    with db.session() as session:
        assert service.deadline(session, date(2025, 10, 10), 1).due == date(2025, 10, 11)


def test_ten_working_days_default(db: Database) -> None:
    with db.session() as session:
        due = service.deadline(session, date(2025, 1, 20), 10)  # across the 2025 Spring Festival
    # 21–24 Jan (4), Sunday 26 Jan make-up (5), 27 Jan (6), 28 Jan–4 Feb off,
    # 5–7 Feb (9), Saturday 8 Feb make-up (10).
    assert due.due == date(2025, 2, 8)


def test_unknown_year_is_provisional_until_the_notice_is_entered(db: Database) -> None:
    with db.session() as session:
        guess = service.deadline(session, date(2030, 9, 30), 1)
    assert guess.provisional and guess.provisional_years == (2030,)
    assert "2030" in guess.note("en") and "尚未录入" in guess.note("zh")
    days = [service.NoticeDay(date(2030, 10, d), DayKind.HOLIDAY, "国庆节") for d in range(1, 8)]
    days.append(service.NoticeDay(date(2030, 10, 12), DayKind.WORKDAY, "国庆调休"))
    with db.session() as session:
        service.enter_notice(session, SETUP, 2030, "国办发明电〔2029〕1号", days)
    with db.session() as session:
        entered = service.deadline(session, date(2030, 9, 30), 1)
        assert entered.due == date(2030, 10, 8) and not entered.provisional
        assert service.deadline(session, date(2030, 10, 11), 1).due == date(2030, 10, 12)


def test_notice_input_is_checked(db: Database) -> None:
    from govshare.core.errors import AppError

    with db.session() as session:
        with pytest.raises(AppError, match="outside 2031"):
            service.enter_notice(session, SETUP, 2031, "x", [service.NoticeDay(date(2030, 1, 1), DayKind.HOLIDAY)])
        with pytest.raises(AppError, match="line 2"):
            service.parse_notice_lines("2031-01-01 放假 元旦\n2031-13-01 放假")
        with pytest.raises(AppError, match="holiday or workday"):
            service.parse_notice_lines("2031-01-01 maybe")
    with db.session() as session:
        service.enter_notice(session, SETUP, 2031, "a", [service.NoticeDay(date(2031, 1, 1), DayKind.HOLIDAY)])
    with db.session() as session, pytest.raises(AppError, match="already entered"):
        service.enter_notice(session, SETUP, 2031, "b", [service.NoticeDay(date(2031, 1, 2), DayKind.HOLIDAY)])


def test_api_and_page(client: TestClient, world) -> None:
    headers = login(client, "admin")
    response = client.put("/api/v1/workdays/notices/2032", headers=headers, json={
        "source": "国办发明电〔2031〕1号", "days": [{"day": "2032-01-01", "kind": "holiday", "name": "元旦"}]})
    assert response.status_code == 200, response.text
    due = client.get("/api/v1/workdays/deadline", params={"start": "2031-12-31", "days": 1}).json()
    assert due["due"] == "2032-01-02"  # 1 Jan off; 2 Jan 2032 is a Friday
    assert due["provisional"] is False
    page = client.get("/workdays?start=2031-12-31&days=1", headers={"accept": "text/html"})
    assert "2032" in page.text
    user = TestClient(client.app)
    user_headers = login(user, "hr.user")
    assert user.get("/api/v1/workdays/deadline", params={"start": "2026-01-05"}).status_code == 200
    assert user.put("/api/v1/workdays/notices/2033", headers=user_headers,
                    json={"source": "x", "days": [{"day": "2033-01-03", "kind": "holiday"}]}).status_code == 403


def test_cli(db: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    notice = tmp_path / "2034.txt"
    notice.write_text("2034-01-02 放假 元旦\n", encoding="utf-8")
    added = runner.invoke(cli, ["workdays", "add-notice", "2034", str(notice), "--source", "国办发明电〔2033〕1号"])
    assert added.exit_code == 0, added.output
    result = runner.invoke(cli, ["workdays", "deadline", "2033-12-30", "1", "--format", "json"])
    assert json.loads(result.stdout)["due"] == "2034-01-03"
    assert runner.invoke(cli, ["workdays", "deadline", "tomorrow"]).exit_code == 1
