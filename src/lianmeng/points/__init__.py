"""Shared alliance points (积分互通): earned at any merchant, redeemed at any merchant.

Points are kept as grants (lots with one issuer and one expiry); every spend is linked to the grants it
drew from, which is what makes expiry, refund reversal and issuer/redeemer settlement exact.
"""
