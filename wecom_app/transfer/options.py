"""What a transfer plan is drafted with: its options, the tenant's defaults and caps,
and the error every plan operation raises."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from wecom_app.store.models import Corp
from wecom_app.store.transfer import TransferPlan, TransferSettings
from wecom_app.transfer import rules

# Employee statuses that cannot take customers over.
INACTIVE = ("resigned", "disabled")


class PlanError(Exception):
    """A request about a plan that cannot be done; ``code`` is stable, ``message`` is
    for people (unknown employee, plan no longer editable, ...)."""

    def __init__(self, code: str, message: str, *, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = list(details)


@dataclass(frozen=True)
class PlanOptions:
    strategy: str = rules.LEAST_LOADED
    successors: tuple[str, ...] = ()
    keep_tag_together: bool = False
    tag_group_id: str = ""
    transfer_success_msg: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "successors": list(self.successors),
            "keep_tag_together": self.keep_tag_together,
            "tag_group_id": self.tag_group_id,
        }

    @classmethod
    def of_plan(cls, plan: TransferPlan) -> PlanOptions:
        options = plan.options if isinstance(plan.options, dict) else {}
        return cls(
            strategy=plan.strategy,
            successors=tuple(str(s) for s in options.get("successors", [])),
            keep_tag_together=bool(options.get("keep_tag_together", False)),
            tag_group_id=str(options.get("tag_group_id", "")),
            transfer_success_msg=plan.transfer_success_msg,
        )

    @classmethod
    def defaults(cls, settings: TransferSettings) -> PlanOptions:
        return cls(
            strategy=settings.strategy,
            successors=tuple(settings.successor_userids or ()),
            keep_tag_together=settings.keep_tag_together,
            tag_group_id=settings.tag_group_id,
            transfer_success_msg=settings.transfer_success_msg,
        )


async def settings_for(corp: Corp) -> TransferSettings:
    """The tenant's transfer settings (defaults, unsaved, when none were stored)."""
    found = await TransferSettings.filter(corp_id=corp.id).first()
    return found if found is not None else TransferSettings(corp_id=corp.id)


def cap_of(settings: TransferSettings, userid: str) -> int:
    caps = settings.member_caps if isinstance(settings.member_caps, dict) else {}
    return int(caps.get(userid, settings.customer_cap))
