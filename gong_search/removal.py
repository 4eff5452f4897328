"""``sync --full`` removals, and when the listing is not evidence enough to make them.

A call missing from Gong's listing is removed only when the listing is believable: Gong's
"No calls found" 404 is byte-identical for an empty account and for a key whose user cannot
see calls, a cursor can vanish mid-listing, and a refused transcript batch says nothing
about whether its calls exist. So nothing is removed when the listing fell short of the
total Gong reported, and more than ``max_removal_share`` of the window needs consent.
"""

from __future__ import annotations

from dataclasses import dataclass

from .sync_report import SyncOptions


@dataclass(frozen=True)
class RemovalPlan:
    call_ids: list[str]
    refusal: str = ""  # why nothing may be removed; "" when the removal can go ahead


def plan_removal(
    in_window: list[str], listed: set[str], shortfall: str, options: SyncOptions
) -> RemovalPlan:
    """What ``--full`` would remove from the calls the catalog holds in the window.

    ``listed`` holds every call Gong listed (or whose transcript batch failed); a non-empty
    ``shortfall`` says how the listing fell short of Gong's own total.
    """
    gone = [cid for cid in in_window if cid not in listed]
    if not gone:
        return RemovalPlan([])
    if shortfall:
        return RemovalPlan(gone, f"{shortfall}; nothing removed (run sync --full again later)")
    share = len(gone) / len(in_window)
    if share > options.max_removal_share and not options.allow_mass_removal:
        return RemovalPlan(
            gone,
            f"Gong no longer lists {len(gone)} calls of the {len(in_window)} synced in this "
            f"window ({share:.0%}, more than --max-removal-share {options.max_removal_share:g}); "
            "nothing removed. Gong answers the same for a key whose user cannot see calls: "
            "`sync --full --dry-run` lists them, --allow-mass-removal removes them",
        )
    return RemovalPlan(gone)
