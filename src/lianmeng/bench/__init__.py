"""Benchmarks run against a real database: `lianmeng bench orders` measures the order transaction (order row,
points spend and earn, stored value, their ledger postings) from concurrent workers and compares it with pgbench's
TPC-B on the same PostgreSQL server. See docs/benchmarks.md.

The defaults live here so that the CLI can show them without importing the services."""

DEFAULT_BATCH = 64  # orders per transaction (group commit): the throughput/latency trade-off in docs/benchmarks.md
DEFAULT_PROCESSES = 2  # capped at the number of workers
DEFAULT_MEMBERS_PER_WORKER = 100
DEFAULT_SHARED_PCT = 10
