"""What customers and employees do to their contact in WeCom, and its callbacks.

A customer adds an employee (``add_external_contact``) or deletes them
(``del_follow_user``); an employee deletes or edits a customer in the WeCom client
(``del_external_contact``, ``edit_external_contact``).
"""

from __future__ import annotations

from collections.abc import Iterable

from wecom_app.simulator.actions import WorldActions
from wecom_app.simulator.emitter import Fields, PendingCallback
from wecom_app.simulator.generator import wecom_id
from wecom_app.simulator.state import Customer, FollowRelation


class CustomerActions(WorldActions):
    def add_customer(
        self,
        corp_id: str,
        userid: str,
        customer: Customer | str | None = None,
        *,
        add_way: int = 1,
        state: str = "",
        remark: str = "",
        description: str = "",
        tag_ids: Iterable[str] = (),
    ) -> Customer:
        """A customer and an employee become contacts → ``add_external_contact``.

        ``customer`` is a new :class:`Customer`, the external_userid of one the org
        already knows (a second employee adds them), or None for a generated one.
        """
        org = self._org(corp_id)
        self._active_employee(org, userid)
        if customer is None:
            customer = self.people.customer()
        elif isinstance(customer, str):
            customer = org.customers[customer]
        if org.follow(userid, customer.external_userid) is not None:
            raise ValueError(f"{userid} already follows {customer.external_userid}")
        org.customers.setdefault(customer.external_userid, customer)
        tags = list(tag_ids)
        for tag_id in tags:
            self._live_tag(org, tag_id)
        org.add_follow(
            FollowRelation(
                userid=userid,
                external_userid=customer.external_userid,
                createtime=self._now(),
                remark=remark,
                description=description,
                tag_ids=tags,
                add_way=add_way,
                state=state,
                # add_way 1: the customer scanned the employee's QR code.
                oper_userid=customer.external_userid if add_way == 1 else userid,
            )
        )
        fields: Fields = {"UserID": userid, "ExternalUserID": customer.external_userid}
        if state:
            fields["State"] = state
        fields["WelcomeCode"] = wecom_id(self.people.rng, "", 43)
        self.callbacks.emit(corp_id, "change_external_contact", "add_external_contact", fields)
        return customer

    def customer_deletes_employee(
        self, corp_id: str, userid: str, external_userid: str
    ) -> list[PendingCallback]:
        """The customer removed the employee from WeChat → ``del_follow_user``.

        The relation is gone from the API afterwards (❓ WeCom keeps showing the
        customer in the employee's client, marked as lost).
        """
        self._drop_relation(corp_id, userid, external_userid)
        return self.callbacks.emit(
            corp_id,
            "change_external_contact",
            "del_follow_user",
            {"UserID": userid, "ExternalUserID": external_userid},
        )

    def employee_deletes_customer(
        self, corp_id: str, userid: str, external_userid: str
    ) -> list[PendingCallback]:
        """The employee deleted the customer in the client → ``del_external_contact``."""
        self._drop_relation(corp_id, userid, external_userid)
        return self.callbacks.emit(
            corp_id,
            "change_external_contact",
            "del_external_contact",
            {"UserID": userid, "ExternalUserID": external_userid},
        )

    def employee_edits_customer(
        self,
        corp_id: str,
        userid: str,
        external_userid: str,
        *,
        remark: str | None = None,
        description: str | None = None,
        add_tags: Iterable[str] = (),
        remove_tags: Iterable[str] = (),
    ) -> list[PendingCallback]:
        """Remark, description or tags changed in the WeCom client → ``edit_external_contact``."""
        org = self._org(corp_id)
        relation = org.follow(userid, external_userid)
        if relation is None:
            raise KeyError(f"{userid} does not follow {external_userid}")
        if remark is not None:
            relation.remark = remark
        if description is not None:
            relation.description = description
        for tag_id in add_tags:
            self._live_tag(org, tag_id)
            if tag_id not in relation.tag_ids:
                relation.tag_ids.append(tag_id)
        removed = set(remove_tags)
        relation.tag_ids = [t for t in relation.tag_ids if t not in removed]
        return self.callbacks.emit(
            corp_id,
            "change_external_contact",
            "edit_external_contact",
            {"UserID": userid, "ExternalUserID": external_userid},
        )

    def _drop_relation(self, corp_id: str, userid: str, external_userid: str) -> None:
        if self._org(corp_id).remove_follow(userid, external_userid) is None:
            raise KeyError(f"{userid} does not follow {external_userid}")
