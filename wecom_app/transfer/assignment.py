"""Assignment (pure): which successor takes each item, given the strategy.

* ``single`` — everything to the first successor;
* ``round_robin`` — successors in turn;
* ``least_loaded`` — the successor with the fewest customers now (FollowRelation plus
  transfers already on their way to them), never past the customer cap WeCom enforces;
* ``same_department`` — least-loaded among active colleagues of the leaver's departments
  (the candidates are chosen in :mod:`.candidates`; here it works as ``least_loaded``);
* ``keep_tag_together`` (with any strategy) — customers sharing a tag (of one tag group,
  or any corp tag) move as one unit to one successor, unless no successor has room.

No I/O: :mod:`.drafting` reads the candidates and loads, this decides.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence

from wecom_app.transfer import rules


def assign(
    units: Sequence[Sequence[int]],
    item_count: int,
    candidates: Sequence[str],
    strategy: str,
    loads: Mapping[str, int],
    caps: Mapping[str, int] | None,
) -> list[str]:
    """The successor of each item (``""``: nobody has room).

    ``units`` are lists of item indexes that should go to one successor (a tag group, or
    one item each); ``loads`` what each candidate holds now; ``caps`` their limits
    (None: no limit, as for group chats). Deterministic for the same input.
    """
    result = [""] * item_count
    if not candidates:
        return result
    if strategy == rules.SINGLE:
        return [candidates[0]] * item_count
    if strategy == rules.ROUND_ROBIN:
        for number, unit in enumerate(units):
            for index in unit:
                result[index] = candidates[number % len(candidates)]
        return result
    load = {c: int(loads.get(c, 0)) for c in candidates}
    room: dict[str, float] = {
        c: float("inf") if caps is None else caps.get(c, rules.DEFAULT_CUSTOMER_CAP) - load[c]
        for c in candidates
    }
    heap = [(load[c], order, c) for order, c in enumerate(candidates)]
    heapq.heapify(heap)

    def take(size: int) -> str:
        """The least-loaded candidate with room for ``size`` more ("" if none)."""
        skipped = []
        chosen = ""
        while heap:
            entry = heapq.heappop(heap)
            if room[entry[2]] >= size:
                chosen = entry[2]
                break
            skipped.append(entry)
        for entry in skipped:
            heapq.heappush(heap, entry)
        if chosen:
            load[chosen] += size
            room[chosen] -= size
            heapq.heappush(heap, (load[chosen], candidates.index(chosen), chosen))
        return chosen

    # Big units first pack better; ties keep the plan's order.
    for unit in sorted(units, key=lambda u: -len(u)):
        whole = take(len(unit))
        if whole:
            for index in unit:
                result[index] = whole
            continue
        for index in unit:  # no one has room for the whole unit: split it
            result[index] = take(1)
    return result
