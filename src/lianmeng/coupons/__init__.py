"""Coupons and vouchers (优惠券/代金券) that remember who handed them out, rights-exchange benefits (权益互换),
claim links, and redemption at partner stores."""
