"""Duplicate candidates (重复候选): members, merchants and stores that may be the same, found in batch, reviewed."""
