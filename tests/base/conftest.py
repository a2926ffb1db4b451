"""Base test helpers: the world's departments plus the province's libraries and certificate
types, filled with a tiny generated province loaded through the exchange."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from govshare.base.build import BuildSummary, load_frames, prepare
from govshare.base.generator import Frames, Scale, generate
from govshare.core.audit import Actor
from govshare.core.db import Database
from tests.factories import login

ACTOR = Actor.system("test-base")
PURPOSE = "社会保险参保登记中核验参保人身份"


@dataclass
class Province:
    frames: Frames
    summary: BuildSummary


@pytest.fixture
def province(db: Database, world) -> Province:  # type: ignore[no-untyped-def]
    prepare(db, ACTOR)
    frames = generate(Scale.of("tiny"), seed=7)
    summary = BuildSummary("tiny")
    load_frames(db, ACTOR, frames, "330000", summary)
    return Province(frames, summary)


def library_id(client: TestClient, headers: dict[str, str], key: str) -> int:
    found = client.get("/api/v1/base/libraries", headers=headers).json()
    return next(lib["resource_id"] for lib in found if lib["key"] == key)


def grant(client: TestClient, username: str, resource_id: int, **extra: Any) -> dict[str, Any]:
    """An unconditional base resource: the request is granted at once."""
    headers = login(client, username)
    answer = client.post(
        "/api/v1/exchange/requests",
        headers=headers,
        json={"resource_id": resource_id, "purpose": PURPOSE, "scenario": "社保经办窗口", **extra},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "approved", answer.json()
    return answer.json()
