"""What an admin does to the corp tag library, and its ``change_external_tag`` callbacks.

Tag groups and tags are created, renamed and deleted in the admin console; a deleted
tag disappears from every customer with no per-customer callback.
"""

from __future__ import annotations

from collections.abc import Iterable

from wecom_app.simulator.actions import WorldActions
from wecom_app.simulator.emitter import PendingCallback
from wecom_app.simulator.generator import wecom_id
from wecom_app.simulator.state import CorpTag, CorpTagGroup, Org


class TagActions(WorldActions):
    def create_tag_group(
        self, corp_id: str, group_name: str, tag_names: Iterable[str]
    ) -> CorpTagGroup:
        """An admin creates a tag group with its tags → one ``create`` for the group."""
        org = self._org(corp_id)
        now = self._now()
        group = CorpTagGroup(
            group_id=wecom_id(self.people.rng, "et"), group_name=group_name, create_time=now
        )
        org.tag_groups[group.group_id] = group
        for name in tag_names:
            self._new_tag(org, group, name)
        self._tag_event(corp_id, group.group_id, "tag_group", "create")
        return group

    def add_corp_tag(self, corp_id: str, group_id: str, name: str) -> CorpTag:
        org = self._org(corp_id)
        tag = self._new_tag(org, org.tag_groups[group_id], name)
        self._tag_event(corp_id, tag.id, "tag", "create")
        return tag

    def rename_corp_tag(self, corp_id: str, tag_id: str, name: str) -> list[PendingCallback]:
        tag = self._live_tag(self._org(corp_id), tag_id)
        tag.name = name
        return self._tag_event(corp_id, tag_id, "tag", "update")

    def delete_corp_tag(self, corp_id: str, tag_id: str) -> list[PendingCallback]:
        """The tag disappears from every customer too, with no per-customer callback."""
        org = self._org(corp_id)
        self._live_tag(org, tag_id).deleted = True
        _untag_everyone(org, {tag_id})
        return self._tag_event(corp_id, tag_id, "tag", "delete")

    def delete_tag_group(self, corp_id: str, group_id: str) -> list[PendingCallback]:
        org = self._org(corp_id)
        group = org.tag_groups[group_id]
        group.deleted = True
        for tag_id in group.tag_ids:
            org.tags[tag_id].deleted = True
        _untag_everyone(org, set(group.tag_ids))
        return self._tag_event(corp_id, group_id, "tag_group", "delete")

    def _new_tag(self, org: Org, group: CorpTagGroup, name: str) -> CorpTag:
        tag = CorpTag(
            id=wecom_id(self.people.rng, "et"),
            name=name,
            group_id=group.group_id,
            create_time=self._now(),
        )
        org.tags[tag.id] = tag
        group.tag_ids.append(tag.id)
        return tag

    def _tag_event(
        self, corp_id: str, item_id: str, tag_type: str, change_type: str
    ) -> list[PendingCallback]:
        return self.callbacks.emit(
            corp_id, "change_external_tag", change_type, {"Id": item_id, "TagType": tag_type}
        )


def _untag_everyone(org: Org, tag_ids: set[str]) -> None:
    for relations in org.follows_by_user.values():
        for relation in relations.values():
            if tag_ids.intersection(relation.tag_ids):
                relation.tag_ids = [t for t in relation.tag_ids if t not in tag_ids]
