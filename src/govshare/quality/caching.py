"""Quality reports are never kept by browsers or proxies.

A report's samples hold personal data (masked by default, but still personal data), and so
do uploaded files and report downloads: every response of the quality pages and API says
`Cache-Control: no-store`, so a shared computer's back button or disk cache cannot show them
to the next user.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

NO_STORE = "no-store"


class NoStoreRoute(APIRoute):
    """An APIRoute whose responses carry no-store (refusals such as 404 hold no report data
    and keep the application's own headers)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def no_store(request: Request) -> Response:
            response = await handler(request)
            response.headers["cache-control"] = NO_STORE
            return response

        return no_store
