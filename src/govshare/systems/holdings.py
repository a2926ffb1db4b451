"""The catalog resources a system holds: links by catalog code, checked through the catalog's
own service functions (`catalog.resources.find_by_code`), never its tables.

A new code must be a resource the catalog knows and the person linking it may see (published,
or a draft of their own department). A code already held stays even if the catalog does not
know it (codes carried over from the free-text list of migration 0400): it is shown as
*unresolved* until someone removes it or the catalog publishes it, so re-filing a census
return that still lists it is not refused."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.catalog.models import CatalogResource
from govshare.catalog.resources import current, find_by_code, find_by_codes
from govshare.core.auth import Principal
from govshare.core.errors import InvalidInput, NotFound
from govshare.systems.models import HeldResource, InformationSystem

# Published metadata is readable by every signed-in department; used where no person asks
# (the audit, the exchange link, reports).
READER = Principal(kind="user", name="systems-holdings", department_id=None)
CODE_LENGTH = 40


@dataclass(frozen=True)
class Held:
    """One held resource as a page shows it: the catalog's id and name when it resolves."""

    code: str
    resource_id: int | None = None
    name: str = ""

    @property
    def resolved(self) -> bool:
        return self.resource_id is not None


def normalise(codes: Iterable[str]) -> list[str]:
    """Stripped, without blanks and repeats, in the order given."""
    seen: dict[str, None] = {}
    for code in codes:
        if code and code.strip():
            seen.setdefault(code.strip(), None)
    return list(seen)


def _held(code: str, resource: CatalogResource | None) -> Held:
    if resource is None:
        return Held(code)
    # the published name; a draft (visible to its own department) by its working name
    return Held(code, resource.id, resource.name or current(resource).name)


class Resolver:
    """Looks codes up in the catalog once per code (a page or an import asks many times)."""

    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.principal = principal
        self.found: dict[str, Held] = {}

    def __call__(self, code: str) -> Held:
        if code not in self.found:
            try:
                self.found[code] = _held(code, find_by_code(self.session, self.principal, code))
            except NotFound:
                self.found[code] = _held(code, None)
        return self.found[code]

    def prefetch(self, codes: Iterable[str]) -> None:
        """Looks up every code not yet known in one query, so that a list of many systems does
        not ask the catalog once per code."""
        wanted = [c for c in normalise(codes) if c not in self.found]
        resources = find_by_codes(self.session, self.principal, wanted)
        for code in wanted:
            self.found[code] = _held(code, resources.get(code))

    def unknown(self, codes: Iterable[str], held: Iterable[str] = ()) -> list[str]:
        """The codes that are neither in the catalog (for this person) nor already held."""
        kept = set(held)
        return [c for c in normalise(codes) if c not in kept and not self(c).resolved]


def refused(codes: list[str]) -> InvalidInput:
    shown = "、".join(codes)
    return InvalidInput(
        f"not in the catalog (or not visible to you): {', '.join(codes)}; give the codes of "
        "published catalog resources (信息资源代码)",
        f"目录中没有以下信息资源（或您无权查看）：{shown}；请填写已发布的目录信息资源代码",
        field="resource_codes",
    )


def require_known(
    session: Session, principal: Principal, codes: Iterable[str], held: Iterable[str] = ()
) -> list[str]:
    """The normalised codes, or InvalidInput naming every code the catalog does not know."""
    wanted = normalise(codes)
    unknown = Resolver(session, principal).unknown(wanted, held)
    if unknown:
        raise refused(unknown)
    return wanted


def replace(session: Session, system: InformationSystem, codes: list[str], by: str) -> None:
    """Make the system hold exactly `codes` (already checked), keeping existing links."""
    wanted = normalise(codes)
    for link in [h for h in system.held if h.resource_code not in wanted]:
        system.held.remove(link)
    have = {h.resource_code for h in system.held}
    system.held.extend(HeldResource(resource_code=c, linked_by=by) for c in wanted if c not in have)


def describe(session: Session, principal: Principal, system: InformationSystem) -> list[Held]:
    resolve = Resolver(session, principal)
    return [resolve(code) for code in system.resource_codes]


def codes_by_system(session: Session, system_ids: list[int] | None = None) -> dict[int, list[str]]:
    """system id → held codes, for the overlap rule (one query, chunked IN lists)."""
    query = select(HeldResource.system_id, HeldResource.resource_code).order_by(HeldResource.id)
    out: dict[int, list[str]] = {}
    if system_ids is None:
        chunks: list[list[int] | None] = [None]
    else:
        chunks = [system_ids[i : i + 500] for i in range(0, len(system_ids), 500)]
    for chunk in chunks:
        scoped = query if chunk is None else query.where(HeldResource.system_id.in_(chunk))
        for system_id, code in session.execute(scoped):
            out.setdefault(system_id, []).append(code)
    return out


def links(
    session: Session, principal: Principal, system_ids: list[int] | None = None, unresolved: bool = False
) -> list[dict[str, object]]:
    """Every held link of the visible systems with what the catalog says about it."""
    from govshare.systems.inventory import visible  # inventory imports this module

    query = visible(
        select(HeldResource, InformationSystem).join(
            InformationSystem, InformationSystem.id == HeldResource.system_id
        ),
        principal,
    ).order_by(InformationSystem.id, HeldResource.id)
    if system_ids:
        query = query.where(InformationSystem.id.in_(system_ids))
    resolve = Resolver(session, principal)
    rows = []
    for link, system in session.execute(query):
        held = resolve(link.resource_code)
        if unresolved and held.resolved:
            continue
        rows.append(
            {
                "system_code": system.code,
                "system_name": system.name,
                "resource_code": held.code,
                "resource_id": held.resource_id,
                "resource_name": held.name,
                "resolved": held.resolved,
                "linked_by": link.linked_by,
            }
        )
    return rows
