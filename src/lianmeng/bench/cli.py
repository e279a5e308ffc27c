"""`lianmeng bench …`: benchmarks. Progress goes to stderr; the table, and with --json one JSON line last, to
stdout."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from lianmeng.bench import DEFAULT_BATCH, DEFAULT_MEMBERS_PER_WORKER, DEFAULT_PROCESSES, DEFAULT_SHARED_PCT
from lianmeng.config import get_settings

if TYPE_CHECKING:
    from lianmeng.bench.orders import BenchResult

bench_app = typer.Typer(help="Benchmarks against a real database (see docs/benchmarks.md).", no_args_is_help=True)
out = Console()
err = Console(stderr=True)


@bench_app.callback()
def bench() -> None:
    """Benchmarks against a real database (see docs/benchmarks.md)."""


class RichListener:
    """One Rich progress line: the phase, a bar for the timed phases, orders committed so far."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID = progress.add_task("准备 starting", total=None, orders="")

    def phase(self, description: str, total: float | None = None) -> None:
        self.progress.update(self.task, description=description, total=total, completed=0, orders="")

    def tick(self, done: float, orders: int) -> None:
        self.progress.update(self.task, completed=done, orders=f"{orders:,} orders" if orders else "")


@contextmanager
def _listener(enabled: bool) -> Iterator[RichListener | None]:
    if not enabled:
        yield None
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[orders]}"),
               TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        yield RichListener(progress)


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def _table(result: BenchResult) -> Table:
    table = Table(title="bench orders 订单压测")
    table.add_column("metric")
    table.add_column("value", justify="right")
    rows = [
        ("ours (orders/s)", _fmt(result.ours_tps, ",.1f")),
        ("pgbench TPC-B (tps)", _fmt(result.baseline_tps, ",.1f")),
        ("ratio", _fmt(result.ratio, ".3f")),
        ("p50 latency (ms)", _fmt(result.p50_ms, ".2f")),
        ("p99 latency (ms)", _fmt(result.p99_ms, ".2f")),
        ("workers", str(result.workers)),
        ("processes", str(result.processes)),
        ("batch (orders/transaction)", str(result.batch)),
        ("seconds", str(result.seconds)),
        ("orders committed", f"{result.orders:,}"),
        ("refused / errors", f"{result.refused:,} / {result.errors:,}"),
        ("ledger invariants", "ok" if result.ledger_ok else "VIOLATED"),
        ("alliance", f"{result.alliance_code} (id {result.alliance_id}, {result.members:,} members)"),
    ]
    for metric, value in rows:
        table.add_row(metric, value)
    return table


@bench_app.command("orders")
def orders(
    database_url: Annotated[
        str | None, typer.Option("--database-url", envvar="LIANMENG_DATABASE_URL", help="SQLAlchemy database URL")
    ] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Concurrent workers (threads)")] = 8,
    processes: Annotated[int, typer.Option(
        "--processes", min=1, max=64, help="Spread the workers over this many processes")] = DEFAULT_PROCESSES,
    seconds: Annotated[int, typer.Option("--seconds", min=1, help="Length of each timed run")] = 10,
    batch: Annotated[int, typer.Option(
        "--batch", min=1, max=1000,
        help="Orders per transaction (group commit); a refused order never fails its batch")] = DEFAULT_BATCH,
    members: Annotated[int, typer.Option("--members", min=1, help="Members per worker's merchant")
                       ] = DEFAULT_MEMBERS_PER_WORKER,
    shared_pct: Annotated[int, typer.Option(
        "--shared-pct", min=0, max=100, help="% of each merchant's members also served by the next worker")
    ] = DEFAULT_SHARED_PCT,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object as the last line")] = False,
    skip_baseline: Annotated[bool, typer.Option(
        "--skip-baseline", help="Do not run pgbench (SQLite, or no pgbench); baseline and ratio are null")] = False,
    pgbench_scale: Annotated[int | None, typer.Option(
        "--pgbench-scale", min=1, help="pgbench -i scale (default: max(workers, 10))")] = None,
    run_migrations: Annotated[bool, typer.Option(
        "--migrate/--no-migrate", help="Apply migrations first (off for schemas made without Alembic)")] = True,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar on stderr")] = True,
) -> None:
    """Orders per second from N workers for S seconds, then pgbench TPC-B for as long on the same server.

    Creates an alliance of its own (bench-<time>) and leaves it; drops the pgbench database it creates."""
    from lianmeng.bench.orders import BenchConfig, BenchError, run_bench

    url = database_url or get_settings().database_url
    try:
        config = BenchConfig(
            database_url=url, workers=workers, seconds=seconds, batch=batch, members_per_worker=members,
            shared_pct=shared_pct, migrate=run_migrations, processes=processes, baseline=not skip_baseline,
            pgbench_scale=pgbench_scale,
        )
        with _listener(progress) as listener:
            result = run_bench(config, listener)
    except BenchError as error:
        err.print(f"[red]✗ {error}[/]")
        raise typer.Exit(2) from None
    out.print(_table(result))
    if json_output:
        typer.echo(json.dumps(result.as_json(), ensure_ascii=False))
    if result.errors or not result.ledger_ok:
        raise typer.Exit(1)


