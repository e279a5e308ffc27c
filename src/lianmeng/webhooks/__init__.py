"""Signed webhooks (Standard Webhooks) from a transactional outbox: docs/webhooks.md."""
