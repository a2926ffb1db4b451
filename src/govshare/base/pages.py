"""Base pages: the libraries and certificate types (signed-in users), the public certificate
verification page the QR code opens, and the issuer's view of a certificate."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from govshare.base import boundaries, certificates, copies, rendering, spatial
from govshare.base.api import public_actor
from govshare.base.libraries import LIBRARIES, resource_of
from govshare.base.models import Certificate, CertificateType
from govshare.core import audit
from govshare.core.errors import NotFound
from govshare.exchange import datasets
from govshare.exchange.models import DatasetVersion
from govshare.orgs.models import Department
from govshare.web.dashboard import chart
from govshare.web.deps import Caller, authorize, db_session, language, public
from govshare.web.templating import render

router = APIRouter(include_in_schema=False)
NAV = [("/base", "base_libraries", "base.read"), ("/certificates/verify", "cert_verify", "base.read")]


def _libraries(session: Session) -> list[dict]:
    rows = []
    for library in LIBRARIES:
        resource = resource_of(session, library.key)
        dataset = datasets.find(session, resource.id) if resource else None
        version = session.get(DatasetVersion, dataset.live_version_id) if dataset and dataset.live_version_id else None
        lead = session.get(Department, resource.provider_id) if resource else None
        rows.append(
            {
                "library": library,
                "resource": resource,
                "lead": lead.name if lead else "",
                "rows": version.rows_live if version else None,
                "version": version.number if version else None,
            }
        )
    return rows


@router.get("/base", response_class=HTMLResponse)
def overview(
    request: Request, caller: Caller = Depends(authorize("base.read")), session: Session = Depends(db_session)
) -> Response:
    libraries = _libraries(session)
    counts = dict(session.execute(select(Certificate.type_id, func.count()).group_by(Certificate.type_id)).all())
    types = [(t, session.get(Department, t.issuer_id), counts.get(t.id, 0)) for t in certificates.list_types(session)]
    rows_chart = chart("base_rows_chart", [(lib["library"].name, lib["rows"] or 0) for lib in libraries])
    return render(request, "base/overview.html", libraries=libraries, types=types, charts=[rows_chart])


@router.get("/certificates/verify", response_class=HTMLResponse, dependencies=[Depends(public)])
def verify_page(request: Request, session: Session = Depends(db_session)) -> Response:
    identifier = (request.query_params.get("id") or "").strip()
    result = (
        certificates.verify_audited(session, public_actor(request), identifier).out(language(request))
        if identifier
        else None
    )
    return render(request, "base/verify.html", identifier=identifier, result=result)


def _issued_here(session: Session, caller: Caller, identifier: str) -> tuple[Certificate, CertificateType]:
    """A certificate the caller's department issued (the operator sees all); others: 404."""
    cert = certificates.find(session, identifier)
    ctype = session.get(CertificateType, cert.type_id) if cert else None
    if cert is None or ctype is None or (caller.principal.department_id not in (None, ctype.issuer_id)):
        raise NotFound(f"certificate {identifier} does not exist", f"证照 {identifier} 不存在")
    return cert, ctype


@router.get("/certificates/view/{identifier}", response_class=HTMLResponse)
def certificate_page(
    request: Request,
    identifier: str,
    caller: Caller = Depends(authorize("base.certificate.issue")),
    session: Session = Depends(db_session),
) -> Response:
    """The issuing department's view of a certificate it issued (others: 404)."""
    cert, ctype = _issued_here(session, caller, identifier)
    result = certificates.verify(session, identifier).out(language(request))
    return render(
        request,
        "base/certificate.html",
        cert=cert,
        ctype=ctype,
        result=result,
        copy=rendering.html(cert, ctype, session),
    )


@router.get("/certificates/view/{identifier}/copy.{fmt}")
def certificate_copy(
    identifier: str,
    fmt: str,
    caller: Caller = Depends(authorize("base.certificate.issue")),
    session: Session = Depends(db_session),
) -> Response:
    """The issuer's PDF or OFD copy, as a download."""
    if fmt not in ("pdf", "ofd"):
        raise NotFound(f"no {fmt} copy", f"没有 {fmt} 格式的证照文件")
    cert, ctype = _issued_here(session, caller, identifier)
    content, media = copies.render(cert, ctype, session, fmt)
    audit.record(
        session,
        caller.actor,
        "base.certificate.render",
        object_type="base_certificate",
        object_id=cert.identifier,
        details={"format": fmt},
    )
    return Response(
        content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{cert.identifier}.{fmt}"'}
    )


@router.get("/base/divisions/{code}", response_class=HTMLResponse)
def division_page(
    request: Request,
    code: str,
    caller: Caller = Depends(authorize("base.read")),
    session: Session = Depends(db_session),
) -> Response:
    """A division of the spatial library with its point, its source note and, when boundaries
    are loaded, an SVG outline of it and the divisions under it."""
    own, children = spatial.division_with_children(session, code.strip())
    if own is None:
        raise NotFound(f"division {code} is not in the spatial library", f"空间地理信息库中没有行政区划 {code}")
    shapes = [json.loads(r["边界"]) for r in [own, *children] if r["边界"]]
    outline = None
    if shapes:
        view_box, paths = boundaries.outline_path(shapes)
        outline = {
            "view_box": view_box,
            "own": paths[0] if own["边界"] else None,
            "children": paths[1:] if own["边界"] else paths,
        }
    audit.record(session, caller.actor, "base.division.view", object_type="division", object_id=own["行政区划代码"])
    return render(request, "base/division.html", division=own, children=children, outline=outline)
