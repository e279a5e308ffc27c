"""Encryption key rotation: which stored columns are sealed or hashed with keys derived from the master secret,
how many rows each key holds, and moving them to the current key in small batches (docs/operations-keys.md)."""
