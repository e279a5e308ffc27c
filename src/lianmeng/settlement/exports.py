"""A statement as a spreadsheet: one row per line with its number (1..n), counterparty, account, cause and note; the
totals row is the statement's net (positive: owed to the merchant). The XLSX adds a details sheet — one row per
ledger entry behind each line, with the order it came from (order id, receipt number, merchant, store, amount,
never the member) — so a merchant can back a dispute, and the statement's history in words."""

from __future__ import annotations

from collections.abc import Sequence

from lianmeng.kit.clock import format_local
from lianmeng.kit.exports import Column, Kind, Sheet
from lianmeng.settlement.domain import ACTION_LABELS, SIDE_LABELS, STATUS_LABELS, pair_words
from lianmeng.settlement.schemas import LineDetailOut, LineOut, StatementOut

STATEMENT_COLUMNS = (
    Column("line", "行号", "Line", Kind.COUNT, total=False),
    Column("party", "对方", "Counterparty"),
    Column("kind", "科目", "Account"),
    Column("cause", "事项", "Cause"),
    Column("entries", "笔数", "Entries", Kind.COUNT),
    Column("amount_fen", "金额(元)", "Amount (CNY)", Kind.FEN),
    Column("note", "说明", "Note"),
)

DETAIL_COLUMNS = (
    Column("line", "行号", "Line", Kind.COUNT, total=False),
    Column("at", "记账时间", "Posted at"),
    Column("cause", "事项", "Cause"),
    Column("entry", "分录号", "Entry", Kind.COUNT, total=False),
    Column("order", "订单号", "Order", Kind.COUNT, total=False),
    Column("receipt", "小票号", "Receipt"),
    Column("merchant", "下单商户", "Merchant of the order"),
    Column("store", "门店", "Store"),
    Column("order_fen", "订单金额(元)", "Order amount (CNY)", Kind.FEN, total=False),
    Column("refund", "退款号", "Refund", Kind.COUNT, total=False),
    Column("amount_fen", "分录金额(元)", "Entry amount (CNY)", Kind.FEN),
)

HISTORY_COLUMNS = (
    Column("at", "时间", "At"),
    Column("who", "操作人", "By"),
    Column("side", "一方", "Side"),
    Column("action", "操作", "Action"),
    Column("from", "原状态", "From"),
    Column("to", "新状态", "To"),
    Column("lines", "涉及行", "Lines"),
    Column("reason", "原因", "Reason"),
)


def status_words(status: str) -> str:
    return pair_words(STATUS_LABELS, status)


def note(line: LineOut) -> str:
    parts = []
    if line.corrects_period:
        parts.append(f"补记 {line.corrects_period} 期间 late from {line.corrects_period}")
    if line.adjusts_line_number:
        parts.append(f"更正第 {line.adjusts_line_number} 行 corrects line {line.adjusts_line_number}")
    elif line.cause == "settlement_adjustment" and line.corrects_statement_id:
        ref = line.corrects_statement_id
        parts.append(f"对账单 #{ref} 的调整 adjustment of statement #{ref}")
    if line.note:
        parts.append(line.note)
    return ";".join(parts)


def _title(statement: StatementOut, what: str) -> str:
    return f"{statement.merchant_name} {what} #{statement.id}"


def _period(statement: StatementOut) -> str:
    bounds = f"{format_local(statement.starts_at)} – {format_local(statement.ends_at)}"
    return (f"{statement.period} {statement.cycle_label}({bounds},北京时间)"
            f" 状态 Status: {status_words(statement.status)}")


def statement_sheet(statement: StatementOut) -> Sheet:
    rows = [{"line": line.number, "party": line.party_name, "kind": line.kind_label, "cause": line.cause_label,
             "entries": line.entries, "amount_fen": line.amount_fen, "note": note(line)}
            for line in statement.lines]
    return Sheet(_title(statement, "对账单 Statement"), _period(statement), STATEMENT_COLUMNS, rows)


def details_sheet(statement: StatementOut, details: Sequence[LineDetailOut]) -> Sheet:
    """One row per ledger entry behind each line, in line order; its total is the statement's net."""
    rows = [{"line": d.line.number, "at": format_local(e.at), "cause": e.cause_label, "entry": e.entry_id,
             "order": e.order_id, "receipt": e.receipt or "", "merchant": e.order_merchant or "",
             "store": e.order_store or "", "order_fen": e.order_amount_fen, "refund": e.refund_id,
             "amount_fen": e.amount_fen}
            for d in details for e in d.entries]
    return Sheet(f"明细 Details #{statement.id}", _period(statement), DETAIL_COLUMNS, rows)


def history_sheet(statement: StatementOut) -> Sheet:
    rows = [{"at": format_local(e.at), "who": e.actor, "side": pair_words(SIDE_LABELS, e.side),
             "action": pair_words(ACTION_LABELS, e.action), "from": status_words(e.from_status),
             "to": status_words(e.to_status), "lines": "、".join(str(n) for n in e.line_numbers),
             "reason": (f"对账单 #{e.mirror_of} 的调整 the other side of a correction on statement #{e.mirror_of}"
                        if e.mirror_of else e.reason)} for e in statement.events]
    return Sheet(f"记录 History #{statement.id}", _period(statement), HISTORY_COLUMNS, rows)


def workbook(statement: StatementOut, details: Sequence[LineDetailOut]) -> list[Sheet]:
    """The XLSX: the statement (opened first), the details behind its lines, its history."""
    return [statement_sheet(statement), details_sheet(statement, details), history_sheet(statement)]
