"""OFD copies of certificates (GB/T 33190): a well-formed package whose parts reference each
other, holding the printed text, the QR code image and the certificate's signature data, served
through the exchange, the issuer's page and the CLI."""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree as ET

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from govshare.base import ofd
from govshare.cli import app as cli
from tests.base.conftest import PURPOSE, grant
from tests.base.test_certificates import ID_CARD, _id_card
from tests.factories import login

NS = {"ofd": ofd.NS}


def _parts(package: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def _check_structure(package: bytes) -> tuple[dict[str, bytes], list[str]]:
    """Follows the references from OFD.xml as a reader does; returns the parts and page texts."""
    parts = _parts(package)
    main = ET.fromstring(parts["OFD.xml"])
    assert main.tag == f"{{{ofd.NS}}}OFD" and main.get("DocType") == "OFD" and main.get("Version") == "1.0"
    root = main.findtext("ofd:DocBody/ofd:DocRoot", namespaces=NS)
    assert root == "Doc_0/Document.xml" and main.find("ofd:DocBody/ofd:DocInfo/ofd:DocID", NS) is not None
    base = root.rsplit("/", 1)[0] + "/"
    document = ET.fromstring(parts[root])
    common = document.find("ofd:CommonData", NS)
    assert common is not None and common.findtext("ofd:PageArea/ofd:PhysicalBox", namespaces=NS) == "0 0 210 148"
    fonts = ET.fromstring(parts[base + common.findtext("ofd:PublicRes", namespaces=NS)])  # type: ignore[operator]
    font_ids = {f.get("ID") for f in fonts.iter(f"{{{ofd.NS}}}Font")}
    media = ET.fromstring(parts[base + common.findtext("ofd:DocumentRes", namespaces=NS)])  # type: ignore[operator]
    images = {m.get("ID"): base + media.get("BaseLoc", "") + "/" + m.findtext("ofd:MediaFile", namespaces=NS)
              for m in media.iter(f"{{{ofd.NS}}}MultiMedia")}
    texts: list[str] = []
    all_ids: list[int] = []
    for page_ref in document.findall("ofd:Pages/ofd:Page", NS):
        page = ET.fromstring(parts[base + page_ref.get("BaseLoc", "")])
        for obj in page.iter(f"{{{ofd.NS}}}TextObject"):
            assert obj.get("Font") in font_ids and len(obj.get("Boundary", "").split()) == 4
            texts.append(obj.findtext("ofd:TextCode", namespaces=NS) or "")
        for image in page.iter(f"{{{ofd.NS}}}ImageObject"):
            assert parts[images[image.get("ResourceID")]].startswith(b"\x89PNG")
        all_ids += [int(e.get("ID")) for e in page.iter() if e.get("ID")]  # type: ignore[arg-type]
    assert len(all_ids) == len(set(all_ids))
    assert int(common.findtext("ofd:MaxUnitID", namespaces=NS) or 0) >= max(all_ids)
    return parts, texts


def test_ofd_copy_is_well_formed_and_holds_the_certificate(client: TestClient, province) -> None:
    issued = _id_card(client, province)
    identifier = issued["certificate"]["identifier"]
    login(client, "police.officer")
    answer = client.get(f"/certificates/view/{identifier}/copy.ofd")
    assert answer.status_code == 200 and answer.headers["content-type"] == ofd.MEDIA_TYPE
    parts, texts = _check_structure(answer.content)
    assert "居民身份证" in texts and f"证照标识：{identifier}" in texts
    assert any(issued["certificate"]["data"]["住址"] in t for t in texts)
    tags = ET.fromstring(parts["Doc_0/CustomTags.xml"])
    assert tags.findtext("ofd:CustomTag/ofd:FileLoc", namespaces=NS) == "Tags/Certificate.xml"
    carried = ofd.signed_content(answer.content)
    assert carried["signature"] == issued["signature"] and carried["certificate"] == issued["certificate"]
    # the signature data carried in the OFD verifies through the public API; a changed copy does not
    checked = client.post("/api/v1/certificates/verify", json={"certificate": carried["certificate"],
                                                               "signature": carried["signature"]}).json()
    assert checked["ok"] is True
    forged = {**carried["certificate"], "holder_name": "王五"}
    refused = client.post("/api/v1/certificates/verify", json={"certificate": forged,
                                                               "signature": carried["signature"]}).json()
    assert refused["status"] == "tampered"
    assert client.get(f"/certificates/view/{identifier}/copy.pdf").content.startswith(b"%PDF")
    login(client, "hr.officer")
    assert client.get(f"/certificates/view/{identifier}/copy.ofd").status_code == 404


def test_ofd_through_the_exchange_leaves_out_items_outside_the_grant(client: TestClient, province) -> None:
    issued = _id_card(client, province)
    identifier = issued["certificate"]["identifier"]
    types = {t["code"]: t for t in client.get("/api/v1/certificates/types", headers=login(client, "hr.user")).json()}
    grant(client, "hr.user", types[ID_CARD]["resource_id"], items=["证照标识", "持证主体代码", "姓名"])
    headers = login(client, "hr.user")
    answer = client.post(f"/api/v1/certificates/{identifier}/fetch", headers=headers,
                         json={"purpose": PURPOSE, "format": "ofd"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["x-govshare-receipt"]
    _parts_, texts = _check_structure(answer.content)
    carried = ofd.signed_content(answer.content)
    assert set(carried["certificate"]["data"]) == {"姓名"} and carried["complete"] is False
    assert not any(issued["certificate"]["data"]["住址"] in t for t in texts)


def test_cert_render_writes_an_ofd_file(client: TestClient, province, tmp_path) -> None:  # type: ignore[no-untyped-def]
    issued = _id_card(client, province)
    identifier = issued["certificate"]["identifier"]
    runner = CliRunner()
    result = runner.invoke(cli, ["cert", "render", identifier, str(tmp_path / "copy.ofd")])
    assert result.exit_code == 0, result.output
    _check_structure((tmp_path / "copy.ofd").read_bytes())
    bad = runner.invoke(cli, ["cert", "render", identifier, str(tmp_path / "copy.docx")])
    assert bad.exit_code != 0 and ".ofd" in bad.output
    assert ofd.signed_content((tmp_path / "copy.ofd").read_bytes())["key_id"] == issued["key_id"]
