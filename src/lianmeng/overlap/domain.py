"""Pure rules of customer overlap."""

from __future__ import annotations

from dataclasses import dataclass

K_MIN = 10  # cells shared across merchants below this are shown as "< 10"


@dataclass(frozen=True)
class OverlapFigure:
    """How many of `base` customers (the viewer's) are also the other side's. `shared` is None when suppressed
    (below k)."""

    shared: int | None
    base: int
    source: str  # "measured" (memberships in the alliance) | "upload" (a prospect's hashed list)

    @property
    def share_pct(self) -> float | None:
        if self.shared is None or self.base == 0:
            return None
        return 100.0 * self.shared / self.base


def suppress(count: int, k: int = K_MIN) -> int | None:
    return count if count >= k else None