class SettleListener:
    """One Rich progress line for `bench settle`: the phase, a bar where the size is known, a detail."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID = progress.add_task("准备 starting", total=None, orders="")

    def phase(self, description: str, total: float | None = None) -> None:
        self.progress.update(self.task, description=description, total=total, completed=0, orders="")

    def tick(self, done: float, detail: str = "") -> None:
        self.progress.update(self.task, completed=done, orders=detail)


@contextmanager
def _settle_listener(enabled: bool) -> Iterator[SettleListener | None]:
    if not enabled:
        yield None
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[orders]}"),
               TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        yield SettleListener(progress)


@bench_app.command("settle")
def settle(
    database_url: Annotated[str, typer.Option(
        "--database-url", envvar="LIANMENG_BENCH_DATABASE_URL",
        help="PostgreSQL URL of the bench's own database (created if missing; its schema is dropped and migrated)")
    ] = "postgresql+psycopg://postgres@127.0.0.1:5432/lm_bench",
    merchants: Annotated[int, typer.Option("--merchants", min=5, help="Merchants in the alliance")] = 1000,
    lines: Annotated[int, typer.Option("--lines", min=2, help="Ledger entries to generate (two per posting)")
                     ] = 10_000_000,
    period: Annotated[str, typer.Option("--period", help="Month (2026-10) the entries are dated in and settled")
                      ] = "2026-10",
    repeat: Annotated[int, typer.Option(
        "--repeat", min=1, max=10, help="Time baseline and ours this many times each (alternating); best counts")
    ] = 2,
    explain: Annotated[bool, typer.Option(
        "--explain", help="Also print EXPLAIN ANALYZE of the statement-lines INSERT … SELECT and of the baseline")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object as the last line")] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar on stderr")] = True,
) -> None:
    """A month's statements (`settle`) over a generated ledger, against the bare SQL aggregate of the same entries.

    Wipes the database it is given (its name must contain 'bench'), generates the ledger set-based, then times
    the baseline and ours alternately and verifies the statements against the ledger."""
    from lianmeng.bench.settle import SettleBenchError, SettleConfig, run_settle_bench, summary_rows

    try:
        config = SettleConfig(database_url=database_url, merchants=merchants, lines=lines, period=period,
                              repeat=repeat, explain=explain)
        with _settle_listener(progress) as listener:
            result = run_settle_bench(config, listener)
    except SettleBenchError as error:
        err.print(f"[red]✗ {error}[/]")
        raise typer.Exit(2) from None
    table = Table(title="bench settle 结算压测")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for metric, value in summary_rows(result):
        table.add_row(metric, value)
    out.print(table)
    for name, plan in result.plans.items():
        out.print(f"EXPLAIN ANALYZE {name}:", markup=False, highlight=False)
        out.print("\n".join(plan), markup=False, highlight=False, soft_wrap=True)
    if json_output:
        typer.echo(json.dumps(result.as_json(), ensure_ascii=False))
    if not result.verify_ok:
        raise typer.Exit(1)


@bench_app.command("overlap")
def overlap(
    database_url: Annotated[str, typer.Option(
        "--database-url", envvar="LIANMENG_BENCH_DATABASE_URL",
        help="PostgreSQL URL of the bench's own database (created if missing; its schema is dropped and migrated)")
    ] = "postgresql+psycopg://postgres@127.0.0.1:5432/lm_bench",
    merchants: Annotated[int, typer.Option("--merchants", min=2, help="Merchants in the alliance")] = 1000,
    members: Annotated[int, typer.Option("--members", min=1, help="Members in the alliance")] = 2_000_000,
    links: Annotated[int, typer.Option("--links", min=1, help="Memberships (member × merchant) to generate")
                     ] = 10_000_000,
    repeat: Annotated[int, typer.Option(
        "--repeat", min=1, max=10, help="Time baseline and ours this many times each (alternating); best counts")
    ] = 2,
    samples: Annotated[int, typer.Option("--samples", min=1, help="Top-20 reads timed for read_p95_ms")] = 2000,
    churn: Annotated[float, typer.Option(
        "--churn-pct", min=0, max=100, help="New memberships before each repetition after the first, % of links")
    ] = 1.0,
    upload_hashes: Annotated[int, typer.Option(
        "--upload-hashes", min=0, help="A prospect's upload timed against the alliance (upload_s); 0 skips it")
    ] = 100_000,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object as the last line")] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar on stderr")] = True,
) -> None:
    """The alliance's full overlap matrix rebuilt as the product does, against the bare SQL self-join count of the
    same memberships, and a merchant's top-20 overlaps read as the console reads them.

    Wipes the database it is given (its name must contain 'bench'), generates the memberships set-based, times the
    baseline and ours alternately, verifies the matrix against the bare count, then times the reads."""
    from lianmeng.bench.overlap import OverlapBenchError, OverlapConfig, run_overlap_bench

    try:
        config = OverlapConfig(database_url=database_url, merchants=merchants, members=members, links=links,
                               repeat=repeat, samples=samples, churn_pct=churn)
        with _settle_listener(progress) as listener:
            result = run_overlap_bench(config, listener)
    except OverlapBenchError as error:
        err.print(f"[red]✗ {error}[/]")
        raise typer.Exit(2) from None
    report = result.as_json()
    if upload_hashes:
        from lianmeng.prospects.bench import give_members_phones, time_invitation_and_upload

        report["members_given_phones"] = give_members_phones(database_url, result.alliance_id)
        timing = time_invitation_and_upload(database_url, result.alliance_id, upload_hashes)
        report.update(upload_s=timing.upload_s, upload_hashes=timing.hashes, invite_s=timing.invite_s,
                      members_indexed=timing.members_indexed)
    _print_figures("bench overlap 顾客重合度压测", report, json_output)
    if not result.verify_ok:
        raise typer.Exit(1)


@bench_app.command("reports")
def reports(
    database_url: Annotated[str, typer.Option(
        "--database-url", envvar="LIANMENG_BENCH_DATABASE_URL",
        help="PostgreSQL URL of the bench's own database (created if missing; its schema is dropped and migrated)")
    ] = "postgresql+psycopg://postgres@127.0.0.1:5432/lm_reports_bench",
    events: Annotated[int, typer.Option("--events", min=100, help="Referral events to generate (all tables)")
                      ] = 10_000_000,
    merchants: Annotated[int, typer.Option("--merchants", min=3, help="Merchants in the alliance")] = 50,
    members: Annotated[int, typer.Option("--members", min=1, help="Members in the alliance")] = 200_000,
    viewers: Annotated[int, typer.Option("--viewers", min=1, help="Merchants whose dashboard is timed")] = 5,
    samples: Annotated[int, typer.Option("--samples", min=1, help="Rollup reads timed per merchant")] = 50,
    bare_samples: Annotated[int, typer.Option("--bare-samples", min=1, help="Bare scans timed per merchant")] = 3,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object as the last line")] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar on stderr")] = True,
) -> None:
    """The merchant dashboard's funnel and flow matrix for a month from the referral rollups, against the bare
    scan of the base tables, at N referral events (docs/benchmarks.md, "Dashboards at 10 M events").

    Wipes the database it is given (its name must contain 'bench'), generates the events set-based, builds the
    rollup (full, then incremental), then times both reads and compares their answers."""
    from lianmeng.bench.reports import ReportsBenchError, ReportsConfig, run_reports_bench

    try:
        config = ReportsConfig(database_url=database_url, events=events, merchants=merchants, members=members,
                               viewers=viewers, samples=samples, bare_samples=bare_samples)
        with _settle_listener(progress) as listener:
            result = run_reports_bench(config, listener)
    except ReportsBenchError as error:
        err.print(f"[red]✗ {error}[/]")
        raise typer.Exit(2) from None
    _print_figures("bench reports 看板压测", result.as_json(), json_output)
    if not result.verify_ok:
        raise typer.Exit(1)


@bench_app.command("targeting")
def targeting(
    database_url: Annotated[str, typer.Option(
        "--database-url", envvar="LIANMENG_BENCH_DATABASE_URL",
        help="PostgreSQL URL of the bench's own database (created if missing; its schema is dropped and migrated)")
    ] = "postgresql+psycopg://postgres@127.0.0.1:5432/lm_bench",
    members: Annotated[int, typer.Option("--members", min=1, help="Members in the alliance")] = 1_000_000,
    merchants: Annotated[int, typer.Option("--merchants", min=2, help="Merchants in the alliance")] = 500,
    recipients: Annotated[int, typer.Option("--recipients", min=1, help="Members of the offer sent and reported")
                          ] = 100_000,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object as the last line")] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar on stderr")] = True,
) -> None:
    """Targeting at scale: the member value model recomputed for every member (model_s) and after 1% new orders
    (model_incremental_s), an audience of rules counted and materialised (audience_s), an offer sent by the job
    (send_per_s) and its results read (report_ms, p95). Goals at 1 M members and 100,000 recipients: model_s ≤ 60,
    audience_s ≤ 5, send_per_s ≥ 2,000, report_ms ≤ 200.

    Wipes the database it is given (its name must contain 'bench') and generates the alliance set-based."""
    from lianmeng.bench.targeting import TargetingBenchError, TargetingConfig, run_targeting_bench

    try:
        config = TargetingConfig(database_url=database_url, members=members, merchants=merchants,
                                 recipients=recipients)
        with _settle_listener(progress) as listener:
            report = run_targeting_bench(config, listener)
    except TargetingBenchError as error:
        err.print(f"[red]✗ {error}[/]")
        raise typer.Exit(2) from None
    _print_figures("bench targeting 精准营销压测", report, json_output)


@bench_app.command("jobs")
def jobs(
    database_url: Annotated[
        str | None, typer.Option("--database-url", envvar="LIANMENG_DATABASE_URL",
                                 help="PostgreSQL URL (a scratch database: the bench's alliance and runs stay)")
    ] = None,
    count: Annotated[int, typer.Option("--jobs", min=1, max=100_000, help="Run tasks deferred")] = 500,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=32, help="Worker concurrency")] = 1,
) -> None:
    """Jobs per second through the procrastinate worker (docs/operations.md): N run tasks of a job with nothing to
    do, each its own period, so the queue and the job_runs record are what is timed. Prints one JSON object."""
    from lianmeng.bench.jobs import measure

    url = database_url or get_settings().database_url
    if not url.startswith("postgresql"):
        err.print("[red]✗ the job queue needs PostgreSQL[/]")
        raise typer.Exit(2)
    print(json.dumps(measure(url, count, concurrency)))


@bench_app.command("dedup")
def dedup(
    records: Annotated[int, typer.Option("--records", min=100, help="Member records generated (5% duplicates)")
                       ] = 1_000_000,
    seed: Annotated[int, typer.Option("--seed", help="Generator seed")] = 14,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object as the last line")] = False,
) -> None:
    """Duplicate members at scale: generated records with 5% duplicates (typos, pinyin, traditional characters,
    swapped birth years, family phones), candidates found by the product's own splink run, precision and recall
    against the generated truth. Goals at 1 M records: seconds ≤ 120, precision ≥ 0.95, recall ≥ 0.90. No
    database."""
    import logging

    from lianmeng.bench.dedup import DedupConfig, run_dedup_bench

    logging.getLogger("splink").setLevel(logging.WARNING)
    with err.status("查重 finding duplicates…"):
        report = run_dedup_bench(DedupConfig(records=records, seed=seed))
    _print_figures("bench dedup 查重压测", report, json_output)


def _print_figures(title: str, report: dict[str, Any], json_output: bool) -> None:
    """A bench's flat figures as a metric/value table, then (with --json) as one JSON line, the last."""
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for metric, value in report.items():
        table.add_row(metric, str(value))
    out.print(table)
    if json_output:
        typer.echo(json.dumps(report, ensure_ascii=False))


