"""Scheduled, idempotent jobs: release matured rebates, expire points."""
