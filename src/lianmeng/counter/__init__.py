"""The counter (前台): what store staff do with the member in front of them — find them, redeem, record an order,
pay with points and stored value, refund. Pages only; the writes are the orders, coupons and members services."""
