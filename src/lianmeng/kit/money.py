"""Money is integer fen (分). This module only formats it; arithmetic stays in ints."""

from __future__ import annotations


def format_yuan(fen: int) -> str:
    """12345 -> '¥123.45'; -195000 -> '-¥1,950.00'."""
    if not isinstance(fen, int) or isinstance(fen, bool):
        raise TypeError("money must be integer fen")
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"
