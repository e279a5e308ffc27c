"""Settlement (结算): monthly (or weekly) statements per merchant built from the ledger, confirmed by both sides,
disputed and adjusted by correcting entries, paid, and verified against the ledger to the fen."""
