"""The quality engine's schema for a catalog resource (`govshare quality check --resource CODE`):
the published items, with the dataset's key items when the provider configured a dataset.
Found by `quality.resources` as this capability's `quality_schema` part."""

from __future__ import annotations

from sqlalchemy.orm import Session

from govshare.catalog.resources import find_by_code
from govshare.core.auth import Principal
from govshare.core.errors import NotFound
from govshare.exchange import datasets
from govshare.exchange.items import quality_schema
from govshare.quality.schema import ResourceSchema

# Published metadata is readable by every signed-in department; drafts stay out of reach.
_READER = Principal(kind="user", name="quality-check", department_id=None)


def schema_for_code(session: Session, code: str) -> ResourceSchema | None:
    try:
        resource = find_by_code(session, _READER, code)
    except NotFound:
        return None
    if resource.published_version is None:
        return None
    dataset = datasets.find(session, resource.id)
    return quality_schema(resource, list(dataset.key_items) if dataset else [])
