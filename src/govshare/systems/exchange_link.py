""""Connected to the exchange", derived rather than typed in: a system is connected when a
catalog resource it holds is served on the exchange — a dataset with a live version, or an
interface (endpoint) registered for it.

The exchange comes after systems in `CAPABILITIES` order and depends on the catalog, so this
module never imports it at import time: it asks for the exchange's public `datasets.find`
through `capabilities.part` when a question is first asked. A node that does not run the
exchange has no connected systems. Answers are memoised per `Connections` object (one page,
one report), since a list asks about the same resources many times.

Calls made through the exchange are counted per consumer department and client, not per
information system, so they are not used here (see docs/systems.md)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from sqlalchemy.orm import Session

from govshare.capabilities import CAPABILITIES, part
from govshare.systems.holdings import READER, Resolver
from govshare.systems.models import InformationSystem


def _exchange_datasets() -> ModuleType | None:
    return part("exchange", "datasets") if "exchange" in CAPABILITIES else None


def _serves(dataset: Any) -> bool:
    """A resource is on the exchange when its dataset has a live version or an interface."""
    return dataset is not None and (dataset.live_version_id is not None or bool(dataset.endpoint_url))


class Connections:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.datasets = _exchange_datasets()
        self.resolve = Resolver(session, READER)  # only published resources are served
        self.served: dict[int, bool] = {}

    def resource_served(self, resource_id: int) -> bool:
        if self.datasets is None:
            return False
        if resource_id not in self.served:
            self.served[resource_id] = _serves(self.datasets.find(self.session, resource_id))
        return self.served[resource_id]

    def prefetch(self, systems: list[InformationSystem]) -> None:
        """Answers for every resource these systems hold in two queries (one to the catalog, one
        to the exchange) instead of two per resource: a plans page lists many systems."""
        codes = [code for system in systems for code in system.resource_codes]
        self.resolve.prefetch(codes)
        if self.datasets is None:
            return
        ids = {h.resource_id for h in map(self.resolve, codes) if h.resource_id is not None} - set(self.served)
        found = self.datasets.find_many(self.session, list(ids))
        for resource_id in ids:
            self.served[resource_id] = _serves(found.get(resource_id))

    def served_codes(self, system: InformationSystem) -> list[str]:
        """The held resources through which the system is on the exchange (the evidence)."""
        out = []
        for code in system.resource_codes:
            held = self.resolve(code)
            if held.resource_id is not None and self.resource_served(held.resource_id):
                out.append(code)
        return out

    def connected(self, system: InformationSystem) -> bool:
        return bool(self.served_codes(system))


def connected(session: Session, system: InformationSystem) -> bool:
    return Connections(session).connected(system)
