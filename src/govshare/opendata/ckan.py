"""CKAN's Action API (read calls) over the open datasets, so ckanapi, harvesters and the R and
Python CKAN clients work unchanged. Each action is a function of (Context, params) returning
the `result`; the router wraps it in CKAN's {"help", "success", "result"} envelope and turns
errors into CKAN's shapes (ckan_errors). Identifiers: a dataset's `id` and `name` are its slug
(code with '-' for '/'); an organization is a department (`org-<USCC>`); a group is a domain
(the resource's 3-digit class); a resource is one download format (`<slug>.csv` …).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from govshare import __version__
from govshare.catalog.models import CatalogClass, CatalogResource
from govshare.core.errors import AppError, NotFound
from govshare.opendata import fq, metadata, portal_search, rows, visibility
from govshare.opendata.access import require_rows
from govshare.opendata.accounts import Developer
from govshare.opendata.metadata import DOWNLOAD_FORMATS, Meta
from govshare.opendata.visibility import open_clause, slug
from govshare.orgs.models import Department

CKAN_VERSION = "2.10.4"  # the API generation whose read calls this mirrors
MAX_PARAM = 1000
MAX_LIST = 1000
DATASTORE_TYPES = {"string": "text", "number": "numeric", "date": "date", "datetime": "timestamp", "boolean": "bool"}
FACET_FIELDS = {
    "organization": "department",
    "groups": "domain",
    "catalog": "catalog",
    "format": "format",
    "frequency": "update_cycle",
    "region": "region",
    "quality": "quality",
}
MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
}


class CkanError(Exception):
    """An error as CKAN reports it: HTTP status, __type and the rest of the error object."""

    def __init__(self, status: int, kind: str, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.status, self.kind, self.message, self.fields = status, kind, message, fields
        self.headers: dict[str, str] = {}

    def error(self) -> dict[str, Any]:
        return {"__type": self.kind, "message": self.message, **self.fields}


def validation(field: str, message: str) -> CkanError:
    return CkanError(409, "Validation Error", f"{field}: {message}", **{field: [message]})


def from_app_error(exc: AppError) -> CkanError:
    """govshare's errors in CKAN's words."""
    if isinstance(exc, NotFound):
        return CkanError(404, "Not Found Error", "Not found")
    if exc.status == 429:
        error = CkanError(429, "Rate Limit Error", exc.message)
        error.headers = getattr(exc, "headers", {})
        return error
    if exc.status in (401, 403):
        return CkanError(403, "Authorization Error", exc.message)
    return validation(exc.field or "params", exc.message)


@dataclass
class Context:
    session: Session
    base_url: str
    developer: Developer | None


# --- parameters -------------------------------------------------------------------------------


def _str(params: dict[str, Any], name: str, default: str = "") -> str:
    value = params.get(name, default)
    if value is None:
        return default
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise validation(name, "Must be a string")
    value = str(value)
    if len(value) > MAX_PARAM:
        raise validation(name, f"Too long (at most {MAX_PARAM} characters)")
    return value


def _int(params: dict[str, Any], name: str, default: int, low: int = 0, high: int = 1000) -> int:
    value = params.get(name, default)
    if isinstance(value, bool):
        raise validation(name, "Invalid integer")
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise validation(name, "Invalid integer") from None
    if not low <= number <= high:
        raise validation(name, f"Must be between {low} and {high}")
    return number


def _json_or(params: dict[str, Any], name: str, kinds: tuple[type, ...]) -> Any:
    """A parameter that is JSON when sent in a query string and already typed in a JSON body."""
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str) and not (str in kinds and not value.lstrip().startswith(("{", "["))):
        if len(value) > 10 * MAX_PARAM:
            raise validation(name, "Too long")
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise validation(name, "Could not parse as valid JSON") from None
    if not isinstance(value, kinds):
        raise validation(name, f"Must be {' or '.join(k.__name__ for k in kinds)}")
    return value


def _bool(params: dict[str, Any], name: str, default: bool) -> bool:
    value = params.get(name, default)
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("true", "1", "yes")


# --- dictionaries -----------------------------------------------------------------------------


def org_name(dept: Department) -> str:
    return f"org-{dept.uscc.lower()}"


def organization_dict(dept: Department, count: int | None = None) -> dict[str, Any]:
    out = {
        "id": org_name(dept),
        "name": org_name(dept),
        "title": dept.name,
        "display_name": dept.name,
        "type": "organization",
        "is_organization": True,
        "state": "active",
        "approval_status": "approved",
        "description": "",
        "image_url": "",
        "created": dept.created_at.isoformat(),
    }
    if count is not None:
        out["package_count"] = count
    return out


def resource_dicts(meta: Meta, base_url: str) -> list[dict[str, Any]]:
    if meta.data is None:
        return []
    links = meta.as_dict(base_url)["links"]
    return [
        {
            "id": f"{meta.name}.{fmt}",
            "package_id": meta.name,
            "name": f"{meta.version.name} ({fmt.upper()})",
            "format": fmt.upper(),
            "mimetype": MIMETYPES[fmt],
            "url": links[fmt],
            "position": n,
            "datastore_active": fmt == "csv",
            "state": "active",
            "url_type": None,
            "description": meta.version.summary,
            "last_modified": meta.modified.isoformat() if meta.modified else None,
            "created": meta.modified.isoformat() if meta.modified else None,
        }
        for n, fmt in enumerate(DOWNLOAD_FORMATS)
    ]


def package_dict(meta: Meta, base_url: str) -> dict[str, Any]:
    v, r = meta.version, meta.resource
    key, zh, _en, url = meta.licence
    tags = [{"name": t, "display_name": t, "state": "active"} for t in _tags(meta)]
    resources = resource_dicts(meta, base_url)
    domain = v.class_code[:3]
    extras = {
        "code": r.code,
        "catalog": v.catalog.value,
        "class_code": v.class_code,
        "update_cycle": v.update_cycle.value if v.update_cycle else "",
        "open_conditions": v.open_conditions,
        "access": meta.release.access.value,
        "region": r.region_code,
        "quality_score": "" if meta.quality_score is None else str(meta.quality_score),
        "rows": str(meta.rows),
    }
    return {
        "id": meta.name,
        "name": meta.name,
        "title": v.name,
        "notes": v.summary,
        "type": "dataset",
        "state": "active",
        "private": False,
        "author": meta.provider.name,
        "author_email": None,
        "maintainer": meta.provider.name,
        "maintainer_email": None,
        "license_id": key,
        "license_title": zh,
        "license_url": url,
        "isopen": True,
        "version": str(v.number),
        "url": f"{base_url}/open/datasets/{meta.name}",
        "metadata_created": r.first_published_at.isoformat() if r.first_published_at else None,
        "metadata_modified": meta.modified.isoformat() if meta.modified else None,
        "organization": organization_dict(meta.provider),
        "owner_org": org_name(meta.provider),
        "groups": [{"id": domain, "name": domain, "title": meta.class_name, "display_name": meta.class_name}],
        "tags": tags,
        "num_tags": len(tags),
        "resources": resources,
        "num_resources": len(resources),
        "extras": [{"key": k, "value": val} for k, val in extras.items()],
    }


def _tags(meta: Meta) -> list[str]:
    return [t for t in dict.fromkeys([meta.class_name, meta.provider.short_name or ""]) if t]


# --- actions ----------------------------------------------------------------------------------


def package_list(ctx: Context, params: dict[str, Any]) -> list[str]:
    limit = _int(params, "limit", MAX_LIST, 1, MAX_LIST)
    offset = _int(params, "offset", 0, 0, 10_000_000)
    codes = ctx.session.scalars(
        select(CatalogResource.code).where(open_clause()).order_by(CatalogResource.code).limit(limit).offset(offset)
    )
    return [slug(c) for c in codes]


FQ_FIELDS = {*FACET_FIELDS, "res_format"}
NO_MATCH = "-"  # a value no facet holds


def _stored_values(session: Session, name: str, values: set[str]) -> set[str]:
    """fq values in the index's terms: organizations by department id, a download format by
    whether the dataset has data (then it has every format)."""
    if name == "organization":
        return set(_org_ids(session, sorted(values)))
    if name == "res_format":
        return {"yes" if v.lower() in DOWNLOAD_FORMATS else NO_MATCH for v in values}
    return values


def parse_fq(session: Session, text: str) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """CKAN's fq (see fq.py) as the portal's facet filters: (chosen, excluded)."""
    try:
        found = fq.parse(text, FQ_FIELDS, lambda name, values: _stored_values(session, name, values))
    except fq.Syntax as exc:
        raise CkanError(400, "Search Query Error", f"Search Query is invalid: {exc}"[:200]) from None

    def facets(part: dict[str, set[str]]) -> dict[str, list[str]]:
        return {_FACET_OF[name]: sorted(values) or [NO_MATCH] for name, values in part.items()}

    return facets(found.chosen), facets(found.excluded)


_FACET_OF = {**FACET_FIELDS, "res_format": "loaded"}


def _org_ids(session: Session, names: list[str]) -> list[str]:
    usccs = [n[4:].upper() for n in names if n.startswith("org-")]
    ids = session.scalars(select(Department.id).where(Department.uscc.in_(usccs))) if usccs else []
    return [str(i) for i in ids] or [NO_MATCH]


_SORTS = {
    "score desc, metadata_modified desc": "relevance",
    "score desc": "relevance",
    "metadata_modified desc": "newest",
    "metadata_created desc": "newest",
    "title_string asc": "name",
    "name asc": "name",
    "views_recent desc": "popular",
}


def package_search(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    q = _str(params, "q")
    if q.strip() in ("*:*", "*"):
        q = ""
    chosen, excluded = parse_fq(ctx.session, _str(params, "fq"))
    sort_text = _str(params, "sort", "").strip().lower()
    if sort_text and sort_text not in _SORTS:
        raise validation("sort", f"Unsupported sort; use one of: {', '.join(_SORTS)}")
    facet_fields = _json_or(params, "facet.field", (list,)) or []
    if not all(isinstance(f, str) for f in facet_fields):
        raise validation("facet.field", "Must be a list of strings")
    facet_limit = _int(params, "facet.limit", 50, -1, 1000)
    found = portal_search.search(
        ctx.session,
        q,
        chosen,
        _SORTS.get(sort_text),
        _int(params, "rows", 10, 0, 1000),
        _int(params, "start", 0, 0, 100_000),
        facets=bool(facet_fields),
        excluded=excluded,
    )
    results = [
        package_dict(m, ctx.base_url) for m in metadata.build_many(ctx.session, [h.resource for h in found.hits])
    ]
    search_facets = _facets(ctx.session, found, facet_fields, facet_limit)
    return {
        "count": found.total,
        "sort": sort_text or "score desc, metadata_modified desc",
        "results": results,
        "facets": {f: {i["name"]: i["count"] for i in v["items"]} for f, v in search_facets.items()},
        "search_facets": search_facets,
    }


def _facets(session: Session, found: portal_search.Result, fields: list[str], limit: int) -> dict[str, Any]:
    out = {}
    orgs = dict(session.execute(select(Department.id, Department.uscc)).all()) if "organization" in fields else {}
    for name in fields:
        facet = FACET_FIELDS.get(name)
        items = found.facets.get(facet, []) if facet else []
        if name == "res_format" and found.loaded:
            items = [{"value": f.upper(), "label": f.upper(), "count": found.loaded} for f in DOWNLOAD_FORMATS]
        if name == "organization":
            items = [{**i, "value": f"org-{orgs[int(i['value'])].lower()}"} for i in items]
        items = items if limit < 0 else items[:limit]
        out[name] = {
            "title": name,
            "items": [{"name": i["value"], "display_name": i["label"], "count": i["count"]} for i in items],
        }
    return out


def _open_meta(ctx: Context, name: str) -> Meta:
    return metadata.build(ctx.session, visibility.get_open(ctx.session, name))


def package_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    name = _str(params, "id") or _str(params, "name")
    if not name:
        raise validation("id", "Missing value")
    return package_dict(_open_meta(ctx, name), ctx.base_url)


def _publishers(session: Session) -> dict[int, int]:
    return dict(
        session.execute(
            select(CatalogResource.provider_id, func.count()).where(open_clause()).group_by(CatalogResource.provider_id)
        ).all()
    )


def organization_list(ctx: Context, params: dict[str, Any]) -> list[Any]:
    counts = _publishers(ctx.session)
    depts = ctx.session.scalars(select(Department).where(Department.id.in_(list(counts))).order_by(Department.uscc))
    if _bool(params, "all_fields", False):
        return [organization_dict(d, counts[d.id]) for d in depts]
    return [org_name(d) for d in depts]


def organization_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    name = _str(params, "id")
    if not name.startswith("org-") or len(name) > 40:
        raise CkanError(404, "Not Found Error", "Not found")
    dept = ctx.session.scalar(select(Department).where(Department.uscc == name[4:].upper()))
    counts = _publishers(ctx.session)
    if dept is None or dept.id not in counts:
        raise CkanError(404, "Not Found Error", "Not found")
    out = organization_dict(dept, counts[dept.id])
    if _bool(params, "include_datasets", False):
        found = portal_search.search(ctx.session, "", {"department": [str(dept.id)]}, "name", 100, 0, facets=False)
        out["packages"] = [package_dict(metadata.build(ctx.session, h.resource), ctx.base_url) for h in found.hits]
    return out


def _domains(session: Session) -> dict[str, int]:
    domain = func.substr(CatalogResource.class_code, 1, 3)
    return dict(session.execute(select(domain, func.count()).where(open_clause()).group_by(domain)).all())


def group_list(ctx: Context, params: dict[str, Any]) -> list[Any]:
    counts = _domains(ctx.session)
    names = dict(
        ctx.session.execute(
            select(CatalogClass.code, CatalogClass.name).where(CatalogClass.code.in_(list(counts)))
        ).all()
    )
    if _bool(params, "all_fields", False):
        return [
            {
                "id": c,
                "name": c,
                "title": names.get(c, c),
                "display_name": names.get(c, c),
                "package_count": n,
                "type": "group",
                "is_organization": False,
                "state": "active",
            }
            for c, n in sorted(counts.items())
        ]
    return sorted(counts)


def tag_list(ctx: Context, params: dict[str, Any]) -> list[str]:
    query = _str(params, "query")
    classes = (
        select(distinct(CatalogClass.name))
        .join(CatalogResource, CatalogResource.class_code == CatalogClass.code)
        .where(open_clause())
    )
    short = (
        select(distinct(Department.short_name))
        .join(CatalogResource, CatalogResource.provider_id == Department.id)
        .where(open_clause(), Department.short_name.is_not(None))
    )
    names = sorted({n for n in [*ctx.session.scalars(classes), *ctx.session.scalars(short)] if n})
    return [n for n in names if query in n] if query else names


def resource_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    name, fmt = _resource_id(_str(params, "id"))
    meta = _open_meta(ctx, name)
    found = [r for r in resource_dicts(meta, ctx.base_url) if r["format"].lower() == fmt]
    if not found:
        raise CkanError(404, "Not Found Error", "Not found")
    return found[0]


def _resource_id(value: str) -> tuple[str, str]:
    name, _, fmt = value.rpartition(".")
    if not name or fmt not in DOWNLOAD_FORMATS:
        raise CkanError(404, "Not Found Error", "Not found")
    return name, fmt


def datastore_search(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource_id = _str(params, "resource_id") or _str(params, "id")
    if not resource_id:
        raise validation("resource_id", "Missing value")
    name, _fmt = _resource_id(resource_id)
    meta = _open_meta(ctx, name)
    if meta.data is None:
        raise CkanError(404, "Not Found Error", "Not found")
    require_rows(meta.release, ctx.developer)
    filters = _json_or(params, "filters", (dict,))
    q = _json_or(params, "q", (str, dict)) or ""  # a dict is CKAN's per-field q: {"item": "text", …}
    fields = params.get("fields")
    if isinstance(fields, str):
        fields = (
            [f.strip() for f in fields.split(",") if f.strip()]
            if not fields.startswith("[")
            else _json_or(params, "fields", (list,))
        )
    if fields is not None and not (isinstance(fields, list) and all(isinstance(f, str) for f in fields)):
        raise validation("fields", "Must be a list of field names")
    fields = [f for f in (fields or []) if f != "_id"] or None
    sort = rows.parse_sort(_str(params, "sort"))
    limit = _int(params, "limit", 100, 0, rows.MAX_LIMIT)
    offset = _int(params, "offset", 0, 0, 10_000_000)
    query = rows.Query(filters=filters, q=q, sort=sort, fields=fields, limit=limit, offset=offset)
    answer = rows.select_rows(ctx.session, meta.data, query)
    records = [{"_id": offset + n + 1, **r} for n, r in enumerate(answer["records"])]
    ds_fields = [{"id": "_id", "type": "int"}] + [
        {"id": f["name"], "type": DATASTORE_TYPES.get(f["type"], "text")} for f in answer["fields"]
    ]
    base = f"/api/3/action/datastore_search?resource_id={resource_id}"
    return {
        "resource_id": resource_id,
        "fields": ds_fields,
        "records": records,
        "total": answer["total"],
        "limit": limit,
        "offset": offset,
        "include_total": True,
        "records_format": "objects",
        "_links": {"start": base, "next": f"{base}&offset={offset + limit}"},
    }


def status_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "site_title": "govshare 政府数据开放平台",
        "site_url": ctx.base_url,
        "site_description": "Open government data: CKAN-compatible read API, DCAT-AP 3 and Data Packages",
        "ckan_version": CKAN_VERSION,
        "govshare_version": __version__,
        "locale_default": "zh_Hans_CN",
        "error_emails_to": None,
        "extensions": ["datastore", "dcat"],
    }


ACTIONS: dict[str, Callable[[Context, dict[str, Any]], Any]] = {
    "package_list": package_list,
    "package_search": package_search,
    "package_show": package_show,
    "organization_list": organization_list,
    "organization_show": organization_show,
    "group_list": group_list,
    "tag_list": tag_list,
    "resource_show": resource_show,
    "datastore_search": datastore_search,
    "status_show": status_show,
}


def help_show(ctx: Context, params: dict[str, Any]) -> str:
    name = _str(params, "name")
    action = ACTIONS.get(name)
    if action is None:
        raise CkanError(404, "Not Found Error", "Not found")
    return (action.__doc__ or name).strip()


ACTIONS["help_show"] = help_show
