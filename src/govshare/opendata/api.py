"""HTTP routes of the portal's machine interfaces, all public (no log-in):

    /api/open/v1/...          REST: datasets, search, rows (filters, sort, cursor), Data Package
    /api/3/action/<name>      CKAN Action API read calls, CKAN's envelope and errors
    /catalog.ttl|jsonld|rdf   DCAT-AP 3 catalog, paged; per dataset under /open/datasets/<name>/dcat.<ext>
    /open/datasets/<name>/download.<fmt>   CSV (bom=1 for Excel), JSON, XLSX, Parquet
    /sitemap.xml

Rate limits apply to every call (limits.py); a private resource is a 404 everywhere.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govshare.catalog.models import CatalogResource
from govshare.core.errors import AppError, InvalidInput, NotFound
from govshare.opendata import (
    ckan,
    datapackage,
    dcat,
    downloads,
    metadata,
    portal_search,
    quality_view,
    rows,
    usage,
    visibility,
)
from govshare.opendata.access import require_rows
from govshare.opendata.service import visitor
from govshare.web.deps import database, db_session, public

log = logging.getLogger("govshare.opendata")
# One flat router (no sub-routers), so the app's default-deny check and the leak tests see
# every route with its full path; each is explicitly public.
router = APIRouter()
PUBLIC = [Depends(public)]
REST = "/api/open/v1"

MAX_BODY = 100_000


# --- REST -------------------------------------------------------------------------------------


def facet_params(request: Request) -> dict[str, list[str]]:
    return {
        name: request.query_params.getlist(name) for name in portal_search.FACETS if request.query_params.getlist(name)
    }


def _int_param(request: Request, name: str, default: int) -> int:
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(f"{name} must be an integer", f"{name} 应为整数", field=name) from None


def hit_dict(session: Session, hit: portal_search.Hit, base: str) -> dict[str, Any]:
    meta = metadata.build(session, hit.resource, with_data=False)
    out = meta.as_dict(base)
    out["quality"] = {"band": hit.quality}
    return out


@router.get(REST + "/datasets", dependencies=PUBLIC, tags=["open data"], summary="Search open datasets with facets")
def search_datasets(request: Request, session: Session = Depends(db_session)) -> dict[str, Any]:
    v = visitor(request, session)
    found = portal_search.search(
        session,
        request.query_params.get("q", ""),
        facet_params(request),
        request.query_params.get("sort") or None,
        _int_param(request, "rows", 20),
        _int_param(request, "start", 0),
        lang=request.query_params.get("lang", "zh"),
    )
    return {
        "total": found.total,
        "results": [hit_dict(session, h, v.base_url) for h in found.hits],
        "facets": found.facets,
    }


@router.get(REST + "/datasets/{name}", dependencies=PUBLIC, tags=["open data"], summary="One open dataset's metadata")
def show_dataset(name: str, request: Request, session: Session = Depends(db_session)) -> dict[str, Any]:
    v = visitor(request, session)
    resource = visibility.get_open(session, name)
    usage.count(session, resource.id, "api_calls")
    meta = metadata.build(session, resource)
    return {
        **meta.as_dict(v.base_url),
        "fields": meta.data.fields() if meta.data else [],
        "quality_report": quality_view.public_report(meta, request.query_params.get("lang", "zh")),
        "history": [
            {
                **h,
                "reviewed_at": h["reviewed_at"].isoformat() if h["reviewed_at"] else None,
                "published_on": h["published_on"].isoformat() if h["published_on"] else None,
            }
            for h in metadata.history(session, resource)
        ],
    }


def _json_param(request: Request, name: str) -> Any:
    value = request.query_params.get(name)
    if not value:
        return None
    if len(value) > 10_000:
        raise InvalidInput(f"{name} is too long", f"{name} 过长", field=name)
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        raise InvalidInput(f"{name} is not valid JSON", f"{name} 不是有效的 JSON", field=name) from None


def open_rows(session: Session, name: str, v: Any) -> tuple[CatalogResource, rows.OpenData, metadata.Meta]:
    resource = visibility.get_open(session, name)
    meta = metadata.build(session, resource)
    if meta.data is None:
        raise NotFound(f"dataset {name} has no data yet", f"数据集 {name} 尚无数据")
    require_rows(meta.release, v.developer)
    return resource, meta.data, meta


@router.get(
    REST + "/datasets/{name}/rows",
    dependencies=PUBLIC,
    tags=["open data"],
    summary="Rows of an open dataset (filters, sort, cursor paging)",
)
def dataset_rows(name: str, request: Request, session: Session = Depends(db_session)) -> dict[str, Any]:
    v = visitor(request, session)
    resource, data, _meta = open_rows(session, name, v)
    fields = request.query_params.get("fields")
    query = rows.Query(
        filters=_json_param(request, "filters"),
        q=request.query_params.get("q", ""),
        sort=rows.parse_sort(request.query_params.get("sort")),
        fields=[f for f in fields.split(",") if f] if fields else None,
        limit=_int_param(request, "limit", 100),
        offset=0,
        after=rows.decode_cursor(request.query_params.get("cursor")),
    )
    usage.count(session, resource.id, "api_calls")
    return rows.select_rows(session, data, query)


@router.get(
    REST + "/datasets/{name}/datapackage.json",
    dependencies=PUBLIC,
    tags=["open data"],
    summary="Frictionless Data Package descriptor",
)
def rest_datapackage(name: str, request: Request, session: Session = Depends(db_session)) -> dict[str, Any]:
    v = visitor(request, session)
    return datapackage.descriptor(metadata.build(session, visibility.get_open(session, name)), v.base_url)


# --- CKAN -------------------------------------------------------------------------------------


def _ckan_response(
    request: Request, action: str, body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    help_url = f"{str(request.base_url).rstrip('/')}/api/3/action/help_show?name={action[:50]}"
    return JSONResponse(jsonable_encoder({"help": help_url, **body}), status_code=status, headers=headers)


async def _ckan_params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key in request.query_params:
        values = request.query_params.getlist(key)
        params[key] = values[0] if len(values) == 1 else values
    if request.method == "POST":
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise ckan.CkanError(400, "Bad Request", "Bad request - request body too large")
        kind = request.headers.get("content-type", "")
        if kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            params.update({k: v for k, v in (await request.form()).items() if isinstance(v, str)})
        elif raw.strip():
            try:
                body = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise ckan.CkanError(400, "Bad Request", f"Bad request - JSON Error: {str(exc)[:100]}") from None
            if not isinstance(body, dict):
                raise ckan.CkanError(400, "Bad Request", "Bad request - JSON Error: expected a JSON object")
            params.update(body)
    return params


@router.get("/api/3", dependencies=PUBLIC, tags=["CKAN"], summary="CKAN API version")
def ckan_version() -> dict[str, int]:
    return {"version": 3}


@router.api_route(
    "/api/3/action/{action}",
    methods=["GET", "POST"],
    dependencies=PUBLIC,
    tags=["CKAN"],
    summary="CKAN Action API (read calls)",
)
@router.api_route(
    "/api/action/{action}",
    methods=["GET", "POST"],
    dependencies=PUBLIC,
    tags=["CKAN"],
    summary="CKAN Action API without the version, as ckanapi calls it",
)
async def ckan_action(action: str, request: Request) -> Response:
    db = database(request)
    try:
        fn = ckan.ACTIONS.get(action)
        if fn is None:
            raise ckan.CkanError(400, "Bad Request", f"Bad request - Action name not known: {action[:50]}")
        params = await _ckan_params(request)
        with db.session() as session:
            try:
                v = visitor(request, session)
                result = fn(ckan.Context(session, v.base_url, v.developer), params)
            except AppError as exc:
                session.commit()  # the rate counter still counts a refused call
                raise ckan.from_app_error(exc) from None
        return _ckan_response(request, action, {"success": True, "result": result})
    except ckan.CkanError as exc:
        return _ckan_response(request, action, {"success": False, "error": exc.error()}, exc.status, exc.headers)
    except Exception:
        log.exception("CKAN action %s failed", action[:50])
        return _ckan_response(
            request,
            action,
            {
                "success": False,
                "error": {"__type": "Internal Server Error", "message": "Internal server error; it has been logged"},
            },
            500,
        )


# --- files: downloads, DCAT, sitemap ----------------------------------------------------------


def _filename(meta: metadata.Meta, fmt: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename=\"{meta.name}.{fmt}\"; filename*=UTF-8''{quote(meta.version.name)}.{fmt}"


@router.get(
    "/open/datasets/{name}/download.{fmt}", dependencies=PUBLIC, tags=["open data"], summary="Download an open dataset"
)
def download(name: str, fmt: str, request: Request, session: Session = Depends(db_session)) -> Response:
    v = visitor(request, session)
    downloads.check_format(fmt)
    resource, data, meta = open_rows(session, name, v)
    usage.count(session, resource.id, "downloads")
    engine = database(request).engine
    query = rows.Query(filters=_json_param(request, "filters"))
    rows.count(session, data, query)  # validates the filter before the first byte is sent
    headers = {"content-disposition": _filename(meta, fmt)}
    session.commit()  # the counters are written before the body streams on a connection of its own
    if fmt == "csv":
        bom = request.query_params.get("bom") in ("1", "true", "yes")
        return StreamingResponse(
            downloads.csv_stream(engine, data, query, bom), media_type=downloads.FORMATS[fmt], headers=headers
        )
    if fmt == "json":
        return StreamingResponse(
            downloads.json_stream(engine, data, query), media_type=downloads.FORMATS[fmt], headers=headers
        )
    spool = downloads.whole_file(engine, data, query, fmt)
    return StreamingResponse(downloads.file_chunks(spool), media_type=downloads.FORMATS[fmt], headers=headers)


@router.get(
    "/open/datasets/{name}/datapackage.json",
    dependencies=PUBLIC,
    tags=["open data"],
    summary="Frictionless Data Package descriptor",
)
def page_datapackage(name: str, request: Request, session: Session = Depends(db_session)) -> dict[str, Any]:
    return rest_datapackage(name, request, session)


def _serialisation(ext: str) -> str:
    if ext not in dcat.SERIALISATIONS:
        raise NotFound(f"no DCAT serialisation .{ext[:10]}", f"不支持的 DCAT 格式 .{ext[:10]}")
    return ext


@router.get("/catalog.{ext}", dependencies=PUBLIC, tags=["open data"], summary="DCAT-AP 3 catalog (paged: ?page=N)")
def dcat_catalog(ext: str, request: Request, session: Session = Depends(db_session)) -> Response:
    v = visitor(request, session)
    _serialisation(ext)
    total = session.scalar(select(func.count()).select_from(visibility.open_ids().subquery())) or 0
    pages = max(1, math.ceil(total / dcat.PAGE_SIZE))
    page = _int_param(request, "page", 1)
    if not 1 <= page <= pages:
        raise InvalidInput(f"page must be between 1 and {pages}", f"page 应在 1 至 {pages} 之间", field="page")
    found = session.scalars(
        select(CatalogResource)
        .where(visibility.open_clause())
        .order_by(CatalogResource.code)
        .limit(dcat.PAGE_SIZE)
        .offset((page - 1) * dcat.PAGE_SIZE)
    )
    metas = [metadata.build(session, r) for r in found]
    graph = dcat.catalog_graph(v.base_url, request.app.state.settings.node.name, metas, page, pages)
    body, media = dcat.serialise(graph, ext)
    return Response(body, media_type=media)


@router.get(
    "/open/datasets/{name}/dcat.{ext}",
    dependencies=PUBLIC,
    tags=["open data"],
    summary="DCAT-AP 3 description of one dataset",
)
def dcat_dataset(name: str, ext: str, request: Request, session: Session = Depends(db_session)) -> Response:
    v = visitor(request, session)
    _serialisation(ext)
    meta = metadata.build(session, visibility.get_open(session, name))
    body, media = dcat.serialise(dcat.dataset_graph(v.base_url, meta), ext)
    return Response(body, media_type=media)


@router.get("/sitemap.xml", dependencies=PUBLIC, tags=["open data"], summary="Sitemap of the open-data portal")
def sitemap(request: Request, session: Session = Depends(db_session)) -> Response:
    from xml.sax.saxutils import escape

    base = str(request.base_url).rstrip("/")
    found = session.execute(
        select(CatalogResource.code, CatalogResource.published_at)
        .where(visibility.open_clause())
        .order_by(CatalogResource.code)
        .limit(50_000)
    ).all()
    urls = [f"<url><loc>{escape(base)}/open</loc></url>", f"<url><loc>{escape(base)}/open/search</loc></url>"]
    for code, when in found:
        lastmod = f"<lastmod>{when.date().isoformat()}</lastmod>" if when else ""
        urls.append(f"<url><loc>{escape(base)}/open/datasets/{escape(visibility.slug(code))}</loc>{lastmod}</url>")
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(urls)
        + "</urlset>"
    )
    return Response(body, media_type="application/xml")
