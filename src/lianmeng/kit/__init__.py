"""Small shared building blocks: clock, errors, i18n, pagination, crypto, ids, money, idempotency."""
