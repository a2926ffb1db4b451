"""Frictionless Data Package (datapackage.json with a Table Schema) of one open dataset.

The schema describes the public rows: a de-identified item is a string (its pseudonym or
generalised value) whatever it was stored as, and no primary key is claimed on it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from govshare.opendata.downloads import csv_stream
from govshare.opendata.metadata import Meta
from govshare.opendata.rows import Query

TABLE_TYPES = {"string": "string", "number": "number", "date": "date", "datetime": "datetime", "boolean": "boolean"}


def _schema(meta: Meta) -> dict[str, Any]:
    assert meta.data is not None
    fields = []
    for f in meta.data.fields():
        field: dict[str, Any] = {"name": f["name"], "type": TABLE_TYPES.get(f["type"], "string")}
        if f["type"] == "datetime":
            field["format"] = "%Y-%m-%d %H:%M:%S"
        rule = meta.data.plan.rules.get(f["name"])
        if rule is not None:
            field["description"] = f"de-identified ({rule.method.value}) per GB/T 37964-2019"
        fields.append(field)
    keys = [k for k in meta.data.live.version.key_items if k not in meta.data.plan.protected]
    schema: dict[str, Any] = {"fields": fields}
    if keys and keys == list(meta.data.live.version.key_items):
        schema["primaryKey"] = keys
    return schema


def package_name(meta: Meta) -> str:
    return re.sub(r"[^a-z0-9._-]", "-", meta.name.lower())


def descriptor(meta: Meta, base_url: str, data_path: str | None = None) -> dict[str, Any]:
    """The descriptor; `data_path` names a local CSV (an export), else the download URL."""
    key, zh, _en, url = meta.licence
    out: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": package_name(meta),
        "title": meta.version.name,
        "description": meta.version.summary,
        "id": meta.resource.code,
        "version": str(meta.version.number),
        "homepage": f"{base_url}/open/datasets/{meta.name}",
        "licenses": [{"name": key, "title": zh, "path": url}] if url else [{"name": key, "title": zh}],
        "sources": [{"title": meta.provider.name}],
        "keywords": [k for k in [meta.class_name] if k],
        "resources": [],
    }
    if meta.modified:
        out["created"] = meta.modified.replace(microsecond=0).isoformat()
    if meta.data is not None:
        out["resources"].append(
            {
                "name": package_name(meta),
                "profile": "tabular-data-resource",
                "path": data_path or f"{base_url}/open/datasets/{meta.name}/download.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": _schema(meta),
            }
        )
    return out


def export(engine: Engine, meta: Meta, base_url: str, folder: Path) -> Path:
    """datapackage.json and data.csv in `folder`; returns the descriptor's path."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    if meta.data is not None:
        with (folder / "data.csv").open("wb") as fh:
            for chunk in csv_stream(engine, meta.data, Query()):
                fh.write(chunk)
    path = folder / "datapackage.json"
    path.write_text(
        json.dumps(descriptor(meta, base_url, "data.csv" if meta.data else None), ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    return path
