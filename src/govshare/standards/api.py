"""HTTP API of the data-standards registry: /api/v1/standards/…"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Body, Depends, File, Query, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from govshare.core.errors import AppError
from govshare.standards import registry
from govshare.web.deps import Caller, authorize, db_session

router = APIRouter(prefix="/api/v1/standards", tags=["standards 数据标准"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/elements", summary="Data elements 数据元")
def list_elements(q: str | None = Query(None, max_length=100), include_superseded: bool = False,
                  caller: Caller = Depends(authorize("standards.read")),
                  session: Session = Depends(db_session)) -> list[dict[str, Any]]:
    return [{**e.content(), "status": e.status} for e in registry.list_elements(session, q, include_superseded)]


@router.get("/elements/{identifier}", summary="One data element 数据元详情")
def get_element(identifier: str, version: str | None = None,
                caller: Caller = Depends(authorize("standards.read")),
                session: Session = Depends(db_session)) -> dict[str, Any]:
    element = registry.get_element(session, identifier, version)
    versions = [v.version for v in registry.element_versions(session, identifier)]
    return {**element.content(), "status": element.status, "versions": versions}


class ElementIn(BaseModel):
    """One data element as the authority defines it; checked further by the registry."""

    model_config = ConfigDict(extra="forbid")
    identifier: str | None = Field(None, max_length=60, description="required when adding")
    version: str = Field(..., max_length=30)
    name_zh: str = Field(..., max_length=200)
    name_en: str = Field("", max_length=200)
    definition: str = ""
    data_type: str = Field(..., description="string, integer, number, date, datetime or boolean")
    format: str | None = Field(None, max_length=40, description="an18, n..18,2, c..50, YYYYMMDD …")
    domain_kind: str | None = Field(None, description="code_table, pattern, range or validator")
    domain: str | None = Field(None, max_length=500)
    source_standard: str = Field("", max_length=200)
    personal: str | None = Field(None, description="citizen_id, name, mobile, address or other")


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(..., max_length=60)
    name_zh: str = Field(..., max_length=200)
    name_en: str = Field("", max_length=200)


class CodeTableIn(BaseModel):
    """One version of a code table: its codes from then on. A code of the current version
    left out is retired; a code not there before is added; a changed name renames it."""

    model_config = ConfigDict(extra="forbid")
    identifier: str | None = Field(None, max_length=60, description="required when adding")
    version: str = Field(..., max_length=30)
    name_zh: str = Field(..., max_length=200)
    name_en: str = Field("", max_length=200)
    source_standard: str = Field("", max_length=200)
    entries: list[CodeIn] = Field(..., max_length=10_000)


def _save(session: Session, caller: Caller, body: ElementIn | CodeTableIn, identifier: str | None) -> JSONResponse:
    table = isinstance(body, CodeTableIn)
    save = registry.save_code_table if table else registry.save_element
    try:
        saved = save(session, caller.actor, body.model_dump(), identifier=identifier)
    except AppError as exc:
        registry.record_refusal(session, caller.actor, registry.CODE_TABLES if table else registry.ELEMENTS,
                                identifier or body.identifier or "", exc)
        raise
    return JSONResponse(saved.to_dict(), status_code=201 if saved.outcome != "unchanged" else 200)


@router.post("/elements", summary="Add a data element 新增数据元", status_code=201)
def add_element(element: ElementIn = Body(...), caller: Caller = Depends(authorize("standards.write")),
                session: Session = Depends(db_session)) -> JSONResponse:
    return _save(session, caller, element, None)


@router.put("/elements/{identifier}", summary="A new version of a data element 数据元新版本", status_code=201)
def version_element(identifier: str, element: ElementIn = Body(...),
                    caller: Caller = Depends(authorize("standards.write")),
                    session: Session = Depends(db_session)) -> JSONResponse:
    """A changed definition needs a new version (201); the same version unchanged answers 200
    and adds nothing; a different definition under an existing version answers 409."""
    return _save(session, caller, element, identifier)


@router.get("/code-tables", summary="Code tables 代码表")
def list_code_tables(include_superseded: bool = False, caller: Caller = Depends(authorize("standards.read")),
                     session: Session = Depends(db_session)) -> list[dict[str, Any]]:
    return [{**t.content(), "status": t.status} for t in registry.list_code_tables(session, include_superseded)]


@router.post("/code-tables", summary="Add a code table 新增代码表", status_code=201)
def add_code_table(table: CodeTableIn = Body(...), caller: Caller = Depends(authorize("standards.write")),
                   session: Session = Depends(db_session)) -> JSONResponse:
    return _save(session, caller, table, None)


@router.put("/code-tables/{identifier:path}", summary="A new version of a code table 代码表新版本",
            status_code=201)
def version_code_table(identifier: str, table: CodeTableIn = Body(...),
                       caller: Caller = Depends(authorize("standards.write")),
                       session: Session = Depends(db_session)) -> JSONResponse:
    """Codes are added, renamed and retired by sending the table's next version (201, with
    `codes` listing what changed); the same version unchanged answers 200; a different table
    under an existing version 409; a retired code reused with another meaning 422."""
    return _save(session, caller, table, identifier)


@router.get("/code-tables/{identifier:path}", summary="One code table 代码表详情")
def get_code_table(identifier: str, version: str | None = None,
                   caller: Caller = Depends(authorize("standards.read")),
                   session: Session = Depends(db_session)) -> dict[str, Any]:
    table = registry.get_code_table(session, identifier, version)
    versions = [t.version for t in registry.code_table_versions(session, identifier)]
    return {**table.content(), "status": table.status, "versions": versions,
            "retired": [{"code": c, **{k: e[k] for k in ("name_zh", "name_en")}}
                        for c, e in registry.retired_codes(session, identifier).items()]}


@router.get("/export", summary="Export the registry 导出")
def export(format: str = Query("json", pattern="^(json|xlsx)$"), include_superseded: bool = False,
           caller: Caller = Depends(authorize("standards.read")),
           session: Session = Depends(db_session)) -> Response:
    bundle = registry.export_bundle(session, include_superseded)
    if format == "xlsx":
        return Response(registry.export_xlsx(bundle), media_type=XLSX,
                        headers={"content-disposition": 'attachment; filename="standards.xlsx"'})
    return Response(json.dumps(bundle, ensure_ascii=False), media_type="application/json")


@router.post("/import", summary="Import elements and code tables 导入")
async def import_bundle(file: UploadFile = File(...), caller: Caller = Depends(authorize("standards.write")),
                        session: Session = Depends(db_session)) -> dict[str, Any]:
    registry.ensure_seeded(session, caller.actor)
    bundle = registry.parse_bundle(await file.read(), file.filename or "upload.json")
    return registry.import_bundle(session, caller.actor, bundle).to_dict()
