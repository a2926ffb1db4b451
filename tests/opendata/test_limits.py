"""Rate limits are node settings (core config Policy), shown by `govshare config show`, and the
public pages are limited too: a 429 page in Chinese or English with Retry-After."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from govshare.cli import app as cli
from govshare.core.config import reset_settings_cache

HTML = {"accept": "text/html"}


@pytest.fixture
def policy(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Sets node policy figures through the environment, as an operator would."""

    def set_(**figures: int) -> None:
        for name, value in figures.items():
            monkeypatch.setenv(f"GOVSHARE_POLICY__{name.upper()}", str(value))
        reset_settings_cache()

    yield set_
    monkeypatch.undo()
    reset_settings_cache()


def test_config_show_lists_the_portal_limits(db, policy) -> None:  # type: ignore[no-untyped-def]
    shown = json.loads(CliRunner().invoke(cli, ["config", "show", "--format", "json"]).stdout)
    assert shown["policy.open_anonymous_calls_per_minute"] == 120
    assert shown["policy.open_key_calls_per_minute"] == 1200
    assert shown["policy.open_page_requests_per_minute"] == 300
    policy(open_page_requests_per_minute=42)
    result = CliRunner().invoke(cli, ["config", "show"])
    assert result.exit_code == 0 and "policy.open_page_requests_per_minute" in result.stdout and "42" in result.stdout


def test_anonymous_api_limit_follows_the_setting(client: TestClient, open_world, policy) -> None:  # type: ignore[no-untyped-def]
    policy(open_anonymous_calls_per_minute=4)
    codes = [client.get("/api/3/action/package_list").status_code for _ in range(6)]
    assert codes[:4] == [200] * 4 and codes[4:] == [429, 429]
    limited = client.get("/api/open/v1/datasets")
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    policy(open_anonymous_calls_per_minute=100)  # a raised limit applies at once
    assert client.get("/api/3/action/package_list").status_code == 200


def test_key_limit_follows_the_setting(client: TestClient, open_world, policy) -> None:  # type: ignore[no-untyped-def]
    from tests.opendata.test_pages_security import _csrf

    page = client.post(
        "/open/developers",
        data={"csrf_token": _csrf(client, "/open/developers"), "email": "k@example.cn",
              "password": "long-enough-pass", "agree": "yes"},
        headers=HTML,
    )
    key = page.text.split("od_", 1)[1].split("<", 1)[0].split('"', 1)[0]
    client.cookies.clear()
    policy(open_anonymous_calls_per_minute=1, open_key_calls_per_minute=3)
    codes = [client.get("/api/3/action/package_list", headers={"X-API-Key": f"od_{key}"}).status_code
             for _ in range(4)]
    assert codes == [200, 200, 200, 429]


@pytest.mark.parametrize("lang,words", [("zh", "访问过于频繁"), ("en", "Too many requests")])
def test_public_pages_are_limited_with_a_429_page(
    client: TestClient, open_world, policy, lang: str, words: str  # type: ignore[no-untyped-def]
) -> None:
    policy(open_page_requests_per_minute=3)
    slug = open_world.air["slug"]
    pages = ["/open", "/open/search?q=空气", f"/open/datasets/{slug}", "/open/requests"]
    codes = [client.get(f"{url}{'&' if '?' in url else '?'}lang={lang}", headers=HTML).status_code for url in pages]
    assert codes == [200, 200, 200, 429]
    limited = client.get(f"/open/developers?lang={lang}", headers=HTML)
    assert limited.status_code == 429 and 1 <= int(limited.headers["retry-after"]) <= 60
    assert words in limited.text and f'<html lang="{lang}' in limited.text
    assert client.get("/healthz").status_code == 200  # only the portal's pages are counted


def test_pages_and_api_have_separate_allowances(client: TestClient, open_world, policy) -> None:  # type: ignore[no-untyped-def]
    policy(open_page_requests_per_minute=2, open_anonymous_calls_per_minute=50)
    for _ in range(3):
        client.get("/open", headers=HTML)
    assert client.get("/open", headers=HTML).status_code == 429
    assert client.get("/api/3/action/package_list").status_code == 200
