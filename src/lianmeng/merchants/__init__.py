"""Merchants (商家), their stores (门店) and staff (导购/SA)."""
