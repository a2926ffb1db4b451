"""Rendered copies of a certificate: HTML (a Jinja template) and PDF (reportlab, with the
built-in CID font STSong-Light for Chinese, so no font file ships), each with a QR code of the
identifier that opens the public verification page."""

from __future__ import annotations

import io
from typing import Any

import segno
from sqlalchemy.orm import Session

from govshare.base.certificates import GRADE_MEANING, certificate_out
from govshare.base.models import Certificate, CertificateType
from govshare.orgs.models import Department

VERIFY_PATH = "/certificates/verify?id="


def verify_url(identifier: str) -> str:
    return VERIFY_PATH + identifier


def qr_svg(identifier: str) -> str:
    return segno.make(verify_url(identifier), error="m").svg_inline(scale=3, dark="#1f2328")


def _context(cert: Certificate, ctype: CertificateType, session: Session, items: list[str] | None) -> dict[str, Any]:
    issuer = session.get(Department, ctype.issuer_id)
    copy = certificate_out(cert, ctype, items)
    return {
        "cert": cert,
        "ctype": ctype,
        "issuer": issuer.name if issuer else cert.issuer_code,
        "content": copy["certificate"],
        "grade_meaning": GRADE_MEANING[cert.trust_grade][0],
    }


def copy_lines(
    cert: Certificate, ctype: CertificateType, session: Session, items: list[str] | None
) -> list[tuple[str, str]]:
    """The printed copy's lines (label, value), the same in every fixed-layout format."""
    context = _context(cert, ctype, session, items)
    return [
        ("持证主体", f"{cert.holder_name}（{cert.holder_code}）"),
        *context["content"]["data"].items(),
        ("颁发机构", context["issuer"]),
        ("颁发日期", cert.issued_on.isoformat()),
        ("有效期至", cert.valid_until.isoformat() if cert.valid_until else "长期"),
        ("可信等级", f"{cert.trust_grade}（{context['grade_meaning']}）"),
        ("证照标识", cert.identifier),
    ]


def qr_png(identifier: str, scale: int = 4) -> bytes:
    buffer = io.BytesIO()
    segno.make(verify_url(identifier), error="m").save(buffer, kind="png", scale=scale)
    return buffer.getvalue()


def html(cert: Certificate, ctype: CertificateType, session: Session, items: list[str] | None = None) -> str:
    """A standalone printable page (no scripts, no external assets)."""
    from govshare.web.templating import templates

    template = templates.env.get_template("base/certificate_copy.html")
    return template.render(
        qr=qr_svg(cert.identifier), verify_url=verify_url(cert.identifier), **_context(cert, ctype, session, items)
    )


def pdf(cert: Certificate, ctype: CertificateType, session: Session, items: list[str] | None = None) -> bytes:
    from reportlab.lib.pagesizes import A5, landscape
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    width, height = landscape(A5)
    page = canvas.Canvas(buffer, pagesize=(width, height))
    page.setTitle(f"{ctype.name} {cert.identifier}")
    page.setFont("STSong-Light", 20)
    page.drawCentredString(width / 2, height - 50, ctype.name)
    page.setFont("STSong-Light", 10)
    y = height - 85
    for label, value in copy_lines(cert, ctype, session, items):
        page.drawString(40, y, f"{label}：{value}"[:60])
        y -= 18
    page.drawImage(ImageReader(io.BytesIO(qr_png(cert.identifier))), width - 150, 40, 110, 110)
    page.setFont("STSong-Light", 7)
    page.drawString(width - 160, 30, "扫码验真 / scan to verify")
    page.drawString(40, 30, f"签名（{cert.suite}）：{cert.signature[:48]}…")
    page.showPage()
    page.save()
    return buffer.getvalue()
