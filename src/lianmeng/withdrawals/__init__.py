"""Withdrawals (提现) of available rebates by staff and merchants: request, approve or reject, mark paid."""
