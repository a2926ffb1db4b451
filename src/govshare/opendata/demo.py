"""Demo open data: the open resources of the demo catalog with their direct identifiers
de-identified, three featured, a few public data requests (one answered) and error reports."""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.catalog.models import CatalogResource
from govshare.core.audit import Actor
from govshare.opendata import deidentify, releases, requests
from govshare.opendata.deidentify import ItemRule
from govshare.opendata.models import Method, ReportStatus, RequestStatus
from govshare.opendata.visibility import open_clause

# How the demo treats each kind of direct identifier (GB/T 37964): the ID number keeps a stable
# pseudonym so records can still be linked; names and phone numbers are suppressed.
METHOD_FOR = {"身份": Method.PSEUDONYMISE, "证件": Method.PSEUDONYMISE}

REQUESTS = [
    ("公交车辆实时到站数据", "希望开放全市公交线路的实时到站信息，用于出行应用。"),
    ("公共停车场泊位数据", "希望按小时更新各公共停车场的空余泊位。"),
    ("学校招生范围", "希望以开放数据形式发布义务教育阶段学校的学区范围。"),
]


def _rules_for(resource: CatalogResource) -> list[ItemRule]:
    version = resource.published_version
    assert version is not None
    rules = []
    for item in version.items:
        if deidentify.is_direct_identifier(item.name, item.element_code):
            method = next((m for word, m in METHOD_FOR.items() if word in item.name), Method.SUPPRESS)
            rules.append(ItemRule(item.name, method))
    return rules


def build(session: Session, actor: Actor, rng: random.Random) -> None:
    marked_open = list(
        session.scalars(
            select(CatalogResource)
            .where(CatalogResource.open.is_(True), CatalogResource.published_version_id.is_not(None))
            .order_by(CatalogResource.code)
        )
    )
    for resource in marked_open:
        rules = _rules_for(resource)
        if rules:
            deidentify.configure(session, actor, resource, rules)
    visible = list(session.scalars(select(CatalogResource).where(open_clause()).order_by(CatalogResource.code)))
    for resource in rng.sample(visible, min(3, len(visible))):
        releases.feature(session, actor, resource)
    for n, (title, text) in enumerate(REQUESTS):
        request = requests.submit_request(session, title, text, "")
        if n == 0:
            requests.answer_request(
                session, actor, request.id, RequestStatus.ACCEPTED, "已受理，正与市交通运输局协调开放。"
            )
    if visible:
        report = requests.report_error(session, visible[0].id, "个别记录的更新日期晚于发布日期。", "")
        requests.answer_report(session, actor, report.id, ReportStatus.EXPLAINED, "系补录数据，已在说明中注明。")
        requests.report_error(session, visible[-1].id, "部分区划名称与最新行政区划不一致。", "")
