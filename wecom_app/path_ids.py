"""Ids in route paths: a number the id's column can hold, or no route at all (a 404).

Starlette's own ``int`` convertor takes any run of digits, and
``/notes/99999999999999999999`` reached the database as a number it cannot hold: a
server error where "no such note" is the answer. Our tables have two kinds of id:
``INTEGER`` (``SERIAL``, most of them) and ``BIGINT`` (``BIGSERIAL``: the archive,
alerts, notes, reminders, the inbox, the timeline). So there are two convertors:

* ``{x:int}`` matches 0..2**31-1 exactly (PostgreSQL refuses a larger number for an
  ``INTEGER`` column: "value out of int32 range");
* ``{x:bigint}`` matches up to 18 digits (below 2**63), for ``BIGINT`` ids.

A path outside its range matches no route and gets a 404, like any id that does not
exist. Leading zeros are allowed up to 9 digits for ``int`` (``0042`` is 42).
"""

from __future__ import annotations

from typing import Final

from starlette.convertors import IntegerConvertor, register_url_convertor

from wecom_app.protocol.digits import ID_MAX_DIGITS

# 0..2147483647 as a regex: up to 9 digits always fit; 10 digits fit below 2147483648,
# spelled out digit by digit.
_INT32: Final = (
    "[0-9]{1,9}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}|2147[0-3][0-9]{5}"
    "|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}|21474836[0-3][0-9]"
    "|214748364[0-7]"
)


class Int32Convertor(IntegerConvertor):
    regex = f"(?:{_INT32})"


class BigIntConvertor(IntegerConvertor):
    regex = f"[0-9]{{1,{ID_MAX_DIGITS}}}"


def use_bounded_ids() -> None:
    """Register ``int`` and ``bigint`` path convertors; call before any route is built."""
    register_url_convertor("int", Int32Convertor())
    register_url_convertor("bigint", BigIntConvertor())
