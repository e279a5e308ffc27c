"""Merging duplicate members with an audit trail and undo (docs/merging.md)."""
