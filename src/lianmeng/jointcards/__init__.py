"""Joint stored-value cards (联合储值卡/套餐)."""
