"""``{name:int}`` in our routes: at most 18 digits, so an id always fits a BIGINT.

Starlette's own ``int`` convertor takes any run of digits, and ``/notes/99999999999999999999``
reached the database as a number neither SQLite nor PostgreSQL can hold: a server error
where "no such note" is the answer. With at most 18 digits (below 2**63) such a path
matches no route and gets a 404, like any other id that does not exist.
"""

from __future__ import annotations

from starlette.convertors import IntegerConvertor, register_url_convertor

from wecom_app.digits import ID_MAX_DIGITS


class BoundedIntConvertor(IntegerConvertor):
    regex = f"[0-9]{{1,{ID_MAX_DIGITS}}}"


def use_bounded_ids() -> None:
    """Make ``:int`` path parameters bounded; call before any route is built."""
    register_url_convertor("int", BoundedIntConvertor())
