"""Who may read the rows of an open dataset: anyone when it is released openly; a registered
public account that accepted the agreement when it is released "with conditions" (有条件开放).
Its metadata is public either way, so that people know what they may apply for."""

from __future__ import annotations

from govshare.core.errors import NotAuthenticated, PermissionDenied
from govshare.opendata.accounts import Developer
from govshare.opendata.models import Access, Release


def require_rows(release: Release, developer: Developer | None) -> None:
    if release.access == Access.OPEN:
        return
    if developer is None:
        raise NotAuthenticated(
            "this dataset is open with conditions: sign in or send your API key",
            "该数据集为有条件开放：请登录或提供 API 密钥",
            code="registration_required",
        )
    if not developer.agreed:
        raise PermissionDenied(
            "accept the open-data agreement first", "请先同意数据开放使用协议", code="agreement_required"
        )
