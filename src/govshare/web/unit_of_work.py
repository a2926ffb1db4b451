"""Commit a request's unit of work before its response leaves.

FastAPI ends dependencies that `yield` after the response has been sent. For the request's
database session that is too late: a browser that follows a redirect at once could read the
state from before the change (PostgreSQL), or wait behind the still-held write lock (SQLite).
This ASGI middleware commits the session when the response starts — or rolls it back when
the status says the request failed — and answers 500 instead if the commit itself fails, so a
success is never reported for a change that was not stored.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from govshare.web.deps import REQUEST_SESSION

log = logging.getLogger("govshare.web")


class CommitBeforeResponse:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replaced = False

        async def send_after_commit(message: Message) -> None:
            nonlocal replaced
            if replaced:
                return  # the app's own answer was replaced by the failure below
            if message["type"] == "http.response.start":
                failure = await _finish(scope, message["status"])
                if failure is not None:
                    replaced = True
                    await _send_failure(send, failure)
                    return
            await send(message)

        await self.app(scope, receive, send_after_commit)


async def _finish(scope: Scope, status: int) -> Exception | None:
    session: Any = scope.get("state", {}).get(REQUEST_SESSION)
    if session is None or not session.in_transaction():
        return None  # nothing to commit or roll back: no worker-thread hop (a data call commits itself)
    try:
        if status < 400:
            await run_in_threadpool(session.commit)
        else:
            await run_in_threadpool(session.rollback)
    except Exception as exc:  # reported to the client as a 500 below, logged here
        log.exception("commit failed on %s %s", scope.get("method"), scope.get("path"))
        await run_in_threadpool(session.rollback)
        return exc
    return None


async def _send_failure(send: Send, _exc: Exception) -> None:
    body = json.dumps({"error": {"code": "internal", "message": "the change could not be stored; nothing was saved",
                                 "field": None, "details": None}}).encode()
    await send({"type": "http.response.start", "status": 500,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
