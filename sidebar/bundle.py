"""Several small reads in one statement: ``UNION ALL`` of tagged sections.

On SQLite every statement is a hand-off to the database thread and back, and on
PostgreSQL a round trip; a profile needs a dozen small reads keyed by the same
customer. Each :class:`Section` is one ordinary query (its own ``WHERE``, ``ORDER BY``
and ``LIMIT`` inside a subquery); the bundle casts every column to text so that the
branches line up on both dialects, tags each row with its section, and hands back the
rows per section, as text (``None`` for SQL NULL), in no particular order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sidebar.sql import fetch_rows


@dataclass(frozen=True)
class Section:
    tag: str  # a short [a-z] name
    columns: tuple[str, ...]  # columns of the subquery, in the order wanted back
    query: str  # the subquery: any SELECT producing those columns
    params: Sequence[Any] = field(default_factory=tuple)


Rows = dict[str, list[list[str | None]]]


async def run(sections: Sequence[Section]) -> Rows:
    width = max(len(s.columns) for s in sections)
    parts: list[str] = []
    params: list[Any] = []
    for section in sections:
        if not section.tag.isalpha():
            raise ValueError("section tags are letters only")
        columns = [f"CAST(s_{section.tag}.{c} AS TEXT)" for c in section.columns]
        columns += ["NULL"] * (width - len(section.columns))
        named = ", ".join(f"{expr} AS c{i}" for i, expr in enumerate(columns))
        parts.append(
            f"SELECT '{section.tag}' AS k, {named} FROM ({section.query}) AS s_{section.tag}"
        )
        params.extend(section.params)
    rows = await fetch_rows(" UNION ALL ".join(parts), params)
    found: Rows = {section.tag: [] for section in sections}
    ends = {section.tag: 1 + len(section.columns) for section in sections}
    for row in rows:
        tag = str(row[0])
        found[tag].append(list(row[1 : ends[tag]]))
    return found


def as_int(value: str | None, default: int = 0) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        return int(float(value))


def as_bool(value: str | None) -> bool:
    """SQLite stores booleans as 0/1, PostgreSQL casts them to 'true'/'false'."""
    return value is not None and value.lower() in ("1", "true", "t")
