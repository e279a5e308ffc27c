"""The demo alliance's operator earns (docs/operator-revenue.md): a ¥2,000 joining fee and a ¥3,650 annual fee
for merchants whose three free months have ended, from the first day of the current month; 2% platform commission
on referred GMV since six months ago. The referral history's closed months are charged, so /console/revenue shows
months of commission from the start (the fees of today's merchants fall due as they come)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from lianmeng.kit import clock
from lianmeng.revenue import service
from lianmeng.revenue.domain import CommissionBase
from lianmeng.revenue.models import FeeSettings
from lianmeng.settlement.domain import SettlementCycle, period_containing

MONTHS = 6


def add_operator_fees(session: Session, alliance_id: int, history_end: datetime) -> dict[str, int]:
    today = clock.today_in_shanghai(history_end)
    first = period_containing(SettlementCycle.MONTHLY, today)
    for _ in range(MONTHS):
        first = first.previous()
    session.add(FeeSettings(alliance_id=alliance_id, joining_fee_fen=200_000, annual_fee_fen=365_000, free_months=3,
                            fees_start_on=first.first_day, min_merchants=0, prorate_first_year=True,
                            commission_bp=200, commission_base=CommissionBase.REFERRED.value, updated_by="demo"))
    session.flush()
    charged = 0
    month = first
    last = service.last_closed_month(history_end)
    while month.first_day <= last.first_day:
        charged += service.charge_month(session, alliance_id, month).charged
        month = month.following()
    return {"fee_charges": charged}
