"""Pages of the systems capability: inventory and system pages, the audit dashboard, the
review queue, integration and migration progress, the census upload. Forms post to the same
service functions as the API; a refused form comes back with the error (status 422)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from govshare.core.errors import AppError, InvalidInput, NotFound
from govshare.core.i18n import translate
from govshare.orgs import departments
from govshare.systems import (
    assessment,
    cases,
    census_import,
    charts,
    exchange_link,
    forms,
    holdings,
    integration,
    inventory,
    metrics,
    migration,
)
from govshare.systems.models import (
    CaseStatus,
    Frequency,
    InformationSystem,
    IntegrationAction,
    Lifecycle,
    Network,
    PlanStatus,
)
from govshare.systems.schemas import (
    DecisionIn,
    DeferralDecisionIn,
    DeferralIn,
    IntegrationEdit,
    IntegrationIn,
    MigrationEdit,
    MigrationIn,
    ProgressIn,
    RetirementPlanIn,
    SystemIn,
    SystemUpdate,
)
from govshare.web.deps import Caller, authorize, db_session, language
from govshare.web.templating import render

router = APIRouter(include_in_schema=False)

NAV = [
    ("/systems", "systems_inventory", "systems.read"),
    ("/systems/audit", "systems_audit", "systems.read"),
    ("/systems/cases", "systems_cases", "systems.read"),
    ("/systems/plans", "systems_plans", "systems.read"),
    ("/systems/census", "systems_census", "systems.read"),
]
PAGE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _form(request: Request) -> dict[str, Any]:
    form = await request.form()
    return {k: v for k, v in form.items() if k != "csrf_token"}


def _message(exc: Exception, lang: str) -> str:
    return forms.message(exc, lang)


def _saved(url: str) -> Response:
    """After a change, back to a page (the unit of work commits before this response leaves:
    `web.unit_of_work.CommitBeforeResponse`)."""
    return RedirectResponse(url, status_code=303)


def _names(session: Session) -> dict[int, str]:
    rows, _ = departments.list_departments(session, include_inactive=True, limit=100_000)
    return {d.id: d.name for d in rows}


# --- inventory --------------------------------------------------------------------------


def _inventory(
    request: Request, session: Session, caller: Caller, status_code: int = 200, **extra: Any
) -> Response:
    params = request.query_params
    state = params.get("state") or None
    network = params.get("network") or None
    dept = int(params["department"]) if params.get("department", "").isdigit() else None
    offset = int(params["offset"]) if params.get("offset", "").isdigit() else 0
    rows, total = inventory.list_systems(
        session,
        caller.principal,
        dept,
        Lifecycle(state) if state in Lifecycle._value2member_map_ else None,
        Network(network) if network in Network._value2member_map_ else None,
        params.get("q") or None,
        PAGE,
        offset,
    )
    lang = language(request)
    chart_list = [
        charts.counts(
            "by_state",
            [
                (translate(f"state_{k.value}", lang), n)
                for k, n in inventory.counts_by(session, caller.principal, InformationSystem.state)
            ],
            "pie",
        ),
        charts.counts(
            "network",
            [
                (translate(f"net_{k.value}", lang), n)
                for k, n in inventory.counts_by(
                    session, caller.principal, InformationSystem.network
                )
            ],
            "pie",
        ),
    ]
    return render(
        request,
        "systems/inventory.html",
        status_code=status_code,
        systems=rows,
        total=total,
        offset=offset,
        page=PAGE,
        names=_names(session),
        states=list(Lifecycle),
        networks=list(Network),
        frequencies=list(Frequency),
        charts=chart_list,
        filters={
            "q": params.get("q", ""),
            "state": state or "",
            "network": network or "",
            "department": dept or "",
        },
        **extra,
    )


@router.get("/systems", response_class=HTMLResponse)
def inventory_page(
    request: Request,
    caller: Caller = Depends(authorize("systems.read")),
    session: Session = Depends(db_session),
) -> Response:
    return _inventory(request, session, caller)


@router.post("/systems")
async def system_register(
    request: Request,
    caller: Caller = Depends(authorize("systems.write")),
    session: Session = Depends(db_session),
) -> Response:
    """The census by page: one system at a time, the same checks as the form and the API."""
    data: dict[str, Any] = {k: v for k, v in (await _form(request)).items() if v != ""}
    data.setdefault("department_id", caller.principal.department_id)
    if "resource_codes" in data:
        data["resource_codes"] = forms.split_codes(data["resource_codes"])
    try:
        system = inventory.create_system(session, caller.actor, caller.principal, SystemIn(**data))
    except (AppError, ValidationError) as exc:
        session.rollback()
        return _inventory(
            request, session, caller, 422, error=_message(exc, language(request)), form=data
        )
    return _saved(f"/systems/{system.id}")


# --- audit dashboard --------------------------------------------------------------------


@router.get("/systems/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    caller: Caller = Depends(authorize("systems.read")),
    session: Session = Depends(db_session),
) -> Response:
    lang = language(request)
    run = assessment.latest_run(session)
    names = _names(session)
    chart_list: list[dict[str, Any]] = []
    flagged: list[Any] = []
    if run is not None:
        dept = None if caller.principal.is_platform_wide else (caller.principal.department_id or -1)
        flagged = assessment.flagged(session, run.id, dept)
        chart_list = [
            charts.counts(
                "by_rule",
                [
                    (translate(f"rule_{r}", lang), n)
                    for r, n in assessment.counts_by_rule(session, run.id, dept)
                ],
            ),
            charts.counts(
                "by_time_class",
                [
                    (translate(f"time_{k}", lang), n)
                    for k, n in assessment.counts_by_time_class(session, run.id, dept)
                ],
                "pie",
            ),
        ]
        chart_list.append(
            charts.counts(
                "case_status",
                [
                    (translate(f"case_{k.value}", lang), n)
                    for k, n in cases.counts_by_status(session, caller.principal)
                ],
                "pie",
            )
        )
        if caller.principal.is_platform_wide:
            by_dept = sorted(
                (
                    (names.get(d, str(d)), n)
                    for d, n in assessment.flagged_by_department(session, run.id)
                ),
                key=lambda p: -p[1],
            )[:20]
            chart_list.append(charts.counts("by_department_flagged", by_dept))
    return render(
        request,
        "systems/audit.html",
        run=run,
        flagged=flagged[:300],
        flagged_total=len(flagged),
        names=names,
        charts=chart_list,
    )


@router.post("/systems/audit")
def audit_run(
    request: Request,
    caller: Caller = Depends(authorize("systems.audit")),
    session: Session = Depends(db_session),
) -> Response:
    assessment.run_audit(session, caller.actor)
    return _saved("/systems/audit")


# --- review queue -----------------------------------------------------------------------


def _cases_page(
    request: Request, session: Session, caller: Caller, status_code: int = 200, **extra: Any
) -> Response:
    chosen = request.query_params.get("status") or ""
    status = CaseStatus(chosen) if chosen in CaseStatus._value2member_map_ else None
    rows = cases.list_cases(session, caller.principal, status, limit=300)
    return render(
        request,
        "systems/cases.html",
        status_code=status_code,
        rows=rows,
        statuses=list(CaseStatus),
        chosen=chosen,
        names=_names(session),
        today=date.today(),
        **extra,
    )


@router.get("/systems/cases", response_class=HTMLResponse)
def cases_page(
    request: Request,
    caller: Caller = Depends(authorize("systems.read")),
    session: Session = Depends(db_session),
) -> Response:
    return _cases_page(request, session, caller)


STEPS = {
    "decision": ("systems.decide", DecisionIn, cases.decide),
    "deferral": ("systems.respond", DeferralIn, cases.request_deferral),
    "deferral-decision": ("systems.decide", DeferralDecisionIn, cases.decide_deferral),
    "retirement": ("systems.decide", RetirementPlanIn, cases.plan_retirement),
}


@router.post("/systems/cases/{case_id}/retired")
def case_retired(
    case_id: int,
    request: Request,
    caller: Caller = Depends(authorize("systems.respond")),
    session: Session = Depends(db_session),
) -> Response:
    try:
        cases.mark_retired(session, caller.actor, caller.principal, case_id)
    except AppError as exc:
        session.rollback()
        return _cases_page(
            request,
            session,
            caller,
            422,
            error=exc.localized(language(request)),
            error_case=case_id,
        )
    return _saved(f"/systems/cases#case-{case_id}")


def _case_step(step: str) -> Any:
    action, schema, service = STEPS[step]

    async def handler(
        case_id: int,
        request: Request,
        caller: Caller = Depends(authorize(action)),
        session: Session = Depends(db_session),
    ) -> Response:
        data = {k: (v if v != "" else None) for k, v in (await _form(request)).items()}
        try:
            service(session, caller.actor, caller.principal, case_id, schema(**data))
        except (AppError, ValidationError) as exc:
            session.rollback()
            return _cases_page(
                request,
                session,
                caller,
                422,
                error=_message(exc, language(request)),
                error_case=case_id,
            )
        return _saved(f"/systems/cases#case-{case_id}")

    return handler


for _step in STEPS:
    router.add_api_route(f"/systems/cases/{{case_id}}/{_step}", _case_step(_step), methods=["POST"])


# --- integration lists and network migration ----------------------------------------------


@router.get("/systems/plans", response_class=HTMLResponse)
def plans_page(
    request: Request,
    caller: Caller = Depends(authorize("systems.read")),
    session: Session = Depends(db_session),
) -> Response:
    return _plans_page(request, session, caller)


@router.get("/systems/integration.xlsx")
def integration_download(
    request: Request,
    caller: Caller = Depends(authorize("systems.report")),
    session: Session = Depends(db_session),
) -> Response:
    chosen = request.query_params.get("department_id", "")
    content = integration.list_xlsx(
        session, caller.principal, int(chosen) if chosen.isdigit() else None
    )
    return Response(
        content,
        media_type=XLSX,
        headers={"content-disposition": "attachment; filename=integration-list.xlsx"},
    )


def _plans_page(
    request: Request, session: Session, caller: Caller, status_code: int = 200, **extra: Any
) -> Response:
    items = integration.list_items(session, caller.principal)
    moves = migration.list_migrations(session, caller.principal)
    names = _names(session)
    lang = language(request)
    chart_list = [
        charts.progress_bars("integration_by_department", charts.by_department(items, names)),
        charts.progress_bars(
            "migration_by_department",
            charts.by_department(
                [{**m, "progress": 100 if m["status"] == "done" else 0} for m in moves], names
            ),
        ),
        charts.counts("migration_status", charts.plan_states(moves, lang), "pie"),
    ]
    return render(
        request,
        "systems/plans.html",
        status_code=status_code,
        items=items,
        moves=moves,
        names=names,
        charts=chart_list,
        plan_statuses=list(PlanStatus),
        targets=list(migration.TARGETS),
        unplanned=migration.unplanned(session, caller.principal)[:100],
        **extra,
    )


def _plan_refused(
    request: Request, session: Session, caller: Caller, exc: Exception, row: str
) -> Response:
    if isinstance(exc, NotFound):
        raise exc  # another department's row answers 404, like everywhere else
    session.rollback()
    return _plans_page(
        request, session, caller, 422, error=_message(exc, language(request)), error_row=row
    )


@router.post("/systems/integration/{item_id}/progress")
async def integration_progress(
    item_id: int,
    request: Request,
    caller: Caller = Depends(authorize("systems.plan")),
    session: Session = Depends(db_session),
) -> Response:
    data = await _form(request)
    try:
        integration.update_progress(
            session,
            caller.actor,
            caller.principal,
            item_id,
            ProgressIn(progress=data.get("progress"), note=data.get("note") or None),
        )
    except (AppError, ValidationError) as exc:
        return _plan_refused(request, session, caller, exc, f"item-{item_id}")
    return _saved(f"/systems/plans#item-{item_id}")


@router.post("/systems/integration/{item_id}")
async def integration_edit(
    item_id: int,
    request: Request,
    caller: Caller = Depends(authorize("systems.plan")),
    session: Session = Depends(db_session),
) -> Response:
    """A row of the list edited on the plans page: deadline, progress, status, note, target."""
    data = forms.blanks_as_none(await _form(request))
    try:
        integration.edit_item(
            session, caller.actor, caller.principal, item_id, IntegrationEdit(**data)
        )
    except (AppError, ValidationError) as exc:
        return _plan_refused(request, session, caller, exc, f"item-{item_id}")
    return _saved(f"/systems/plans#item-{item_id}")


@router.post("/systems/migrations/{migration_id}")
async def migration_edit(
    migration_id: int,
    request: Request,
    caller: Caller = Depends(authorize("systems.plan")),
    session: Session = Depends(db_session),
) -> Response:
    data = forms.blanks_as_none(await _form(request))
    try:
        migration.edit(session, caller.actor, caller.principal, migration_id, MigrationEdit(**data))
    except (AppError, ValidationError) as exc:
        return _plan_refused(request, session, caller, exc, f"move-{migration_id}")
    return _saved(f"/systems/plans#move-{migration_id}")


# --- census -----------------------------------------------------------------------------


def _census_page(
    request: Request, session: Session, caller: Caller, status_code: int = 200, **extra: Any
) -> Response:
    return render(
        request,
        "systems/census.html",
        status_code=status_code,
        returns=census_import.list_returns(session, caller.principal),
        names=_names(session),
        **extra,
    )


@router.get("/systems/census", response_class=HTMLResponse)
def census_page(
    request: Request,
    caller: Caller = Depends(authorize("systems.read")),
    session: Session = Depends(db_session),
) -> Response:
    return _census_page(request, session, caller)


@router.post("/systems/census")
async def census_upload(
    request: Request,
    caller: Caller = Depends(authorize("systems.write")),
    session: Session = Depends(db_session),
) -> Response:
    form = await request.form()
    upload = form.get("file")
    try:
        if upload is None or isinstance(upload, str):
            raise InvalidInput("choose a census file", "请选择普查表文件", field="file")
        content = await upload.read()
        census_import.import_census(
            session, caller.actor, caller.principal, content, upload.filename or "census.xlsx"
        )
    except AppError as exc:
        session.rollback()
        return _census_page(
            request,
            session,
            caller,
            422,
            error=exc.localized(language(request)),
            problems=exc.details if isinstance(exc.details, list) else [],
        )
    return _saved("/systems/census")


@router.post("/systems/census/{return_id}/review")
async def census_review(
    return_id: int,
    request: Request,
    caller: Caller = Depends(authorize("systems.audit")),
    session: Session = Depends(db_session),
) -> Response:
    data = await _form(request)
    try:
        census_import.review_return(
            session, caller.actor, return_id, data.get("accept") == "1", data.get("note") or ""
        )
    except AppError as exc:
        session.rollback()
        return _census_page(request, session, caller, 422, error=exc.localized(language(request)))
    return _saved("/systems/census")


# --- one system (after the fixed paths) --------------------------------------------------


def _system_page(
    request: Request,
    session: Session,
    caller: Caller,
    system_id: int,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    system = inventory.get_system(session, caller.principal, system_id)
    latest = assessment.latest_assessment(session, system.id)
    series = metrics.series(session, system.id, 90)
    siblings, _ = inventory.list_systems(
        session, caller.principal, system.department_id, limit=1_000
    )
    items = [i for i in integration.list_items(session, caller.principal, system.department_id)
             if i["system_id"] == system.id]
    return render(
        request,
        "systems/system.html",
        status_code=status_code,
        system=system,
        held=holdings.describe(session, caller.principal, system),
        exchange_via=exchange_link.Connections(session).served_codes(system),
        assessment=latest,
        chart=charts.metrics_line(series, language(request)) if series else None,
        history=inventory.history(session, system.id),
        cases=cases.cases_of(session, system.id),
        department=departments.get_department(session, system.department_id),
        targets=[s for s in siblings if s.id != system.id and s.state != Lifecycle.RETIRED],
        actions=list(IntegrationAction),
        networks=list(migration.TARGETS),
        items=items,
        moves=[m for m in migration.list_migrations(session, caller.principal)
               if m["system_id"] == system.id],
        **extra,
    )


@router.get("/systems/{system_id}", response_class=HTMLResponse)
def system_page(
    system_id: int,
    request: Request,
    caller: Caller = Depends(authorize("systems.read")),
    session: Session = Depends(db_session),
) -> Response:
    return _system_page(request, session, caller, system_id)


def _edit_page(
    request: Request,
    session: Session,
    caller: Caller,
    system: InformationSystem,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    return render(
        request,
        "systems/system_edit.html",
        status_code=status_code,
        system=system,
        states=list(Lifecycle),
        networks=list(Network),
        frequencies=list(Frequency),
        **extra,
    )


@router.get("/systems/{system_id}/edit", response_class=HTMLResponse)
def system_edit_page(
    system_id: int,
    request: Request,
    caller: Caller = Depends(authorize("systems.write")),
    session: Session = Depends(db_session),
) -> Response:
    return _edit_page(request, session, caller, inventory.get_system(session, caller.principal, system_id))


@router.post("/systems/{system_id}/edit")
async def system_edit(
    system_id: int,
    request: Request,
    caller: Caller = Depends(authorize("systems.write")),
    session: Session = Depends(db_session),
) -> Response:
    """Every audit field; the change and its reason go into the system's history."""
    form = await _form(request)
    try:
        data = SystemUpdate(**forms.system_changes(form))
        inventory.update_system(
            session,
            caller.actor,
            caller.principal,
            system_id,
            data.model_dump(exclude_unset=True, exclude={"reason"}),
            data.reason,
        )
    except (AppError, ValidationError) as exc:
        if isinstance(exc, NotFound):
            raise
        session.rollback()
        system = inventory.get_system(session, caller.principal, system_id)
        return _edit_page(
            request, session, caller, system, 422, error=_message(exc, language(request)), form=form
        )
    return _saved(f"/systems/{system_id}")


