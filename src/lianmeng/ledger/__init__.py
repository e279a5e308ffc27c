"""The ledger: the only writer of money and points. Append-only, balanced, double-entry postings."""
