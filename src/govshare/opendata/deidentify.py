"""De-identification (GB/T 37964-2019) of everything the portal hands out.

Direct identifiers (citizen ID number, a person's name, phone numbers) never reach the public:
an item that is one must carry a rule (suppress, generalise or pseudonymise) before its resource
can be visible at all (visibility.py enforces it in SQL with `DIRECT_ELEMENTS` and
`DIRECT_NAME_WORDS`). Every output path — preview, rows API, CKAN datastore_search, CSV, XLSX,
JSON, Parquet, Data Package — turns stored rows into public rows through `Plan.apply`, and
nobody may filter or full-text search on a de-identified item, which would let them test
guesses of its clear values one query at a time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from govshare.catalog.models import CatalogResource
from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.config import get_settings
from govshare.core.errors import InvalidInput
from govshare.opendata.models import DeidRule, Method

DIRECT_KINDS = ("citizen_id", "name", "mobile")
DIRECT_NAME_WORDS = ("身份号码", "身份证", "姓名", "手机", "电话", "护照")
PSEUDONYM_LENGTH = 16


@cache
def _direct_elements() -> frozenset[str]:
    """Data-element codes (standards registry and the catalog's former seed codes) of direct identifiers."""
    from govshare.catalog.elements import LEGACY_CODES
    from govshare.standards.registry import builtin_elements, builtin_field_for

    codes = {code for code in builtin_elements() if _kind_of(builtin_field_for(code)) in DIRECT_KINDS}
    codes |= {old for old, new in LEGACY_CODES.items() if new in codes}
    return frozenset(codes)


def _kind_of(spec: Any) -> str | None:
    return getattr(spec, "personal", None) if spec is not None else None


def direct_elements() -> list[str]:
    return sorted(_direct_elements())


def is_direct_identifier(item_name: str, element_code: str) -> bool:
    """The same test visibility.py writes in SQL: a direct-identifier element, or a name that says so."""
    return element_code in _direct_elements() or any(word in item_name for word in DIRECT_NAME_WORDS)


# --- rules ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemRule:
    item: str
    method: Method
    keep: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"item": self.item, "method": self.method.value, "keep": self.keep}


def rules_for(session: Session, resource_id: int) -> dict[str, ItemRule]:
    rows = session.scalars(select(DeidRule).where(DeidRule.resource_id == resource_id))
    return {r.item: ItemRule(r.item, r.method, r.keep) for r in rows}


def rules_for_many(session: Session, resource_ids: list[int]) -> dict[int, dict[str, ItemRule]]:
    out: dict[int, dict[str, ItemRule]] = {i: {} for i in resource_ids}
    for r in session.scalars(select(DeidRule).where(DeidRule.resource_id.in_(resource_ids))):
        out[r.resource_id][r.item] = ItemRule(r.item, r.method, r.keep)
    return out


def configure(session: Session, actor: Actor, resource: CatalogResource, rules: list[ItemRule]) -> None:
    """Replaces a resource's rules; each must name an item of its published version."""
    version = resource.published_version
    known = {i.name for i in version.items} if version else set()
    unknown = [r.item for r in rules if r.item not in known]
    if unknown:
        raise InvalidInput(
            f"unknown item(s): {', '.join(unknown)}", f"信息项不存在：{'、'.join(unknown)}", field="rules"
        )
    for rule in rules:
        if rule.keep is not None and not 0 <= rule.keep <= 1_000_000:
            raise InvalidInput("keep must be between 0 and 1000000", "保留位数应在 0 至 1000000 之间", field="rules")
    session.execute(delete(DeidRule).where(DeidRule.resource_id == resource.id))
    session.add_all(DeidRule(resource_id=resource.id, item=r.item, method=r.method, keep=r.keep) for r in rules)
    session.flush()
    audit.record(
        session,
        actor,
        "opendata.deid.configure",
        object_type="catalog_resource",
        object_id=resource.id,
        details={"rules": [r.as_dict() for r in rules]},
    )


