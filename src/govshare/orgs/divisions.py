"""GB/T 2260 administrative divisions: load a release, look codes up, keep retired ones."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govshare.core import audit
from govshare.core.audit import Actor
from govshare.core.errors import InvalidInput, NotFound
from govshare.orgs.models import Division, DivisionLevel, DivisionRelease


def load_reference(session: Session, actor: Actor) -> DivisionRelease:
    """Loads the shipped release; codes absent from it are marked retired, never deleted."""
    from govshare.standards.divisions import SOURCE, reference_divisions

    refs = reference_divisions()
    release = DivisionRelease(
        source=f"{SOURCE['package']} ({SOURCE['upstream']})",
        version=str(SOURCE["version"]),
        published=date.fromisoformat(SOURCE["published"]) if SOURCE.get("published") else None,
        count=len(refs),
    )
    session.add(release)
    session.flush()
    existing = {d.code: d for d in session.scalars(select(Division))}
    seen: set[str] = set()
    # Parents first, so the self-referencing foreign key holds at every insert.
    order = {DivisionLevel.PROVINCE: 0, DivisionLevel.PREFECTURE: 1, DivisionLevel.COUNTY: 2}
    for ref in sorted(refs, key=lambda r: (order[DivisionLevel(r.level)], r.code)):
        seen.add(ref.code)
        row = existing.get(ref.code)
        if row is None:
            row = Division(code=ref.code)
            session.add(row)
        row.name, row.level, row.parent_code = ref.name, DivisionLevel(ref.level), ref.parent_code
        row.retired_on, row.release_id = None, release.id
    newly_retired = [d for code, d in existing.items() if code not in seen and d.retired_on is None]
    for row in newly_retired:
        row.retired_on = release.published or date.today()
    session.flush()
    audit.record(
        session,
        actor,
        "divisions.load",
        object_type="division_release",
        object_id=release.id,
        details={"version": release.version, "count": len(refs), "retired": len(newly_retired)},
    )
    return release


def division_prefix(code: str) -> str:
    """The code prefix shared by a division and everything under it: 33 for 330000."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def ensure_loaded(session: Session, actor: Actor) -> None:
    if not session.scalar(select(func.count()).select_from(Division)):
        load_reference(session, actor)


def get_division(session: Session, code: str) -> Division:
    division = session.get(Division, code)
    if division is None:
        raise NotFound(f"division {code} is not known", f"未知的行政区划代码 {code}", field="division_code")
    return division


def require_current(session: Session, code: str, field: str = "division_code") -> Division:
    """A new record may only point at a division that is in force."""
    division = session.get(Division, code) if code else None
    if division is None:
        raise InvalidInput(
            f"{code!r} is not a known GB/T 2260 division code",
            f"{code!r} 不是已知的 GB/T 2260 行政区划代码",
            field=field,
        )
    if division.retired_on is not None:
        raise InvalidInput(
            f"division {code} ({division.name}) was retired on {division.retired_on}",
            f"行政区划 {code}（{division.name}）已于 {division.retired_on} 撤销",
            field=field,
        )
    return division


def list_divisions(
    session: Session,
    parent_code: str | None = None,
    level: DivisionLevel | None = None,
    include_retired: bool = False,
) -> list[Division]:
    query = select(Division).order_by(Division.code)
    if parent_code:
        query = query.where(Division.parent_code == parent_code)
    if level:
        query = query.where(Division.level == level)
    if not include_retired:
        query = query.where(Division.retired_on.is_(None))
    return list(session.scalars(query))


def latest_release(session: Session) -> DivisionRelease | None:
    return session.scalars(select(DivisionRelease).order_by(DivisionRelease.id.desc()).limit(1)).first()
