"""OFD copy of a certificate (GB/T 33190-2016 版式文档; GB/T 36905 names OFD as the e-certificate
file format).

Written with zipfile and ElementTree, no OFD library: the package is a zip holding

    OFD.xml                          main entry: DocBody -> DocInfo, DocRoot
    Doc_0/Document.xml               CommonData (MaxUnitID, PageArea, PublicRes, DocumentRes), Pages, CustomTags
    Doc_0/PublicRes.xml              the font
    Doc_0/DocumentRes.xml            the QR code as a MultiMedia image resource
    Doc_0/Res/qr.png
    Doc_0/Pages/Page_0/Content.xml   one page: TextObjects with TextCode, and an ImageObject
    Doc_0/CustomTags.xml             custom tag list (GB/T 33190 ch. 16) pointing to
    Doc_0/Tags/Certificate.xml       the certificate's signed content, suite, key id and signature

The issuer's signature is carried as that custom tag, not as an OFD electronic seal
(GB/T 33190 ch. 18 with a GB/T 38540 seal structure): the node signs the certificate's canonical
JSON, not the OFD package, so a reader checks it by identifier (or with the copy and signature
through the verification API). Units are millimetres; the page is A5 landscape like the PDF.
"""

from __future__ import annotations

import io
import json
import zipfile
from xml.etree import ElementTree as ET

from sqlalchemy.orm import Session

from govshare.base.certificates import canonical, certificate_out
from govshare.base.models import Certificate, CertificateType
from govshare.base.rendering import copy_lines, qr_png, verify_url

NS = "http://www.ofdspec.org/2016"
TAG_NS = "urn:govshare:e-certificate:1"
MEDIA_TYPE = "application/ofd"
PAGE_W, PAGE_H = 210.0, 148.0
FONT = "宋体"

