"""How to call a resource: curl and Python examples generated from its items and key."""

from __future__ import annotations

import json

from govshare.catalog.models import CatalogResource
from govshare.exchange.items import Column

BASE = "/api/v1/exchange/resources"


def _sample(column: Column) -> object:
    samples = {"citizen_id": "11010519491231002X", "name": "张三", "mobile": "13800138000"}
    if column.personal in samples:
        return samples[column.personal]
    return {"number": 1, "date": "2017-05-18", "datetime": "2017-05-18T09:00:00", "boolean": True}.get(
        column.type, "示例值")


def examples(resource: CatalogResource, columns: list[Column], key_items: list[str], base_url: str) -> dict[str, str]:
    keys = [c for c in columns if c.item in key_items] or columns[:1]
    others = [c for c in columns if c not in keys][:1]
    key_filter = {c.item: _sample(c) for c in keys}
    query = {"purpose": "办理社会保障待遇资格认证", "filter": key_filter, "limit": 10}
    verify = {"purpose": "办理社会保障待遇资格认证", "values": {**key_filter, **{c.item: _sample(c) for c in others}}}
    url = f"{base_url.rstrip('/')}{BASE}/{resource.id}"
    q, v = json.dumps(query, ensure_ascii=False), json.dumps(verify, ensure_ascii=False)
    curl = (f"curl -sS -X POST '{url}/query' \\\n  -H \"Authorization: Bearer $GOVSHARE_TOKEN\" \\\n"
            f"  -H 'Content-Type: application/json' \\\n  -d '{q}' -D headers.txt\n\n"
            f"curl -sS -X POST '{url}/verify' \\\n  -H \"Authorization: Bearer $GOVSHARE_TOKEN\" \\\n"
            f"  -H 'Content-Type: application/json' \\\n  -d '{v}'\n\n"
            f"curl -sS '{url}/download?format=csv&purpose=%E6%A0%B8%E5%AF%B9' \\\n"
            f"  -H \"Authorization: Bearer $GOVSHARE_TOKEN\" -o data.csv")
    python = (
        "import os, httpx\n\n"
        f"api = httpx.Client(base_url=\"{url}\",\n"
        "                   headers={\"Authorization\": f\"Bearer {os.environ['GOVSHARE_TOKEN']}\"})\n"
        f"answer = api.post(\"/query\", json={query!r})\n"
        "answer.raise_for_status()\n"
        "rows = answer.json()[\"rows\"]\n"
        "receipt = answer.headers[\"X-Govshare-Receipt\"]  # keep it: govshare exchange verify-receipt\n"
        f"check = api.post(\"/verify\", json={verify!r}).json()\n"
        "print(check[\"match\"], check[\"items\"])\n")
    return {"curl": curl, "python": python}
