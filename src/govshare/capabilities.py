"""The capabilities this node runs, and how their parts are found.

A capability is a package `govshare.<name>` with the same optional modules in each, so a
newcomer knows where anything lives after reading one:

    models.py   tables                 (imported by govshare.schema for Alembic and tests)
    policy.py   ACTIONS: dict[str, Rule]  who may do what (merged into core.auth)
    i18n.py     MESSAGES: dict[str, (zh, en)]  UI text (merged into core.i18n)
    api.py      router: APIRouter      /api/v1/... JSON endpoints
    pages.py    router: APIRouter      HTML pages; NAV: [(path, label key, action)]
    cli.py      COMMANDS: [(name, typer.Typer)]  `govshare <name> ...`
    worker.py   start(settings, database) -> stop | None  background jobs inside `govshare serve`
    templates/  Jinja2 templates, found automatically

Adding a capability is adding its name here: the app, the CLI, the schema, the menu and the
permission table pick it up.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from functools import cache
from types import ModuleType
from typing import Any

CAPABILITIES: tuple[str, ...] = (
    "orgs",
    "auditlog",
    "workdays",
    "standards",
    "quality",
    "catalog",
    "systems",
    "exchange",
    "base",
    "opendata",
)


def part(capability: str, module: str) -> ModuleType | None:
    """govshare.<capability>.<module>, or None when the capability has no such part."""
    name = f"govshare.{capability}.{module}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:  # the part does not exist; any other missing import is a bug
            return None
        raise


def parts(module: str) -> Iterator[tuple[str, ModuleType]]:
    for capability in CAPABILITIES:
        found = part(capability, module)
        if found is not None:
            yield capability, found


def collect(module: str, attribute: str) -> list[Any]:
    """Every capability's `<module>.<attribute>`, in capability order."""
    return [getattr(mod, attribute) for _name, mod in parts(module) if hasattr(mod, attribute)]


@cache
def merged(module: str, attribute: str, strict: bool = True) -> dict[str, Any]:
    """The union of every capability's mapping; a key defined twice is a bug — except, with
    strict=False, for UI text, where each capability may word a shared key its own way (its
    pages look in their own MESSAGES first; the first capability's wording is the fallback)."""
    result: dict[str, Any] = {}
    for mapping in collect(module, attribute):
        clash = result.keys() & mapping.keys()
        if clash and strict:
            raise RuntimeError(f"{module}.{attribute} defined twice: {sorted(clash)}")
        result.update({k: v for k, v in mapping.items() if k not in result})
    return result
