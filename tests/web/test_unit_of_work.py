"""The request's unit of work is committed before its response leaves."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from govshare.web.deps import REQUEST_SESSION
from govshare.web.unit_of_work import CommitBeforeResponse


class FakeSession:
    def __init__(self, events: list[str], fail: bool = False, open_transaction: bool = True) -> None:
        self.events, self.fail, self.open_transaction = events, fail, open_transaction

    def in_transaction(self) -> bool:
        return self.open_transaction

    def commit(self) -> None:
        self.events.append("commit")
        if self.fail:
            raise RuntimeError("constraint violated")

    def rollback(self) -> None:
        self.events.append("rollback")


def _run(status: int, fail: bool = False, open_transaction: bool = True) -> tuple[list[str], list[dict]]:
    events: list[str] = []
    sent: list[dict] = []

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        scope.setdefault("state", {})[REQUEST_SESSION] = FakeSession(events, fail, open_transaction)
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def send(message):  # type: ignore[no-untyped-def]
        events.append(f"send {message['type']}")
        sent.append(message)

    async def receive():  # type: ignore[no-untyped-def]
        return {"type": "http.request", "body": b""}

    middleware = CommitBeforeResponse(app)
    call = middleware({"type": "http", "method": "POST", "path": "/x"}, receive, send)
    # In its own thread: a browser test in the same worker may have left a loop running here.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, call).result()
    return events, sent


def test_success_commits_before_the_response_starts() -> None:
    events, _sent = _run(303)
    assert events[:2] == ["commit", "send http.response.start"]


def test_error_answers_roll_back() -> None:
    events, _sent = _run(422)
    assert events[0] == "rollback"


def test_a_failed_commit_is_never_reported_as_success() -> None:
    events, sent = _run(200, fail=True)
    assert sent[0]["status"] == 500
    assert b"nothing was saved" in sent[1]["body"]
    assert len(sent) == 2  # the app's own 200 body was not sent


def test_a_unit_of_work_already_committed_is_left_alone() -> None:
    # A data call commits itself: nothing is left, and no worker thread is asked to do nothing.
    events, sent = _run(200, open_transaction=False)
    assert events == ["send http.response.start", "send http.response.body"]
    assert sent[0]["status"] == 200
