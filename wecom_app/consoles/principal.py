"""Who is asking: the signed-in member of one tenant, with their current roles.

The corp comes from the session only; tenant rows are read through
:meth:`Principal.scoped` (or filtered by ``who.corp``), never by a corp id from the URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from tortoise.fields.relational import ForeignKeyFieldInstance, OneToOneFieldInstance
from tortoise.models import Model
from tortoise.queryset import QuerySet

from wecom_app.consoles.session import Session
from wecom_app.store.models import Corp

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Principal:
    """Who is asking: the session's tenant and member, with their current roles."""

    corp: Corp
    userid: str
    name: str
    roles: frozenset[str]
    session: Session

    @property
    def corp_id(self) -> str:
        return self.corp.corp_id

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def scoped(self, model: type[M]) -> QuerySet[M]:
        """``model``'s rows of this tenant only: every tenant query starts here.

        Works for models with a ``corp`` foreign key and for operational tables that
        carry the corp id string in ``corp_id`` (the callback inbox).
        """
        fields_map = model._meta.fields_map
        corp_field = fields_map.get("corp")
        if isinstance(corp_field, ForeignKeyFieldInstance | OneToOneFieldInstance):
            return model.filter(corp_id=self.corp.id)
        if "corp_id" in fields_map and "corp" not in fields_map:
            return model.filter(corp_id=self.corp.corp_id)
        raise TypeError(f"{model.__name__} has no tenant column")