ET.register_namespace("ofd", NS)


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _el(parent: ET.Element | None, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.Element(_q(name), attrs) if parent is None else ET.SubElement(parent, _q(name), attrs)
    if text is not None:
        node.text = text
    return node


def _xml(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


class _Ids:
    """OFD object identifiers are unique across the document; MaxUnitID records the largest."""

    def __init__(self) -> None:
        self.last = 0

    def next(self) -> str:
        self.last += 1
        return str(self.last)


def _text(layer: ET.Element, ids: _Ids, font: str, x: float, y: float, size: float, text: str) -> None:
    """One line of text; the boundary is generous (widths are not measured without the font)."""
    obj = _el(layer, "TextObject", ID=ids.next(), Boundary=f"{x:g} {y:g} {PAGE_W - x:g} {size * 1.5:g}",
              Font=font, Size=f"{size:g}")
    _el(obj, "TextCode", text, X="0", Y=f"{size:g}")  # Y is the baseline inside the boundary


def build(cert: Certificate, ctype: CertificateType, session: Session, items: list[str] | None = None) -> bytes:
    """The OFD package of the certificate's copy (items outside a grant left out, as in the PDF)."""
    ids = _Ids()
    font_id, image_id, page_id = ids.next(), ids.next(), ids.next()

    root = _el(None, "OFD", Version="1.0", DocType="OFD")
    body = _el(root, "DocBody")
    info = _el(body, "DocInfo")
    _el(info, "DocID", cert.identifier.ljust(32, "0")[:32])
    _el(info, "Title", f"{ctype.name} {cert.identifier}")
    _el(info, "Author", cert.issuer_code)
    _el(info, "CreationDate", cert.issued_on.isoformat())
    _el(info, "Creator", "govshare")
    custom = _el(info, "CustomDatas")
    _el(custom, "CustomData", cert.identifier, Name="证照标识")
    _el(custom, "CustomData", ctype.code, Name="证照类型代码")
    _el(body, "DocRoot", "Doc_0/Document.xml")

    public_res = _el(None, "Res", BaseLoc="Res")
    _el(_el(public_res, "Fonts"), "Font", ID=font_id, FontName=FONT, FamilyName=FONT)
    document_res = _el(None, "Res", BaseLoc="Res")
    media = _el(_el(document_res, "MultiMedias"), "MultiMedia", ID=image_id, Type="Image", Format="PNG")
    _el(media, "MediaFile", "qr.png")

    page = _el(None, "Page")
    layer = _el(_el(page, "Content"), "Layer", ID=ids.next())
    title_size = 7.0
    _text(layer, ids, font_id, (PAGE_W - len(ctype.name) * title_size) / 2, 10, title_size, ctype.name)
    y = 28.0
    for label, value in copy_lines(cert, ctype, session, items):
        _text(layer, ids, font_id, 15, y, 3.5, f"{label}：{value}")
        y += 7.5
    qr_box = (PAGE_W - 55, PAGE_H - 60, 40, 40)
    _el(layer, "ImageObject", ID=ids.next(), ResourceID=image_id, Boundary=" ".join(f"{v:g}" for v in qr_box),
        CTM=f"{qr_box[2]:g} 0 0 {qr_box[3]:g} 0 0")
    _text(layer, ids, font_id, PAGE_W - 58, PAGE_H - 17, 2.5, "扫码验真 / scan to verify")

    tags = _el(None, "CustomTags")
    tag = _el(tags, "CustomTag", NameSpace=TAG_NS)
    _el(tag, "FileLoc", "Tags/Certificate.xml")

    document = _el(None, "Document")
    common = _el(document, "CommonData")
    _el(common, "MaxUnitID", str(ids.last))
    _el(_el(common, "PageArea"), "PhysicalBox", f"0 0 {PAGE_W:g} {PAGE_H:g}")
    _el(common, "PublicRes", "PublicRes.xml")
    _el(common, "DocumentRes", "DocumentRes.xml")
    _el(_el(document, "Pages"), "Page", ID=page_id, BaseLoc="Pages/Page_0/Content.xml")
    _el(document, "CustomTags", "CustomTags.xml")

    parts = {
        "OFD.xml": _xml(root),
        "Doc_0/Document.xml": _xml(document),
        "Doc_0/PublicRes.xml": _xml(public_res),
        "Doc_0/DocumentRes.xml": _xml(document_res),
        "Doc_0/Res/qr.png": qr_png(cert.identifier),
        "Doc_0/Pages/Page_0/Content.xml": _xml(page),
        "Doc_0/CustomTags.xml": _xml(tags),
        "Doc_0/Tags/Certificate.xml": _certificate_tag(cert, ctype, items),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in parts.items():
            package.writestr(name, content)
    return buffer.getvalue()


def _certificate_tag(cert: Certificate, ctype: CertificateType, items: list[str] | None) -> bytes:
    """The certificate's signature data: what was signed (canonical JSON), how and by which key."""
    copy = certificate_out(cert, ctype, items)
    root = ET.Element(f"{{{TAG_NS}}}Certificate")
    for name, value in (
        ("Identifier", cert.identifier),
        ("TypeCode", ctype.code),
        ("Suite", copy["suite"]),
        ("KeyId", copy["key_id"]),
        ("Signature", copy["signature"]),
        ("Complete", "true" if copy["complete"] else "false"),
        ("SignedContent", canonical(copy["certificate"]).decode()),
        ("VerifyUrl", verify_url(cert.identifier)),
    ):
        ET.SubElement(root, f"{{{TAG_NS}}}{name}").text = value
    return _xml(root)


def signed_content(package: bytes) -> dict:
    """Read back the custom tag of an OFD copy: the content, signature, suite and key id, as the
    verification API takes them (`POST /api/v1/certificates/verify`)."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        tag = ET.fromstring(archive.read("Doc_0/Tags/Certificate.xml"))
    found = {child.tag.split("}", 1)[1]: child.text or "" for child in tag}
    return {"certificate": json.loads(found["SignedContent"]), "signature": found["Signature"],
            "suite": found["Suite"], "key_id": found["KeyId"], "complete": found["Complete"] == "true"}
