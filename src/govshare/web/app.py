"""The FastAPI application: one factory, used by `serve`, `demo` and the tests."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from govshare import __version__
from govshare.core.audit import BackgroundSealer
from govshare.core.config import AuditSealing, Settings, get_settings
from govshare.core.db import Database, get_database
from govshare.web import errors
from govshare.web.unit_of_work import CommitBeforeResponse

STATIC = Path(__file__).resolve().parent / "static"

PRIVATE_PATHS = ("/api/", "/admin", "/audit", "/clients")  # answers no cache may keep
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    # Every asset is served from this origin; inline scripts are not used.
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'"
    ),
}


class SecurityHeaders:
    """Adds the security headers (and no-store on private paths) to every answer that does not
    set them itself. Plain ASGI rather than BaseHTTPMiddleware, which runs each request
    through an extra task and memory streams."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = scope["path"].startswith(PRIVATE_PATHS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in SECURITY_HEADERS.items():
                    headers.setdefault(key, value)
                if private:
                    headers.setdefault("cache-control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


# Matched first: business systems' data calls (query, verify, download) are by far the most
# requests, and each router ahead of the matching one costs a pass over its routes. No path of
# one router is a prefix pattern of another's, so the order changes nothing else.
DATA_PLANE = ("exchange", "base")


def _routers() -> list[APIRouter]:
    from govshare.capabilities import collect, parts
    from govshare.web import pages

    apis = [(name, module.router) for name, module in parts("api") if hasattr(module, "router")]
    data_plane = [router for name, router in apis if name in DATA_PLANE]
    management = [router for name, router in apis if name not in DATA_PLANE]
    return [*data_plane, pages.router, *management, *collect("pages", "router")]


def undeclared_routes(routers: list[APIRouter]) -> list[str]:
    """Routes that neither name an action nor say they are public (default deny)."""
    missing = []
    for route in (r for router in routers for r in router.routes):
        if not isinstance(route, APIRoute):
            continue
        calls = _dependency_calls(route)
        if not any(hasattr(c, "govshare_action") or getattr(c, "govshare_public", False) for c in calls):
            missing.append(f"{','.join(sorted(route.methods))} {route.path}")
    return missing


def _dependency_calls(route: APIRoute) -> list:
    found, stack = [], [route.dependant]
    while stack:
        dependant = stack.pop()
        if dependant.call is not None:
            found.append(dependant.call)
        stack.extend(dependant.dependencies)
    return found


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Starts the audit sealer and the capabilities' background workers (`worker.start`) for this
    app worker; stops them and seals what is left at shutdown."""
    from govshare.capabilities import collect

    settings: Settings = app.state.settings
    database: Database = app.state.database
    sealer = None
    if settings.audit_sealing == AuditSealing.BACKGROUND and database.sealer is None:
        sealer = BackgroundSealer(database, settings.audit_seal_interval_ms / 1000)
        database.sealer = sealer
        sealer.start()
    stops = [stop for start in collect("worker", "start") if (stop := start(settings, database)) is not None]
    # What is alive now (modules, routes, mappers, compiled statements) lives as long as the app:
    # kept out of the collector's passes, a collection during a request takes a millisecond or two
    # instead of ten or more (the tail of the exchange's latency).
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()  # an app that ends (tests start many) leaves its objects collectable again
        for stop in stops:
            stop()
        if sealer is not None:
            database.sealer = None
            sealer.stop()


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        lifespan=lifespan,
        title="govshare",
        version=__version__,
        description="政务信息系统整合共享平台 API: directory, audit, catalog, exchange.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.database = database or get_database()
    errors.install(app)
    app.add_middleware(CommitBeforeResponse)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    routers = _routers()
    missing = undeclared_routes(routers)
    if missing:
        raise RuntimeError("routes without an authorisation declaration: " + "; ".join(missing))
    for router in routers:
        app.include_router(router)
    logging.getLogger("govshare").setLevel(logging.INFO)
    return app