def from_form(items: list[str], methods: list[str], keeps: list[str]) -> list[ItemRule]:
    """Rules from the admin page's form: per item in order a method ("" for none) and an
    optional number kept (generalise only). Names the item of every problem."""
    if not len(items) == len(methods) == len(keeps):
        raise InvalidInput(
            "the form does not match the resource's items any more; reload the page",
            "表单与信息资源的信息项不一致，请刷新页面",
            field="rules",
        )
    out = []
    for item, method, keep in zip(items, methods, keeps, strict=True):
        if not method:
            continue
        try:
            chosen = Method(method)
        except ValueError:
            raise InvalidInput(
                f"{item}: unknown method {method[:20]!r}", f"{item}：未知的去标识化方法", field=item
            ) from None
        number = None
        if chosen == Method.GENERALISE and keep.strip():
            if not keep.strip().isdigit() or int(keep) > 1_000_000:
                raise InvalidInput(
                    f"{item}: keep must be a whole number from 0 to 1000000",
                    f"{item}：保留位数应为 0 至 1000000 的整数",
                    field=item,
                )
            number = int(keep)
        out.append(ItemRule(item, chosen, number))
    return out


def require_complete(resource: CatalogResource, rules: list[ItemRule]) -> None:
    """Every direct identifier needs a rule before the resource may become visible."""
    missing = missing_rules(resource, {r.item: r for r in rules})
    if missing:
        raise InvalidInput(
            f"direct identifiers without a rule: {', '.join(missing)}; the resource stays off the portal until "
            "each is suppressed, generalised or pseudonymised",
            f"以下直接标识符尚未设置去标识化方法：{'、'.join(missing)}；全部设置前该资源不会在开放平台出现",
            field="rules",
            details={"missing": missing},
        )


def missing_rules(resource: CatalogResource, rules: dict[str, ItemRule]) -> list[str]:
    """Direct-identifier items of the published version that have no rule yet."""
    version = resource.published_version
    if version is None:
        return []
    return [i.name for i in version.items if is_direct_identifier(i.name, i.element_code) and i.name not in rules]


# --- applying ---------------------------------------------------------------------------------


@cache
def _key_for(path: str) -> bytes:
    file = Path(path)
    if not file.exists():
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(secrets.token_bytes(32))
        file.chmod(0o600)
    return file.read_bytes()


def pseudonym_key() -> bytes:
    """The node's secret key for pseudonyms, kept in the data directory (never in the database,
    so a database dump does not let anyone recompute pseudonyms from guessed values)."""
    return _key_for(str(Path(get_settings().data_dir) / "opendata-pseudonym.key"))


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, date | datetime) else str(value)


def _generalise(value: Any, keep: int | None, kind: str = "string") -> Any:
    if isinstance(value, datetime | date):
        return str(value.year)  # a date becomes its year
    if kind in ("date", "datetime"):  # read as ISO text by a raw cursor
        return str(value)[:4]
    if isinstance(value, int | float) and not isinstance(value, bool):
        width = keep or 10
        return f"{int(value // width * width)}-{int(value // width * width + width)}"
    text = str(value)
    kept = 6 if keep is None else keep  # an ID number keeps its region (GB/T 2260)
    return text[:kept] + "*" * max(0, len(text) - kept)


def _transform(rule: ItemRule, key: bytes, kind: str) -> Callable[[Any], Any]:
    if rule.method == Method.SUPPRESS:
        return lambda v: None
    if rule.method == Method.GENERALISE:
        return lambda v: None if v is None else _generalise(v, rule.keep, kind)
    return lambda v: (
        None if v is None else hmac.new(key, _text(v).encode(), hashlib.sha256).hexdigest()[:PSEUDONYM_LENGTH]
    )


@dataclass(frozen=True)
class Plan:
    """How one resource's rows become public rows: the items in order, and per item either None
    (passed as stored) or its transform."""

    items: list[str]
    transforms: list[Callable[[Any], Any] | None]
    rules: dict[str, ItemRule]

    @property
    def protected(self) -> set[str]:
        return set(self.rules)

    def apply(self, row: Iterable[Any]) -> list[Any]:
        return [v if f is None else f(v) for v, f in zip(row, self.transforms, strict=True)]

    def record(self, row: Iterable[Any]) -> dict[str, Any]:
        return dict(zip(self.items, self.apply(row), strict=True))

    def public_type(self, item: str, stored_type: str) -> str:
        """A generalised or pseudonymised value is text whatever it was stored as."""
        rule = self.rules.get(item)
        if rule is None or rule.method == Method.SUPPRESS:
            return stored_type
        return "string"


def plan(items: list[str], rules: dict[str, ItemRule], types: list[str] | None = None) -> Plan:
    """`types` are the items' stored types (string, number, date, …), which decide how a value is
    generalised."""
    key = pseudonym_key() if any(r.method == Method.PSEUDONYMISE for r in rules.values()) else b""
    kinds = types or ["string"] * len(items)
    return Plan(
        items,
        [(_transform(rules[i], key, k) if i in rules else None) for i, k in zip(items, kinds, strict=True)],
        rules,
    )
