"""Lianmeng (联盟): records referrals, coupons, orders, points and money for cross-industry merchant alliances."""

__version__ = "0.1.0"
