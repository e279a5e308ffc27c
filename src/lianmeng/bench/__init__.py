"""Benchmarks run against a real database: `lianmeng bench orders` measures the order transaction (order row,
points spend and earn, stored value, their ledger postings) from concurrent workers and compares it with pgbench's
TPC-B on the same PostgreSQL server. See docs/performance.md."""
