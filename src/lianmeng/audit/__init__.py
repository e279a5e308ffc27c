"""The audit trail: every administrative action appended with who, when, from where, what and before/after
(docs/audit.md)."""
