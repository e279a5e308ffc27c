"""Commissions (返利 / 佣金 / 提成): what an order at one merchant owes the merchant and staff who referred
the member there, under the commission terms of their agreement, plus the operator's share.

`domain` holds the rules as pure functions (no database, no clock, no settings).
"""
