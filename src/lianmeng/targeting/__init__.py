"""Targeted partner offers (定向推荐): a merchant sends a partner's coupon to an audience through its own channel,
keeps a random holdout, and measures the uplift."""
