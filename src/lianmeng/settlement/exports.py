"""A statement as a spreadsheet: one row per line with its counterparty, account, cause and note; the totals row is
the statement's net (positive: owed to the merchant)."""

from __future__ import annotations

from lianmeng.kit.clock import format_local
from lianmeng.kit.exports import Column, Kind, Sheet
from lianmeng.settlement.domain import STATUS_LABELS
from lianmeng.settlement.schemas import LineOut, StatementOut

STATEMENT_COLUMNS = (
    Column("line", "行号", "Line", Kind.TEXT),
    Column("party", "对方", "Counterparty"),
    Column("kind", "科目", "Account"),
    Column("cause", "事项", "Cause"),
    Column("entries", "笔数", "Entries", Kind.COUNT),
    Column("amount_fen", "金额(元)", "Amount (CNY)", Kind.FEN),
    Column("note", "说明", "Note"),
)


def note(line: LineOut) -> str:
    parts = []
    if line.corrects_period:
        parts.append(f"补记 {line.corrects_period} 期间 late from {line.corrects_period}")
    if line.adjusts_line_id:
        parts.append(f"更正第 {line.adjusts_line_id} 行 corrects line {line.adjusts_line_id}")
    elif line.cause == "settlement_adjustment" and line.corrects_statement_id:
        ref = line.corrects_statement_id
        parts.append(f"对账单 #{ref} 的调整 adjustment of statement #{ref}")
    if line.note:
        parts.append(line.note)
    return ";".join(parts)


def statement_sheet(statement: StatementOut) -> Sheet:
    bounds = f"{format_local(statement.starts_at)} – {format_local(statement.ends_at)}"
    period = (f"{statement.period} {statement.cycle_label}({bounds},北京时间)"
              f" 状态 Status: {STATUS_LABELS.get(statement.status, (statement.status,))[0]} {statement.status}")
    rows = [{"line": str(line.id), "party": line.party_name, "kind": f"{line.kind_label}",
             "cause": line.cause_label, "entries": line.entries, "amount_fen": line.amount_fen, "note": note(line)}
            for line in statement.lines]
    return Sheet(f"{statement.merchant_name} 对账单 Statement #{statement.id}", period, STATEMENT_COLUMNS, rows)
