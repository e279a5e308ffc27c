"""Joint campaigns (联合营销活动): co-funded events, shared costs, gift packages and per-merchant ROI."""
