"""Page forms of the systems capability: turning posted fields into the API's shapes, and
pydantic's (English-only) validation errors into messages in the reader's language that name
the field by its label."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from govshare.core.errors import AppError
from govshare.core.i18n import translate

CAPABILITY = "systems"

# form field → UI label key (systems.i18n, else the shared catalogue)
LABELS = {
    "name": "name",
    "function": "function",
    "users": "users_count",
    "scope_departments": "scope_departments",
    "scope_regions": "scope_regions",
    "frequency": "frequency",
    "approving_department": "approving_department",
    "approval_date": "approval_date",
    "funding_source": "funding_source",
    "builder": "builder",
    "contractor": "contractor",
    "om_unit": "om_unit",
    "om_contract_expiry": "om_contract_expiry",
    "build_cost": "build_cost",
    "om_cost_yearly": "om_cost_yearly",
    "network": "network",
    "dedicated_network": "dedicated_network_name",
    "mlps_level": "mlps_level",
    "hosting": "hosting",
    "state": "lifecycle",
    "resource_codes": "resource_codes",
    "linked_codes": "linked_codes",
    "reason": "change_reason",
    "deadline": "target_date",
    "target_date": "target_date",
    "target_system_id": "target_system",
    "target": "target_network",
    "progress": "progress",
    "status": "status",
    "note": "note",
    "action": "integration_action",
    "department_id": "department",
}
TEXT = ("name", "function", "scope_regions", "approving_department", "funding_source", "builder",
        "contractor", "om_unit", "dedicated_network", "hosting", "reason")
OPTIONAL = ("approval_date", "om_contract_expiry", "build_cost", "om_cost_yearly", "mlps_level")
LISTS = ("resource_codes", "linked_codes")
CHOICES = ("frequency", "network", "state")
COUNTS = ("users", "scope_departments")

_KINDS = {
    "missing": "err_required",
    "string_too_short": "err_required",
    "float_parsing": "err_number",
    "float_type": "err_number",
    "int_parsing": "err_whole_number",
    "int_from_float": "err_whole_number",
    "int_type": "err_whole_number",
    "date_parsing": "err_date",
    "date_from_datetime_parsing": "err_date",
    "date_type": "err_date",
    "greater_than_equal": "err_min",
    "greater_than": "err_min",
    "less_than_equal": "err_max",
    "less_than": "err_max",
    "string_too_long": "err_too_long",
    "enum": "err_choice",
    "literal_error": "err_choice",
}


def split_codes(text: str) -> list[str]:
    """Codes typed into one box, separated as on the census form (；、, or spaces)."""
    return [part for part in re.split(r"[;；,，、\s]+", text or "") if part]


def label(field: str, lang: str) -> str:
    return translate(LABELS.get(field, field), lang, CAPABILITY)


def validation_message(exc: ValidationError, lang: str) -> str:
    """Every problem of a form, each as "<label> <what is expected>"."""
    parts = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error.get("loc") else ""
        key = _KINDS.get(error.get("type", ""), "err_invalid")
        context = error.get("ctx") or {}
        limit = next((context[k] for k in ("ge", "gt", "le", "lt", "max_length") if k in context), "")
        what = translate(key, lang, CAPABILITY).replace("{limit}", str(limit))
        parts.append(f"{label(field, lang)} {what}" if lang != "zh" else f"{label(field, lang)}{what}")
    return "；".join(parts) if lang == "zh" else "; ".join(parts)


def message(exc: Exception, lang: str) -> str:
    if isinstance(exc, AppError):
        return exc.localized(lang)
    if isinstance(exc, ValidationError):
        return validation_message(exc, lang)
    raise exc


def system_changes(form: dict[str, Any]) -> dict[str, Any]:
    """The edit form's fields as SystemUpdate takes them: blanks clear optional fields, lists
    are split, the check box is a boolean. Fields not on the form stay as they are."""
    data: dict[str, Any] = {}
    for key in TEXT + COUNTS + CHOICES:
        if key in form:
            data[key] = form[key].strip() if key in TEXT else form[key]
    for key in OPTIONAL:
        if key in form:
            data[key] = form[key] or None
    for key in LISTS:
        if key in form:
            data[key] = split_codes(form[key])
    if "business_retired_shown" in form:  # an unticked box posts nothing
        data["business_retired"] = form.get("business_retired") == "1"
    return data


def without_blanks(form: dict[str, Any]) -> dict[str, Any]:
    """For a new row: a blank field takes the default."""
    return {k: v for k, v in form.items() if v != ""}


def blanks_as_none(form: dict[str, Any]) -> dict[str, Any]:
    """For an edit: a blank field stays as it is — except a note, which a blank clears."""
    return {k: (v if v != "" or k == "note" else None) for k, v in form.items()}
