"""An uploaded file checked from the API or the upload page: saved to a temporary file in
chunks (memory stays bounded), checked, and deleted whatever happens."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import UploadFile
from sqlalchemy.orm import Session

from govshare.core.errors import InvalidInput
from govshare.quality.engine import CheckOptions
from govshare.quality.models import QualityReportRecord
from govshare.quality.readers import stream_to_file
from govshare.quality.report import DuplicateResult, QualityReport, RuleResult, Sample
from govshare.quality.resources import schema_for_resource
from govshare.quality.schema import ResourceSchema, from_table_schema
from govshare.quality.service import CheckRun, run_check
from govshare.web.deps import Caller


async def _schema(session: Session, schema: UploadFile | None, resource_code: str | None) -> ResourceSchema:
    if resource_code:
        return schema_for_resource(session, resource_code.strip())
    if schema is None or not schema.filename:
        raise InvalidInput("give a resource code or a Table Schema file", "请填写信息资源代码或上传 Table Schema 文件",
                           field="schema")
    try:
        return from_table_schema(json.loads((await schema.read()).decode("utf-8-sig")))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{schema.filename}: not a JSON Table Schema ({exc})",
                           f"{schema.filename}：不是 JSON 格式的 Table Schema", field="schema") from exc


async def check_upload(session: Session, caller: Caller, file: UploadFile, schema: UploadFile | None,
                       resource_code: str | None, encoding: str | None, store: bool = True) -> CheckRun:
    if not file.filename:
        raise InvalidInput("choose a file to check", "请选择要检查的文件", field="file")
    resolved = await _schema(session, schema, resource_code or None)
    path = stream_to_file(file.file, Path(file.filename).suffix)
    try:
        options = CheckOptions(name=Path(file.filename).name, encoding=encoding or None)
        return run_check(session, caller.actor, path, resolved, options, store=store)
    finally:
        os.unlink(path)


def report_from_record(record: QualityReportRecord) -> QualityReport:
    """The stored (masked) JSON back as a QualityReport, for the HTML and XLSX renderers."""
    data: dict[str, Any] = record.report
    report = QualityReport(file=data["file"], schema=data["schema"],
                           checked_at=datetime.fromisoformat(data["checked_at"]), rows=data["rows"],
                           blank_rows=data.get("blank_rows", 0), seconds=data.get("seconds", 0.0),
                           issues=data["issues"], items=data["items"], skipped_rules=data.get("skipped_rules", []),
                           timeliness=data.get("timeliness"), dimensions=data["dimensions"], score=data["score"],
                           masked=data.get("masked", True))
    report.rules = [RuleResult(**r) for r in data["rules"]]
    report.samples = [Sample(**s) for s in data["samples"]]
    report.duplicates = [DuplicateResult(**d) for d in data["duplicates"]]
    return report