@bench_app.command("webhooks")
def webhooks(
    database_url: Annotated[str | None, typer.Option(
        "--database-url", envvar="LIANMENG_BENCH_DATABASE_URL",
        help="PostgreSQL URL whose name contains 'bench' (wiped and migrated); default: a temporary SQLite file")
    ] = None,
    events: Annotated[int, typer.Option("--events", min=1, max=100_000, help="Events committed, then delivered")
                      ] = 500,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object as the last line")] = False,
) -> None:
    """Webhook delivery to a local receiver: end-to-end latency from the event's commit to its verified arrival
    (p50/p99), each attempt's latency, delivered per second (docs/webhooks.md)."""
    from lianmeng.bench.settle import SettleBenchError
    from lianmeng.bench.webhooks import run_webhooks_bench

    try:
        report = run_webhooks_bench(database_url, events)
    except SettleBenchError as error:
        err.print(f"[red]✗ {error}[/]")
        raise typer.Exit(2) from None
    _print_figures("bench webhooks 事件推送", report, json_output)
    if report["delivered"] != events or report["bad_signatures"]:
        raise typer.Exit(1)


@bench_app.command("http")
def http(
    database_url: Annotated[
        str | None, typer.Option("--database-url", envvar="LIANMENG_DATABASE_URL",
                                 help="PostgreSQL URL: its server gets the bench's fresh database")
    ] = None,
    clients: Annotated[int, typer.Option("--clients", min=1, max=256, help="Concurrent connections (wrk -c)")] = 8,
    seconds: Annotated[int, typer.Option("--seconds", min=1, help="Length of each timed run")] = 15,
    workers: Annotated[int, typer.Option(
        "--workers", min=1, max=64, help="Server processes (passed to `lianmeng serve --workers` when above 1)")] = 1,
    fresh: Annotated[bool, typer.Option(
        "--fresh/--reuse", help="A fresh database (a copy of a kept seed), or the one in --database-url as is")
    ] = True,
    demo: Annotated[bool, typer.Option(
        "--demo/--minimal", help="The demo alliance (`lianmeng demo`), or one merchant with 500 members")] = True,
    demo_scale: Annotated[float, typer.Option("--demo-scale", min=0.01, max=10, help="`lianmeng demo --scale`")
                          ] = 1.0,
    keep: Annotated[bool, typer.Option("--keep", help="Keep the fresh database afterwards")] = False,
    run_migrations: Annotated[bool, typer.Option(
        "--migrate/--no-migrate", help="With --reuse: apply migrations first (off for schemas made without Alembic)")
    ] = True,
    skip_baseline: Annotated[bool, typer.Option("--skip-baseline", help="Do not run pgbench")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object as the last line")] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar on stderr")] = True,
) -> None:
    """Orders and coupon redemptions per second over HTTP: `lianmeng serve` on PostgreSQL with the demo alliance,
    driven by wrk (one order per request, unique external ids and Idempotency-Keys), then pgbench TPC-B with the
    same clients and seconds. The server's memory is sampled all along (docs/benchmarks.md)."""
    from lianmeng.bench.http import HttpBenchConfig, run_http_bench
    from lianmeng.bench.orders import BenchError

    url = database_url or get_settings().database_url
    try:
        config = HttpBenchConfig(database_url=url, clients=clients, seconds=seconds, workers=workers, fresh=fresh,
                                 demo=demo, demo_scale=demo_scale, baseline=not skip_baseline, keep=keep,
                                 migrate=run_migrations)
        with _listener(progress) as listener:
            result = run_http_bench(config, listener)
    except BenchError as error:
        err.print(f"[red]✗ {error}[/]")
        raise typer.Exit(2) from None
    report = result.as_json()
    for run in (result.orders, result.redeems):
        if run.sample:
            err.print(f"[yellow]first non-2xx answer: {run.sample}[/]")
    _print_figures("bench http 接口压测", report, json_output)
    if report["non_2xx"] or report["socket_errors"]:
        raise typer.Exit(1)
