"""HTTP API of the catalog under /api/v1/catalog: compile, review, publish, search, census,
import and export. Thin: parse, authorise, call one service function, shape the answer."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from sqlalchemy.orm import Session

from govshare.catalog import census as census_service
from govshare.catalog import resources, synonyms, transfer, workflow
from govshare.catalog import search as search_service
from govshare.catalog.checks import CheckContext, check_version
from govshare.catalog.codes import list_classes
from govshare.catalog.models import CatalogResource, ResourceVersion
from govshare.catalog.schemas import (
    FindingOut,
    ResourceIn,
    ResourceOut,
    ReviewIn,
    SearchOut,
    SearchTermIn,
    SearchTermOut,
    VersionOut,
)
from govshare.catalog.vocab import (
    CatalogKind,
    ResourceFormat,
    ShareType,
    UpdateCycle,
    VersionStatus,
)
from govshare.core.pagination import Page, PageParams, page_params
from govshare.web.deps import Caller, authorize, db_session, language

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog 政务信息资源目录"])


def _stale_days(request: Request) -> int:
    return request.app.state.settings.policy.catalog_update_days


def resource_out(
    session: Session,
    caller: Caller,
    resource: CatalogResource,
    request: Request,
    findings: list | None = None,
) -> ResourceOut:
    working = resources.visible_working(caller.principal, resource)
    names = resources.provider_names(session, {resource.provider_id})
    lang = language(request)
    return ResourceOut(
        id=resource.id,
        code=resource.code,
        provider_id=resource.provider_id,
        provider_name=names.get(resource.provider_id, ""),
        region_code=resource.region_code,
        stale=search_service.is_stale(resource, _stale_days(request)),
        published=VersionOut.model_validate(resource.published_version)
        if resource.published_version
        else None,
        working=VersionOut.model_validate(working) if working else None,
        findings=[FindingOut(**f.out(lang)) for f in (findings or [])],
    )


# --- search ------------------------------------------------------------------------------


async def search_filters(
    catalog: CatalogKind | None = None,
    class_code: str | None = Query(
        None, alias="class", pattern=r"^[0-9]{1,20}$", description="类/项/目 prefix"
    ),
    provider: int | None = Query(None, description="provider department id"),
    region: str | None = Query(
        None, pattern=r"^[0-9]{6}$", description="GB/T 2260 code; includes subdivisions"
    ),
    share_type: ShareType | None = None,
    open: bool | None = Query(None, description="open to the public"),
    format: ResourceFormat | None = None,
    update_cycle: UpdateCycle | None = None,
) -> search_service.Filters:
    return search_service.Filters(
        catalog, class_code, provider, region, share_type, open, format, update_cycle
    )


@router.get("/search", summary="Search the published catalog 目录检索")
def search(
    request: Request,
    q: str = Query(
        "",
        description="Chinese words, abbreviations (社保, 人社局) or codes; at most 100 characters",
    ),
    sort: str | None = Query(None, description="relevance (default with q), published, name, code"),
    filters: search_service.Filters = Depends(search_filters),
    page: PageParams = Depends(page_params),
    caller: Caller = Depends(authorize("catalog.read")),
    session: Session = Depends(db_session),
) -> SearchOut:
    result = search_service.search(
        session,
        q,
        filters,
        sort,
        page.limit,
        page.offset,
        language(request),
        stale_days=_stale_days(request),
    )
    return SearchOut(
        query=result.query,
        terms=result.terms,
        total=result.total,
        limit=page.limit,
        offset=page.offset,
        items=result.hits,
        facets=result.facets,
    )  # type: ignore[arg-type]


@router.get("/classes", summary="Classification 类/项/目/细目")
def classes(
    caller: Caller = Depends(authorize("catalog.read")), session: Session = Depends(db_session)
) -> list[dict]:
    return [
        {"code": c.code, "name": c.name, "catalog": c.catalog.value, "parent_code": c.parent_code}
        for c in list_classes(session)
    ]


# --- entries -----------------------------------------------------------------------------


@router.get("/resources", summary="Own department's entries, drafts included 本部门目录")
def list_entries(
    request: Request,
    department_id: int | None = Query(None, description="administrators: any department"),
    status: VersionStatus | None = None,
    page: PageParams = Depends(page_params),
    caller: Caller = Depends(authorize("catalog.read")),
    session: Session = Depends(db_session),
) -> Page[ResourceOut]:
    rows, total = resources.department_entries(
        session, caller.principal, department_id, status, page.limit, page.offset
    )
    return Page(
        items=[resource_out(session, caller, r, request) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post("/resources", status_code=201, summary="Create an entry (draft) 新建目录条目")
def create(
    data: ResourceIn,
    request: Request,
    caller: Caller = Depends(authorize("catalog.write")),
    session: Session = Depends(db_session),
) -> ResourceOut:
    saved = workflow.create(session, caller.principal, caller.actor, data)
    return resource_out(session, caller, saved.resource, request, saved.findings)


@router.post("/check", summary="Cross-check an entry without saving it 共享校核")
def check(
    data: ResourceIn,
    request: Request,
    caller: Caller = Depends(authorize("catalog.write")),
    session: Session = Depends(db_session),
) -> list[FindingOut]:
    provider = workflow.resolve_provider(session, caller.principal, data.provider_id)
    class_code = data.class_code or ""
    version = workflow.fill_version(ResourceVersion(), data, provider, class_code)
    findings = check_version(
        version, provider.id, None, CheckContext(session)
    )  # never added: nothing saved
    return [FindingOut(**f.out(language(request))) for f in findings]


@router.get("/resources/by-code", summary="One entry by its code 按代码查询")
def by_code(
    request: Request,
    code: str = Query(..., max_length=40),
    caller: Caller = Depends(authorize("catalog.read")),
    session: Session = Depends(db_session),
) -> ResourceOut:
    return resource_out(
        session, caller, resources.find_by_code(session, caller.principal, code), request
    )


@router.get("/resources/{resource_id}", summary="One entry 目录条目")
def get(
    resource_id: int,
    request: Request,
    caller: Caller = Depends(authorize("catalog.read")),
    session: Session = Depends(db_session),
) -> ResourceOut:
    resource = resources.get_resource(session, caller.principal, resource_id)
    findings = (
        workflow.checks_for(session, resource)
        if resources.sees_drafts(caller.principal, resource)
        else []
    )
    return resource_out(session, caller, resource, request, findings)


@router.put(
    "/resources/{resource_id}", summary="Save the draft; a published entry gets a new version 保存"
)
def save(
    resource_id: int,
    data: ResourceIn,
    request: Request,
    caller: Caller = Depends(authorize("catalog.write")),
    session: Session = Depends(db_session),
) -> ResourceOut:
    saved = workflow.save(session, caller.principal, caller.actor, resource_id, data)
    return resource_out(session, caller, saved.resource, request, saved.findings)


@router.post("/resources/{resource_id}/submit", summary="Submit for review 提交审核")
def submit(
    resource_id: int,
    request: Request,
    caller: Caller = Depends(authorize("catalog.write")),
    session: Session = Depends(db_session),
) -> ResourceOut:
    saved = workflow.submit(session, caller.principal, caller.actor, resource_id)
    return resource_out(session, caller, saved.resource, request, saved.findings)


@router.post("/resources/{resource_id}/publish", summary="Approve and publish 审核通过并发布")
def publish(
    resource_id: int,
    data: ReviewIn,
    request: Request,
    caller: Caller = Depends(authorize("catalog.review")),
    session: Session = Depends(db_session),
) -> ResourceOut:
    saved = workflow.publish(session, caller.principal, caller.actor, resource_id, data.note)
    return resource_out(session, caller, saved.resource, request, saved.findings)


@router.post("/resources/{resource_id}/return", summary="Return with reasons 退回修改")
def return_entry(
    resource_id: int,
    data: ReviewIn,
    request: Request,
    caller: Caller = Depends(authorize("catalog.review")),
    session: Session = Depends(db_session),
) -> ResourceOut:
    saved = workflow.return_for_changes(
        session, caller.principal, caller.actor, resource_id, data.note
    )
    return resource_out(session, caller, saved.resource, request)


@router.post(
    "/resources/{resource_id}/source-changed", summary="Report a change of the source 来源变更"
)
def source_changed(
    resource_id: int,
    request: Request,
    caller: Caller = Depends(authorize("catalog.source_changed")),
    session: Session = Depends(db_session),
) -> ResourceOut:
    resource = workflow.mark_source_changed(session, caller.principal, caller.actor, resource_id)
    return resource_out(session, caller, resource, request)


@router.get("/resources/{resource_id}/versions", summary="Every version 历史版本")
def list_versions(
    resource_id: int,
    caller: Caller = Depends(authorize("catalog.read")),
    session: Session = Depends(db_session),
) -> list[VersionOut]:
    resource = resources.get_resource(session, caller.principal, resource_id)
    return [
        VersionOut.model_validate(v)
        for v in resources.versions(session, caller.principal, resource)
    ]


@router.get("/resources/{resource_id}/compare", summary="Compare two versions 版本比对")
def compare(
    resource_id: int,
    a: int = Query(..., ge=1),
    b: int = Query(..., ge=1),
    caller: Caller = Depends(authorize("catalog.read")),
    session: Session = Depends(db_session),
) -> dict:
    resource = resources.get_resource(session, caller.principal, resource_id)
    return resources.compare(
        resources.get_version(session, caller.principal, resource, a),
        resources.get_version(session, caller.principal, resource, b),
    )


@router.get("/review", summary="Review queue 待审核")
def review_queue(
    request: Request,
    page: PageParams = Depends(page_params),
    caller: Caller = Depends(authorize("catalog.review")),
    session: Session = Depends(db_session),
) -> Page[ResourceOut]:
    rows, total = resources.review_queue(session, page.limit, page.offset)
    return Page(
        items=[resource_out(session, caller, r, request) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


# --- dictionary ----------------------------------------------------------------------------


@router.get("/terms", summary="Synonym and abbreviation dictionary 同义词与简称词典")
def terms(
    caller: Caller = Depends(authorize("catalog.read")), session: Session = Depends(db_session)
) -> list[SearchTermOut]:
    return [SearchTermOut(**e) for e in synonyms.entries(session)]


@router.put("/terms/{term}", summary="Add or change a term 维护词条")
def set_term(
    term: str,
    data: SearchTermIn,
    caller: Caller = Depends(authorize("catalog.dictionary")),
    session: Session = Depends(db_session),
) -> SearchTermOut:
    return SearchTermOut(
        **synonyms.set_term(session, caller.actor, term, data.expansions, data.active)
    )


@router.delete("/terms/{term}", status_code=204, summary="Switch a term off 停用词条")
def remove_term(
    term: str,
    caller: Caller = Depends(authorize("catalog.dictionary")),
    session: Session = Depends(db_session),
) -> Response:
    synonyms.remove_term(session, caller.actor, term)
    return Response(status_code=204)


# --- census, import, export ----------------------------------------------------------------


@router.get("/census", summary="Census 大普查")
def census(
    by: str = Query("department", description="department, region or class"),
    caller: Caller = Depends(authorize("catalog.census")),
    session: Session = Depends(db_session),
) -> dict:
    census_service.ensure_snapshot(session)
    return census_service.census(session, by)


@router.post("/census/snapshots", status_code=201, summary="Store a census snapshot 保存普查快照")
def census_snapshot(
    caller: Caller = Depends(authorize("catalog.census.snapshot")),
    session: Session = Depends(db_session),
) -> dict:
    """Stores the census totals and per-department rows as they stand now; the census's
    `trend` (change over time) lists the latest snapshot of each month."""
    return census_service.take_snapshot(session, caller.actor, "manual")


@router.get("/census.xlsx", summary="Census as Excel 大普查导出")
def census_xlsx(
    caller: Caller = Depends(authorize("catalog.census")), session: Session = Depends(db_session)
) -> Response:
    content = transfer.census_workbook(session, caller.actor)
    return Response(
        content,
        media_type=transfer.XLSX_TYPE,
        headers={"content-disposition": 'attachment; filename="catalog-census.xlsx"'},
    )


@router.get("/export", summary="Export the published catalog 导出目录 (xlsx, json, csv)")
def export(
    format: str = Query("xlsx", pattern="^(xlsx|json|csv)$"),
    provider: int | None = Query(None, description="only this provider"),
    caller: Caller = Depends(authorize("catalog.export")),
    session: Session = Depends(db_session),
) -> Response:
    content, media_type = transfer.export(session, caller.actor, format, provider)
    return Response(
        content,
        media_type=media_type,
        headers={"content-disposition": f'attachment; filename="catalog.{format}"'},
    )


@router.post(
    "/import", summary="Import the national template (xlsx), json or csv; all or nothing 导入"
)
async def import_file(
    request: Request,
    file: UploadFile = File(...),
    dry_run: bool = Query(False, description="check only, write nothing"),
    submit: bool = Query(False, description="submit the imported entries for review"),
    caller: Caller = Depends(authorize("catalog.write")),
    session: Session = Depends(db_session),
) -> dict:
    content = await file.read()
    return transfer.import_file(
        session,
        caller.principal,
        caller.actor,
        file.filename or "",
        content,
        dry_run=dry_run,
        submit=submit,
    ).summary(language(request))
