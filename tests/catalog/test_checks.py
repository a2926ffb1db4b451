"""共享校核 on save and on submit: errors block submission, warnings do not."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.catalog.conftest import entry, publish
from tests.factories import login


def _codes(findings: list[dict]) -> dict[str, str]:
    return {f["code"]: f["level"] for f in findings}


def _save_and_submit(client: TestClient, headers: dict, data: dict) -> tuple[dict, dict]:
    saved = client.post("/api/v1/catalog/resources", json=data, headers=headers)
    assert saved.status_code == 201, saved.text  # a draft is always saved, findings shown
    submitted = client.post(
        f"/api/v1/catalog/resources/{saved.json()['id']}/submit", headers=headers
    )
    return saved.json(), submitted.json() | {"status_code": submitted.status_code}


def test_conditional_entry_without_conditions_cannot_be_submitted(
    client: TestClient, officer
) -> None:
    saved, submitted = _save_and_submit(client, officer, entry(share_conditions=""))
    assert _codes(saved["findings"])["conditions_missing"] == "error"
    assert submitted["status_code"] == 422
    assert submitted["error"]["field"] == "share_conditions"
    assert (
        "共享条件"
        in client.post(
            f"/api/v1/catalog/resources/{saved['id']}/submit",
            headers={**officer, "accept-language": "zh"},
        ).json()["error"]["message"]
    )


def test_mandatory_fields_are_named(client: TestClient, officer) -> None:
    saved, submitted = _save_and_submit(
        client, officer, entry(summary="", format=None, update_cycle=None, items=[])
    )
    fields = {f["field"] for f in saved["findings"] if f["code"] == "mandatory"}
    assert fields == {"summary", "format", "update_cycle", "items"}
    assert submitted["status_code"] == 422


def test_unconditional_with_conditions_and_not_shared_without_basis(
    client: TestClient, officer
) -> None:
    saved, _ = _save_and_submit(client, officer, entry(share_type="unconditional"))
    assert _codes(saved["findings"])["conditions_unexpected"] == "error"
    saved, _ = _save_and_submit(
        client, officer, entry("涉密外的内部考核", share_type="not_shared", share_conditions="")
    )
    assert _codes(saved["findings"])["basis_missing"] == "error"
    saved, submitted = _save_and_submit(
        client,
        officer,
        entry(
            "内部考核",
            share_type="not_shared",
            share_conditions="",
            share_basis="《中华人民共和国保守国家秘密法》第十条",
        ),
    )
    assert submitted["status_code"] == 200


def test_open_needs_open_conditions(client: TestClient, officer) -> None:
    saved, submitted = _save_and_submit(client, officer, entry(open=True))
    assert (
        _codes(saved["findings"])["open_conditions_missing"] == "error"
        and submitted["status_code"] == 422
    )


def test_base_resources_share_unconditionally(client: TestClient, officer) -> None:
    saved, submitted = _save_and_submit(client, officer, entry(catalog="base", class_code="101002"))
    assert (
        _codes(saved["findings"])["base_unconditional"] == "error"
        and submitted["status_code"] == 422
    )


def test_standard_element_warnings_do_not_block(client: TestClient, officer) -> None:
    data = entry(
        items=[
            {"name": "公民身份号码", "data_type": "string", "length": 20},
            {"name": "身份证号", "data_type": "string", "length": 18, "element_code": "DE0101"},
        ]
    )
    saved, submitted = _save_and_submit(client, officer, data)
    codes = [(f["code"], f["field"]) for f in saved["findings"]]
    assert ("element_unused", "items[0].element_code") in codes
    assert ("element_mismatch", "items[0].data_type") in codes
    assert submitted["status_code"] == 200  # warnings only


def test_same_item_described_differently_and_two_sources(client: TestClient, world) -> None:
    base = dict(
        catalog="base", class_code="101001", share_type="unconditional", share_conditions=""
    )
    publish(
        client,
        "police.officer",
        entry(
            "户籍人口基本信息",
            **base,
            items=[
                {
                    "name": "公民身份号码",
                    "data_type": "string",
                    "length": 18,
                    "element_code": "DE0101",
                    "is_source": True,
                },
                {"name": "户籍地址", "data_type": "string", "length": 200},
            ],
        ),
    )
    headers = login(client, "hr.officer")
    saved, submitted = _save_and_submit(
        client,
        headers,
        entry(
            "参保人员基本信息",
            **base,
            items=[
                {
                    "name": "公民身份号码",
                    "data_type": "string",
                    "length": 18,
                    "element_code": "DE0101",
                    "is_source": True,
                },
                {"name": "户籍地址", "data_type": "string", "length": 100},
            ],
        ),
    )
    found = {f["code"]: f for f in saved["findings"]}
    assert "浙江省公安厅" in found["item_inconsistent"]["message"]
    assert found["source_claimed_twice"]["level"] == "error"
    assert submitted["status_code"] == 422 and submitted["error"]["code"] == "cross_check"


def test_duplicate_names_within_a_provider(client: TestClient, world) -> None:
    publish(client, "hr.officer", entry("就业登记信息"))
    headers = login(client, "hr.officer")
    saved, submitted = _save_and_submit(client, headers, entry("就业登记信息"))
    assert (
        _codes(saved["findings"])["name_duplicate"] == "error" and submitted["status_code"] == 422
    )
    police = login(client, "police.officer")
    saved, submitted = _save_and_submit(client, police, entry("就业登记信息"))
    assert "name_duplicate" not in _codes(saved["findings"])  # another provider may use the name


def test_check_endpoint_saves_nothing(client: TestClient, officer) -> None:
    response = client.post(
        "/api/v1/catalog/check", json=entry(share_conditions=""), headers=officer
    )
    assert response.status_code == 200
    assert "conditions_missing" in _codes(response.json())
    assert client.get("/api/v1/catalog/resources").json()["total"] == 0


def test_unknown_sharing_type_word_in_api(client: TestClient, officer) -> None:
    response = client.post(
        "/api/v1/catalog/resources", json=entry(share_type="部分共享"), headers=officer
    )
    assert response.status_code == 422 and response.json()["error"]["field"] == "share_type"
