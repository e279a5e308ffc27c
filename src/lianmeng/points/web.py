"""The points part of the member's page (`/m`): balance, its worth, what expires first and the history in words.

No queries here: the numbers come from `points.service.member_points_of`, the merchants' names from the merchants'
repository; this module only puts them in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from lianmeng.merchants import repository as merchants_repo
from lianmeng.points import domain, service

HISTORY_LINES = 30


@dataclass(frozen=True)
class PointsLine:
    at: datetime
    label: str
    points: int
    merchant: str


@dataclass(frozen=True)
class PointsView:
    balance: int
    owed: int
    value_fen: int
    expiring: tuple[int, datetime] | None
    history: list[PointsLine]


def member_points_view(session: Session, alliance_id: int, member_id: int, points_per_yuan_value: int,
                       lang: str) -> PointsView:
    mine = service.member_points_of(session, alliance_id, member_id, points_per_yuan_value, HISTORY_LINES)
    names = merchants_repo.names_of(session, alliance_id,
                                    {line.merchant_id for line in mine.history if line.merchant_id})
    lines = []
    for line in mine.history:
        zh, en = domain.ENTRY_LABELS[line.kind]
        lines.append(PointsLine(line.at, en if lang == "en" else zh, line.points,
                                names.get(line.merchant_id or 0, "")))
    return PointsView(mine.balance, mine.owed, mine.value_fen, mine.expiring, lines)