def _system_refused(
    request: Request, session: Session, caller: Caller, system_id: int, exc: Exception, form: str
) -> Response:
    if isinstance(exc, NotFound):
        raise exc
    session.rollback()
    return _system_page(
        request, session, caller, system_id, 422, error=_message(exc, language(request)), error_form=form
    )


@router.post("/systems/{system_id}/integration")
async def system_integration_add(
    system_id: int,
    request: Request,
    caller: Caller = Depends(authorize("systems.plan")),
    session: Session = Depends(db_session),
) -> Response:
    """Put the system on its department's integration list (merge into a target, or connect)."""
    data = forms.without_blanks(await _form(request))
    try:
        integration.add_item(
            session, caller.actor, caller.principal, IntegrationIn(**{**data, "system_id": system_id})
        )
    except (AppError, ValidationError) as exc:
        return _system_refused(request, session, caller, system_id, exc, "integration")
    return _saved(f"/systems/{system_id}#plans")


@router.post("/systems/{system_id}/migration")
async def system_migration_plan(
    system_id: int,
    request: Request,
    caller: Caller = Depends(authorize("systems.plan")),
    session: Session = Depends(db_session),
) -> Response:
    data = forms.without_blanks(await _form(request))
    try:
        migration.plan(
            session, caller.actor, caller.principal, MigrationIn(**{**data, "system_id": system_id})
        )
    except (AppError, ValidationError) as exc:
        return _system_refused(request, session, caller, system_id, exc, "migration")
    return _saved(f"/systems/{system_id}#plans")
