"""The list envelope every collection endpoint returns."""

from __future__ import annotations

from typing import Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

T = TypeVar("T")

MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class PageParams(BaseModel):
    limit: int
    offset: int


async def page_params(
    limit: int = Query(50, ge=1, le=MAX_LIMIT, description="rows per page"),
    offset: int = Query(0, ge=0, le=10_000_000, description="rows to skip"),
) -> PageParams:
    return PageParams(limit=limit, offset=offset)
