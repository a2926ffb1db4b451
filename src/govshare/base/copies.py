"""A certificate's rendered copy in any of its formats: one entry point for the API, the pages
and the CLI."""

from __future__ import annotations

from sqlalchemy.orm import Session

from govshare.base import ofd, rendering
from govshare.base.models import Certificate, CertificateType

MEDIA_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf", "ofd": ofd.MEDIA_TYPE}


def render(
    cert: Certificate, ctype: CertificateType, session: Session, fmt: str, items: list[str] | None = None
) -> tuple[bytes, str]:
    """(content, media type) of the copy; `items` leaves out data items outside a grant."""
    if fmt == "html":
        content = rendering.html(cert, ctype, session, items).encode()
    elif fmt == "pdf":
        content = rendering.pdf(cert, ctype, session, items)
    elif fmt == "ofd":
        content = ofd.build(cert, ctype, session, items)
    else:
        raise ValueError(f"unknown copy format {fmt!r}")
    return content, MEDIA_TYPES[fmt]
