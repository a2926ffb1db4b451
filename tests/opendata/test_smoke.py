from fastapi.testclient import TestClient


def test_portal_flow(client: TestClient, open_world) -> None:
    air = open_world.air["slug"]
    r = client.get("/open/search", params={"q": "空气质量"}, headers={"accept": "text/html"})
    assert r.status_code == 200, r.text
    assert "杭州市空气质量日报" in r.text
    page = client.get(f"/open/datasets/{air}", headers={"accept": "text/html"})
    assert page.status_code == 200, page.text
    assert "西湖区云栖" in page.text
    csv_ = client.get(f"/open/datasets/{air}/download.csv")
    assert csv_.status_code == 200
    assert len(csv_.text.strip().splitlines()) == 151
    r = client.get("/api/3/action/package_search", params={"q": "空气"})
    assert r.json()["success"], r.text
    assert r.json()["result"]["count"] == 1
