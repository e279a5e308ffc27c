"""The operator's revenue as a spreadsheet: revenue by month × source (one column per posting cause that credited
the operator's fees account) and the per-merchant charges (charged, waived), opened in Excel or LibreOffice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lianmeng.kit.clock import format_local
from lianmeng.kit.exports import Column, Kind, Sheet
from lianmeng.kit.vocab import label_of
from lianmeng.ledger.domain import PostingCause
from lianmeng.revenue.domain import ChargeStatus, FeeKind
from lianmeng.revenue.models import FeeCharge
from lianmeng.revenue.schemas import RevenueOut

CHARGE_COLUMNS = (
    Column("month", "月份", "Month"),
    Column("merchant", "商户", "Merchant"),
    Column("kind", "费用", "Fee"),
    Column("period", "计费期间", "Period"),
    Column("due_on", "到期日", "Due on", Kind.DATE),
    Column("base_fen", "计佣交易额(元)", "Commission base (CNY)", Kind.FEN),
    Column("rate_bp", "费率", "Rate", Kind.BP),
    Column("amount_fen", "金额(元)", "Amount (CNY)", Kind.FEN),
    Column("status", "状态", "Status"),
    Column("at", "记录时间", "Recorded at"),
)


def _both(enum: type[FeeKind] | type[ChargeStatus] | type[PostingCause], code: str) -> str:
    return f"{label_of(enum, code, 'zh-CN')} {label_of(enum, code, 'en')}"


def revenue_sheet(revenue: RevenueOut) -> Sheet:
    """One row per month, one column per source, the total on the right and at the bottom."""
    causes = [s.cause for s in revenue.totals]
    columns = [Column("month", "月份", "Month"),
               *(Column(c, label_of(PostingCause, c, "zh-CN"), label_of(PostingCause, c, "en"), Kind.FEN)
                 for c in causes),
               Column("total", "合计(元)", "Total (CNY)", Kind.FEN)]
    rows = []
    for month in revenue.months:
        row: dict[str, object] = {"month": month.month, "total": month.total_fen}
        figures = {s.cause: s.amount_fen for s in month.sources}
        row.update({c: figures.get(c, 0) for c in causes})
        rows.append(row)
    span = f"{revenue.months[0].month} – {revenue.months[-1].month}" if revenue.months else ""
    return Sheet("联盟收入 Operator revenue", span, columns, rows)


def charges_sheet(charges: Sequence[FeeCharge], names: Mapping[int, str]) -> Sheet:
    rows = [{"month": c.month, "merchant": names.get(c.merchant_id, str(c.merchant_id)),
             "kind": _both(FeeKind, c.kind), "period": c.period, "due_on": c.due_on,
             "base_fen": c.base_fen, "rate_bp": c.rate_bp, "amount_fen": c.amount_fen,
             "status": _both(ChargeStatus, c.status), "at": format_local(c.created_at)} for c in charges]
    return Sheet("商户平台费用 Charges per merchant", "", CHARGE_COLUMNS, rows)
