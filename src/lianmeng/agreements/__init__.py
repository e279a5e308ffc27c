"""Agreements (合作协议) between two merchants or alliance-wide, with their status flow and history."""
