"""HTTP API of the systems capability under /api/v1/systems. Thin: parse, authorise, call one
service function, shape the answer. Monitoring tools push metrics with a token of scope
"metrics" (POST /api/v1/systems/metrics)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from govshare.core.errors import InvalidInput
from govshare.core.pagination import Page, PageParams, page_params
from govshare.systems import (
    assessment,
    cases,
    census_import,
    exchange_link,
    holdings,
    integration,
    inventory,
    metrics,
    migration,
)
from govshare.systems.models import CaseStatus, Lifecycle, Network
from govshare.systems.schemas import (
    CaseOut,
    DecisionIn,
    DeferralDecisionIn,
    DeferralIn,
    IntegrationEdit,
    IntegrationIn,
    MetricsPush,
    MigrationEdit,
    MigrationIn,
    MigrationStatusIn,
    ProgressIn,
    RetirementPlanIn,
    SystemIn,
    SystemOut,
    SystemUpdate,
)
from govshare.web.deps import Caller, authorize, db_session

router = APIRouter(prefix="/api/v1/systems", tags=["systems 信息系统"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 20 * 1024 * 1024


async def _read(upload: UploadFile) -> bytes:
    content = await upload.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        raise InvalidInput("the file is larger than 20 MB", "文件超过 20 MB", field="file")
    return content


# --- inventory --------------------------------------------------------------------------


def _out(system: Any, links: exchange_link.Connections) -> SystemOut:
    """The system with its derived exchange connection."""
    return SystemOut.model_validate(system).model_copy(
        update={"exchange_connected": links.connected(system)}
    )


@router.get("", summary="System inventory 信息系统台账")
def list_systems(
    department_id: int | None = None,
    state: Lifecycle | None = None,
    network: Network | None = None,
    q: str | None = Query(None, max_length=100),
    page: PageParams = Depends(page_params),
    caller: Caller = Depends(authorize("systems.read")),
    session: Session = Depends(db_session),
) -> Page[SystemOut]:
    rows, total = inventory.list_systems(
        session, caller.principal, department_id, state, network, q, page.limit, page.offset
    )
    links = exchange_link.Connections(session)
    links.prefetch(rows)
    return Page(
        items=[_out(s, links) for s in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post("", status_code=201, summary="Register a system 登记信息系统")
def create_system(
    data: SystemIn,
    caller: Caller = Depends(authorize("systems.write")),
    session: Session = Depends(db_session),
) -> SystemOut:
    system = inventory.create_system(session, caller.actor, caller.principal, data)
    return _out(system, exchange_link.Connections(session))


@router.get("/census/template", summary="Census form 普查表模板")
def census_template(caller: Caller = Depends(authorize("systems.read"))) -> Response:
    return Response(
        census_import.template(),
        media_type=XLSX,
        headers={"content-disposition": "attachment; filename=census-template.xlsx"},
    )


@router.post("/census", status_code=201, summary="Upload a census return 上传普查表")
async def census_upload(
    file: UploadFile = File(...),
    caller: Caller = Depends(authorize("systems.write")),
    session: Session = Depends(db_session),
) -> list[dict[str, Any]]:
    returns = census_import.import_census(
        session, caller.actor, caller.principal, await _read(file), file.filename or "census.xlsx"
    )
    return [_return_out(r) for r in returns]


@router.get("/census", summary="Census returns 普查填报")
def census_returns(
    caller: Caller = Depends(authorize("systems.read")), session: Session = Depends(db_session)
) -> list[dict[str, Any]]:
    return [_return_out(r) for r in census_import.list_returns(session, caller.principal)]


@router.post("/census/{return_id}/review", summary="Review a return 审核普查填报")
def census_review(
    return_id: int,
    accept: bool,
    note: str = Query("", max_length=2000),
    caller: Caller = Depends(authorize("systems.audit")),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    return _return_out(census_import.review_return(session, caller.actor, return_id, accept, note))


def _return_out(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "department_id": r.department_id,
        "filename": r.filename,
        "systems": r.systems,
        "created": r.created,
        "updated": r.updated,
        "status": r.status.value,
        "submitted_by": r.submitted_by,
        "reviewed_by": r.reviewed_by,
        "review_note": r.review_note,
    }


# --- metrics ----------------------------------------------------------------------------


@router.post("/metrics", summary="Push daily metrics 推送运行指标")
def push_metrics(
    data: MetricsPush,
    caller: Caller = Depends(authorize("systems.metrics")),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    import polars as pl

    frame = pl.DataFrame([m.model_dump(mode="json") for m in data.metrics]).with_columns(
        pl.all().cast(pl.String)
    )
    if frame.is_empty():
        raise InvalidInput("no metrics given", "没有指标数据", field="metrics")
    frame = frame.select(list(metrics.SCHEMA)).with_row_index("row", offset=1)
    return _load_out(
        metrics.load(session, caller.actor, caller.principal, frame, f"api:{caller.principal.name}")
    )


@router.post("/metrics/file", summary="Load a metrics file (CSV or JSON) 导入指标文件")
async def load_metrics_file(
    file: UploadFile = File(...),
    caller: Caller = Depends(authorize("systems.metrics")),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    name = file.filename or "metrics.csv"
    fmt = "json" if name.lower().endswith(".json") else "csv"
    frame = metrics.parse(await _read(file), fmt)
    return _load_out(metrics.load(session, caller.actor, caller.principal, frame, name))


def _load_out(result: metrics.LoadResult) -> dict[str, Any]:
    return {
        "rows": result.rows,
        "systems": result.systems,
        "replaced": result.replaced,
        "gaps": result.gaps,
    }


# --- audit ------------------------------------------------------------------------------


@router.post("/audit", status_code=201, summary="Run the zombie audit 运行僵尸系统核查")
def run_audit(
    as_of: date | None = None,
    caller: Caller = Depends(authorize("systems.audit")),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    run = assessment.run_audit(session, caller.actor, as_of)
    return {
        "id": run.id,
        "as_of": run.as_of,
        "systems": run.systems,
        "flagged": run.flagged,
        "thresholds": run.thresholds,
    }


@router.get("/audit/latest", summary="Latest audit: flagged systems with evidence 最近核查结果")
def latest_audit(
    caller: Caller = Depends(authorize("systems.read")), session: Session = Depends(db_session)
) -> dict[str, Any]:
    run = assessment.latest_run(session)
    if run is None:
        return {"run": None, "flagged": []}
    dept = None if caller.principal.is_platform_wide else (caller.principal.department_id or -1)
    return {
        "run": {"id": run.id, "as_of": run.as_of, "systems": run.systems, "flagged": run.flagged},
        "flagged": [_assessment_out(a, s) for a, s in assessment.flagged(session, run.id, dept)],
    }


def _assessment_out(a: Any, s: Any) -> dict[str, Any]:
    return {
        "system_id": s.id,
        "code": s.code,
        "name": s.name,
        "department_id": s.department_id,
        "scores": a.scores,
        "overall": a.overall,
        "rules": a.flagged_rules,
        "time_class": a.time_class,
        "evidence": a.evidence,
        "explanation_zh": a.explanation_zh,
        "explanation_en": a.explanation_en,
    }


# --- cases ------------------------------------------------------------------------------


@router.get("/cases", summary="Zombie cases 僵尸系统案件")
def list_cases(
    status: CaseStatus | None = None,
    caller: Caller = Depends(authorize("systems.read")),
    session: Session = Depends(db_session),
) -> list[CaseOut]:
    return [
        CaseOut.model_validate(c) for c, _s in cases.list_cases(session, caller.principal, status)
    ]


@router.post("/cases/{case_id}/decision", summary="Confirm or dismiss 认定或排除")
def decide(
    case_id: int,
    data: DecisionIn,
    caller: Caller = Depends(authorize("systems.decide")),
    session: Session = Depends(db_session),
) -> CaseOut:
    return CaseOut.model_validate(
        cases.decide(session, caller.actor, caller.principal, case_id, data)
    )


@router.post("/cases/{case_id}/deferral", summary="Ask for deferral 申请延期")
def request_deferral(
    case_id: int,
    data: DeferralIn,
    caller: Caller = Depends(authorize("systems.respond")),
    session: Session = Depends(db_session),
) -> CaseOut:
    return CaseOut.model_validate(
        cases.request_deferral(session, caller.actor, caller.principal, case_id, data)
    )


@router.post("/cases/{case_id}/deferral/decision", summary="Grant or refuse deferral 审批延期")
def decide_deferral(
    case_id: int,
    data: DeferralDecisionIn,
    caller: Caller = Depends(authorize("systems.decide")),
    session: Session = Depends(db_session),
) -> CaseOut:
    return CaseOut.model_validate(
        cases.decide_deferral(session, caller.actor, caller.principal, case_id, data)
    )


@router.post("/cases/{case_id}/retirement", summary="Retirement plan 下线计划")
def plan_retirement(
    case_id: int,
    data: RetirementPlanIn,
    caller: Caller = Depends(authorize("systems.decide")),
    session: Session = Depends(db_session),
) -> CaseOut:
    return CaseOut.model_validate(
        cases.plan_retirement(session, caller.actor, caller.principal, case_id, data)
    )


@router.post("/cases/{case_id}/retired", summary="Report switched off 确认已下线")
def mark_retired(
    case_id: int,
    caller: Caller = Depends(authorize("systems.respond")),
    session: Session = Depends(db_session),
) -> CaseOut:
    return CaseOut.model_validate(
        cases.mark_retired(session, caller.actor, caller.principal, case_id)
    )


# --- integration lists and network migration ---------------------------------------------


@router.get("/integration", summary="Integration & sharing list 整合共享清单")
def integration_list(
    department_id: int | None = None,
    caller: Caller = Depends(authorize("systems.read")),
    session: Session = Depends(db_session),
) -> list[dict[str, Any]]:
    return integration.list_items(session, caller.principal, department_id)


@router.get("/integration.xlsx", summary="Integration list as XLSX 导出整合共享清单")
def integration_xlsx(
    department_id: int | None = None,
    caller: Caller = Depends(authorize("systems.report")),
    session: Session = Depends(db_session),
) -> Response:
    return Response(
        integration.list_xlsx(session, caller.principal, department_id),
        media_type=XLSX,
        headers={"content-disposition": "attachment; filename=integration-list.xlsx"},
    )


@router.post("/integration", status_code=201, summary="Add to the list 加入整合清单")
def integration_add(
    data: IntegrationIn,
    caller: Caller = Depends(authorize("systems.plan")),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    item = integration.add_item(session, caller.actor, caller.principal, data)
    return {"id": item.id, "status": item.status.value}


@router.post("/integration/{item_id}/progress", summary="Report progress 更新进度")
def integration_progress(
    item_id: int,
    data: ProgressIn,
    caller: Caller = Depends(authorize("systems.plan")),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    item = integration.update_progress(session, caller.actor, caller.principal, item_id, data)
    return {"id": item.id, "progress": item.progress, "status": item.status.value}


@router.patch("/integration/{item_id}", summary="Edit a list row 修改整合清单条目")
def integration_edit(
    item_id: int,
    data: IntegrationEdit,
    caller: Caller = Depends(authorize("systems.plan")),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    item = integration.edit_item(session, caller.actor, caller.principal, item_id, data)
    return {"id": item.id, "progress": item.progress, "status": item.status.value}


@router.get("/migrations", summary="Network migrations 网络迁移")
def migrations(
    caller: Caller = Depends(authorize("systems.read")), session: Session = Depends(db_session)
) -> list[dict[str, Any]]:
    return migration.list_migrations(session, caller.principal)


@router.post("/migrations", status_code=201, summary="Plan a migration 制定迁移计划")
def migration_plan(
    data: MigrationIn,
    caller: Caller = Depends(authorize("systems.plan")),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    row = migration.plan(session, caller.actor, caller.principal, data)
    return {"id": row.id, "status": row.status.value}


@router.post("/migrations/{migration_id}/status", summary="Migration status 更新迁移状态")
def migration_status(
    migration_id: int,
    data: MigrationStatusIn,
    caller: Caller = Depends(authorize("systems.plan")),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    row = migration.set_status(session, caller.actor, caller.principal, migration_id, data)
    return {"id": row.id, "status": row.status.value}


@router.patch("/migrations/{migration_id}", summary="Edit a migration 修改迁移计划")
def migration_edit(
    migration_id: int,
    data: MigrationEdit,
    caller: Caller = Depends(authorize("systems.plan")),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    row = migration.edit(session, caller.actor, caller.principal, migration_id, data)
    return {"id": row.id, "target": row.target.value, "status": row.status.value}


@router.get("/resources", summary="Held catalog resources 持有的目录资源")
def held_resources(
    unresolved: bool = False,
    caller: Caller = Depends(authorize("systems.read")),
    session: Session = Depends(db_session),
) -> list[dict[str, Any]]:
    """Every visible system's held resources; `unresolved=true`: only the codes the catalog
    does not know (carried over from the free-text list)."""
    return holdings.links(session, caller.principal, unresolved=unresolved)


# --- one system (after the fixed paths above) ---------------------------------------------


@router.get("/{system_id}", summary="One system 信息系统详情")
def get_system(
    system_id: int,
    caller: Caller = Depends(authorize("systems.read")),
    session: Session = Depends(db_session),
) -> dict[str, Any]:
    system = inventory.get_system(session, caller.principal, system_id)
    latest = assessment.latest_assessment(session, system.id)
    links = exchange_link.Connections(session)
    return {
        "system": _out(system, links).model_dump(mode="json"),
        "held_resources": [
            {"code": h.code, "resource_id": h.resource_id, "name": h.name, "resolved": h.resolved}
            for h in holdings.describe(session, caller.principal, system)
        ],
        "exchange_evidence": links.served_codes(system),
        "history": [
            {"at": h.at, "actor": h.actor, "reason": h.reason, "changes": h.changes}
            for h in inventory.history(session, system.id)
        ],
        "assessment": _assessment_out(latest, system) if latest else None,
        "cases": [
            CaseOut.model_validate(c).model_dump(mode="json")
            for c in cases.cases_of(session, system.id)
        ],
    }


@router.patch("/{system_id}", summary="Edit a system 修改信息系统")
def update_system(
    system_id: int,
    data: SystemUpdate,
    caller: Caller = Depends(authorize("systems.write")),
    session: Session = Depends(db_session),
) -> SystemOut:
    changes = data.model_dump(exclude_unset=True, exclude={"reason"})
    system = inventory.update_system(
        session, caller.actor, caller.principal, system_id, changes, data.reason
    )
    return _out(system, exchange_link.Connections(session))


@router.get("/{system_id}/metrics", summary="Daily metrics 运行指标")
def system_metrics(
    system_id: int,
    days: int = Query(90, ge=1, le=3660),
    caller: Caller = Depends(authorize("systems.read")),
    session: Session = Depends(db_session),
) -> list[dict[str, Any]]:
    inventory.get_system(session, caller.principal, system_id)
    return [
        {"day": m.day, **{c: getattr(m, c) for c in metrics.VALUE_COLUMNS}}
        for m in metrics.series(session, system_id, days)
    ]
