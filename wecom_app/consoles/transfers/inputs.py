"""The transfers API's JSON inputs, checked: text fields, plan options, item references
and the plan version an edit was based on (a 400 names what is wrong)."""

from __future__ import annotations

from typing import Any

from wecom_app.consoles import web
from wecom_app.transfer import PlanOptions, rules


def text(body: dict[str, Any], key: str, limit: int = 200) -> str:
    value = body.get(key, "")
    if not isinstance(value, str) or len(value) > limit:
        raise web.BadRequest(
            "{key} must be text of at most {limit} characters", key=key, limit=limit
        )
    return value.strip()


def options(body: dict[str, Any], default: PlanOptions) -> PlanOptions:
    """Plan options from ``body``; what it leaves out comes from ``default``."""
    strategy = body.get("strategy", default.strategy)
    if strategy not in rules.STRATEGIES:
        raise web.BadRequest(
            "strategy must be one of {choices}", choices=", ".join(rules.STRATEGIES)
        )
    successors = body.get("successors", list(default.successors))
    if not isinstance(successors, list) or not all(isinstance(s, str) for s in successors):
        raise web.BadRequest("successors must be a list of userids")
    if len(successors) > 200:
        raise web.BadRequest("at most 200 successors")
    return PlanOptions(
        strategy=str(strategy),
        successors=tuple(s.strip() for s in successors if s.strip()),
        keep_tag_together=bool(body.get("keep_tag_together", default.keep_tag_together)),
        tag_group_id=text(body, "tag_group_id", 64) if "tag_group_id" in body else "",
        transfer_success_msg=text(body, "transfer_success_msg")
        if "transfer_success_msg" in body
        else default.transfer_success_msg,
    )


def refs(body: dict[str, Any]) -> list[int | str]:
    """The items an edit names: item ids or customer/chat ids."""
    items = body.get("items")
    if not isinstance(items, list) or not items or len(items) > 10_000:
        raise web.BadRequest("items must be a list of 1..10000 item ids or customer/chat ids")
    found: list[int | str] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int | str):
            raise web.BadRequest("items must be item ids or customer/chat ids")
        found.append(item)
    return found


def version(body: dict[str, Any]) -> int | None:
    """The plan version the caller saw (None: not given, no check)."""
    value = body.get("version")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise web.BadRequest("version must be a number")
    return value
