"""The `lianmeng` command: every command runs the same services as the API, one transaction each."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from lianmeng import __version__
from lianmeng.bench.cli import bench_app
from lianmeng.dedup.cli import dedup_app
from lianmeng.keys.cli import keys_app
from lianmeng.partners.cli import partners_app
from lianmeng.prospects.cli import overlap_app
from lianmeng.recruiting.cli import recruits_app
from lianmeng.tags.cli import tags_app
from lianmeng.values.cli import values_app

app = typer.Typer(help="联盟 Lianmeng — cross-industry merchant alliances.", no_args_is_help=True)
db_app = typer.Typer(help="Database: migrations on SQLite or PostgreSQL.", no_args_is_help=True)
users_app = typer.Typer(help="Logins for operators, merchant admins and store staff.", no_args_is_help=True)
jobs_app = typer.Typer(help="Scheduled jobs, run once in-process (`lianmeng worker` runs them from the queue).",
                       no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(jobs_app, name="jobs")
app.add_typer(bench_app, name="bench")
app.add_typer(recruits_app, name="recruits")
app.add_typer(tags_app, name="tags")
app.add_typer(partners_app, name="partners")
app.add_typer(overlap_app, name="overlap")
app.add_typer(values_app, name="values")
app.add_typer(dedup_app, name="dedup")
app.add_typer(keys_app, name="keys")
settle_app = typer.Typer(help="Settlement (结算): build a period's statements, verify them against the ledger.",
                         no_args_is_help=True)
app.add_typer(settle_app, name="settle")
console = Console()

DatabaseOpt = Annotated[
    str | None, typer.Option("--database-url", envvar="LIANMENG_DATABASE_URL", help="SQLAlchemy database URL")
]


def _show_version(value: bool) -> None:
    if value:
        console.print(f"lianmeng {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """联盟 Lianmeng — cross-industry merchant alliances."""


@app.command()
def serve(
    host: Annotated[str, typer.Option(envvar="HOST", help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT", help="Port to listen on")] = 8000,
    database_url: DatabaseOpt = None,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (development)")] = False,
    workers: Annotated[int | None, typer.Option(
        min=1, envvar="LIANMENG_WORKERS",
        help="Server processes (default: one per core on PostgreSQL, 1 on SQLite); the jobs run once")] = None,
) -> None:
    """Serve the API (/api/v1, /docs) and pages (/) with uvicorn. Refuses the public development secret unless
    LIANMENG_ENV=development."""
    import os

    import uvicorn

    from lianmeng.config import get_settings
    from lianmeng.kit import logmask
    from lianmeng.web.workers import default_workers, serve_workers

    settings = get_settings()
    if settings.uses_dev_secret and not settings.is_development:
        Console(stderr=True).print(
            "[red]✗ LIANMENG_SECRET_KEY is not set: the development secret is public, and anyone could sign tokens "
            "and read phones with it. Set LIANMENG_SECRET_KEY to a long random value (e.g. "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`), or LIANMENG_ENV=development on your "
            "own machine.[/]\n"
            "✗ 未设置 LIANMENG_SECRET_KEY:开发密钥是公开的,生产环境不能使用。请设置随机密钥,或在本机开发时设置 "
            "LIANMENG_ENV=development。"
        )
        raise typer.Exit(2)
    if settings.uses_dev_secret:
        console.print("[yellow]development mode (LIANMENG_ENV=development) on the public development secret[/]")
    console.print(f"[bold red]联盟 Lianmeng[/] {__version__} on http://{host}:{port}  (API docs: /docs)")
    console.print(f"capacity: {settings.max_concurrent_requests} requests at once, {settings.pool_size} database "
                  f"connections; up to {settings.request_queue_depth} wait {settings.request_queue_seconds:g} s, "
                  f"then 503 + Retry-After (docs/capacity.md)")
    # The app factory sits on top of the house (nothing imports lianmeng.main): uvicorn builds the app from the
    # settings, which these options reach through the environment (inherited by the reloader's and the workers'
    # processes too). With several workers the jobs run once, in this supervising process, never in a worker.
    log_config = logmask.uvicorn_log_config()
    if database_url:
        os.environ["LIANMENG_DATABASE_URL"] = database_url
    url = database_url or settings.database_url
    processes = 1 if reload else workers or default_workers(url)
    # LIANMENG_JOBS=worker on PostgreSQL: `lianmeng worker` processes run the jobs, this server none
    in_process = settings.jobs_in_process(url)
    os.environ["LIANMENG_RUN_JOBS"] = "true" if processes == 1 and not reload and in_process else "false"
    if not in_process:
        console.print("jobs: run by `lianmeng worker` (LIANMENG_JOBS=worker), not by this server")
    get_settings.cache_clear()
    if processes > 1:
        console.print(f"{processes} worker processes (the jobs run once, in this supervising process)")
        serve_workers(url, host, port, processes, log_config)
    else:
        uvicorn.run("lianmeng.main:create_app", factory=True, host=host, port=port, reload=reload,
                    log_config=log_config)


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision")] = "head", database_url: DatabaseOpt = None
) -> None:
    """Apply Alembic migrations up to REVISION."""
    from lianmeng import migrate

    migrate.upgrade(database_url, revision)
    console.print(f"[green]✓[/] database at revision {migrate.current_revision(database_url)}")


@db_app.command("current")
def db_current(database_url: DatabaseOpt = None) -> None:
    """Show the database's revision and the newest one available."""
    from lianmeng import migrate

    console.print(f"current: {migrate.current_revision(database_url)}  head: {migrate.head_revision(database_url)}")


@app.command()
def demo(
    database_url: DatabaseOpt = None,
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Do nothing when an alliance already exists")] = False,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed loads the same alliance")] = 2024,
    scale: Annotated[float, typer.Option(min=0.01, max=10, help="Multiply member counts (1 = ~7,400 members)")] = 1.0,
) -> None:
    """Load the demo alliance "Tesla Life" (Shenzhen, seed 000) into any database."""
    from lianmeng.alliances.repository import count_alliances
    from lianmeng.db import unit_of_work
    from lianmeng.demo.loader import DemoPlan, load_demo

    with unit_of_work(database_url) as session:
        exists = count_alliances(session) > 0
    if if_empty and exists:
        console.print("[yellow]an alliance exists already; demo not loaded[/]")
        _print_demo_logins(database_url)
        return
    with unit_of_work(database_url) as session:
        summary = load_demo(session, DemoPlan(seed=seed, scale=scale), progress=True)
    table = Table(title="Demo alliance loaded 示例联盟已载入")
    table.add_column("what")
    table.add_column("count", justify="right")
    for what, count in summary.counts.items():
        table.add_row(what, f"{count:,}")
    console.print(table)
    _print_demo_logins(database_url)


def _print_demo_logins(database_url: str | None) -> None:
    """Who can log in to the console and the member page of the demo (its data is invented)."""
    from sqlalchemy import select

    from lianmeng.auth.models import User
    from lianmeng.db import unit_of_work
    from lianmeng.demo.data import PASSWORD
    from lianmeng.demo.loader import demo_usernames
    from lianmeng.kit.crypto import decrypt
    from lianmeng.members.models import Member

    with unit_of_work(database_url) as session:
        users = list(session.scalars(select(User.username).where(User.username.in_(demo_usernames()))
                                     .order_by(User.id)))
        member = session.scalars(select(Member).order_by(Member.id).limit(1)).first()
        phone = decrypt(member.phone_enc) if member is not None else None
    if not users:
        return
    console.print(f"控制台 Console: /login — password [bold]{PASSWORD}[/]: " + ", ".join(users))
    if phone:
        console.print(f"会员页 Member page: /m/login — demo member phone {phone}. The one-time code is never "
                      f"logged; in development read it with [bold]make code PHONE={phone}[/] "
                      f"(LIANMENG_ENV=development lianmeng otp peek {phone})")


otp_app = typer.Typer(help="One-time codes waiting in the outbox (development only).", no_args_is_help=True)
app.add_typer(otp_app, name="otp")


@otp_app.command("peek")
def otp_peek(
    phone: Annotated[str, typer.Argument(help="The member's mobile number")], database_url: DatabaseOpt = None
) -> None:
    """Show the newest undelivered code for PHONE and mark it delivered (its outbox text is then redacted).
    Only with LIANMENG_ENV=development: in production a code goes to the phone and nowhere else."""
    import re

    from lianmeng.auth.sender import mark_delivered, undelivered_for
    from lianmeng.config import get_settings
    from lianmeng.db import unit_of_work
    from lianmeng.kit.crypto import mask_phone
    from lianmeng.members.domain import normalize_phone

    if not get_settings().is_development:
        console.print("[red]✗ only in development (LIANMENG_ENV=development): in production the code goes to "
                      "the phone only[/]")
        raise typer.Exit(1)
    normalized = normalize_phone(phone)
    if normalized is None:
        console.print("[red]✗ not a mobile number[/]")
        raise typer.Exit(1)
    with unit_of_work(database_url) as session:
        message = undelivered_for(session, normalized)
        found = re.search(r"\d{6}", message.body) if message is not None else None
        if message is not None:
            mark_delivered(session, message)
    if found is None:
        console.print(f"[yellow]no code waiting for {mask_phone(normalized)}[/] (ask for one on /m/login first)")
        raise typer.Exit(1)
    console.print(f"{mask_phone(normalized)}: [bold]{found.group()}[/]")


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Option(help="platform_admin | operator_admin | merchant_admin | store_staff")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    alliance_id: Annotated[int | None, typer.Option(help="Alliance (all roles but platform_admin)")] = None,
    merchant_id: Annotated[int | None, typer.Option(help="Merchant (merchant_admin, store_staff)")] = None,
    staff_id: Annotated[int | None, typer.Option(help="Staff record (store_staff)")] = None,
    display_name: Annotated[str, typer.Option()] = "",
    database_url: DatabaseOpt = None,
) -> None:
    """Create a login."""
    from lianmeng.auth.domain import LOGIN_ROLES, Role
    from lianmeng.auth.service import NewUser, create_user
    from lianmeng.db import unit_of_work
    from lianmeng.kit.errors import AppError
    from lianmeng.kit.i18n import translate

    if role not in {r.value for r in LOGIN_ROLES}:
        raise typer.BadParameter(f"role must be one of {', '.join(r.value for r in LOGIN_ROLES)}")
    if len(password) < 8:
        raise typer.BadParameter("password needs at least 8 characters")
    data = NewUser(username, password, Role(role), display_name, alliance_id, merchant_id, staff_id)
    try:
        with unit_of_work(database_url) as session:
            user = create_user(session, None, data)
            user_id = user.id
    except AppError as error:
        console.print(f"[red]✗ {translate(error.code, 'zh-CN', **error.params)} / "
                      f"{translate(error.code, 'en', **error.params)}[/] {error.details or ''}")
        raise typer.Exit(1) from None
    console.print(f"[green]✓[/] user {username} (id {user_id}, {role}) created")


@jobs_app.command("run")
def jobs_run(database_url: DatabaseOpt = None) -> None:
    """Run every job once now. Safe to run twice or concurrently: nothing happens twice."""
    from lianmeng.jobs.service import run_all
    from lianmeng.kit.money import format_yuan

    with console.status("running jobs…"):
        report = run_all(database_url)
    console.print(f"[green]✓[/] rebates released: {report.rebates_released:,}  "
                  f"points expired: {report.points_expired:,}  "
                  f"joint cards expired: {format_yuan(report.joint_card_fen_expired)}  "
                  f"statements built: {report.statements_built:,}  "
                  f"unproved claim phones forgotten: {report.unconfirmed_phones_forgotten:,}  "
                  f"prospect overlap indexes purged: {report.overlap_indexes_purged:,}  "
                  f"alliances' customer overlap recounted: {report.overlap_alliances_recounted:,}  "
                  f"alliances' member values refreshed: {report.value_alliances_refreshed:,}  "
                  f"members back in the pool (not served): {report.members_back_in_pool:,}  "
                  f"alliances scanned for duplicates: {report.dedup_alliances_scanned:,}  "
                  f"alliances' referral rollups refreshed: {report.referral_rollups_refreshed:,}  "
                  f"points expiry notices queued: {report.points_expiry_notices:,}  "
                  f"webhook attempts: {report.webhook_deliveries:,}")
    if report.runs_failed:
        console.print(f"[red]✗ {report.runs_failed} runs failed (失败): see /console/jobs[/]")
        raise typer.Exit(1)


@app.command()
def worker(
    database_url: DatabaseOpt = None,
    install: Annotated[bool, typer.Option(
        "--install", help="Only apply the queue's schema (procrastinate's tables) if missing, then exit")] = False,
    concurrency: Annotated[int, typer.Option(min=1, max=32, help="Jobs run at once by this worker")] = 1,
) -> None:
    """Run the scheduled jobs from the PostgreSQL queue (procrastinate): a tick every minute defers one task per
    due (alliance, job, period); start one or more workers beside `lianmeng serve` and set LIANMENG_JOBS=worker so
    the server runs none itself. Applies the queue's schema first when it is missing."""
    from lianmeng.config import get_settings
    from lianmeng.jobs import queue

    url = database_url or get_settings().database_url
    if not url.startswith("postgresql"):
        Console(stderr=True).print("[red]✗ the worker needs PostgreSQL; on SQLite `lianmeng serve` runs the jobs "
                                   "itself (需要 PostgreSQL;SQLite 下由 lianmeng serve 运行定时任务)[/]")
        raise typer.Exit(2)
    jobs = queue.build_app(url)
    with jobs.open():
        installed = queue.install_schema(jobs, url)
    console.print("[green]✓[/] queue schema " + ("applied" if installed else "already there"))
    if install:
        return
    console.print(f"worker: queue {queue.QUEUE}, {concurrency} at once; Ctrl+C stops after the running jobs")
    jobs.run_worker(queues=[queue.QUEUE], concurrency=concurrency)


PeriodOpt = Annotated[str, typer.Option(
    "--period", help="A month (2026-10), an ISO week (2026-W44) or a quarter (2026-Q4), Beijing time")]
AllianceOpt = Annotated[int | None, typer.Option("--alliance-id", help="One alliance (default: every alliance)")]


def _alliances(database_url: str | None, alliance_id: int | None) -> list[tuple[int, str]]:
    from sqlalchemy import select

    from lianmeng.alliances.models import Alliance
    from lianmeng.db import unit_of_work

    with unit_of_work(database_url) as session:
        stmt = select(Alliance.id, Alliance.name).order_by(Alliance.id)
        if alliance_id is not None:
            stmt = stmt.where(Alliance.id == alliance_id)
        return [(id_, name) for id_, name in session.execute(stmt)]


@settle_app.command("run")
def settle_run(period: PeriodOpt, alliance_id: AllianceOpt = None, database_url: DatabaseOpt = None,
               issue: Annotated[bool, typer.Option("--issue", help="Issue the statements to the merchants")] = False,
               ) -> None:
    """Build the period's statements, one transaction per alliance. Running it again changes nothing."""
    from rich.progress import Progress

    from lianmeng.db import unit_of_work
    from lianmeng.kit.errors import AppError
    from lianmeng.kit.i18n import translate
    from lianmeng.settlement import service
    from lianmeng.tenancy.principal import SYSTEM

    alliances = _alliances(database_url, alliance_id)
    if not alliances:
        console.print("[red]✗[/] no such alliance")
        raise typer.Exit(1)
    table = Table("alliance", "period", "statements", "lines", "result")
    failed = False
    steps = ("statements", "lines", "totals")
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"settling {period}", total=len(alliances) * len(steps))
        for id_, name in alliances:
            done = 0

            def advance(step: str, name: str = name) -> None:
                nonlocal done
                done += 1
                progress.update(task, advance=1, description=f"{name}: {step}")

            try:
                with unit_of_work(database_url) as session:
                    run = service.settle(session, SYSTEM, id_, period, progress=advance)
                    if issue:
                        service.issue_run(session, SYSTEM, run.id)
                    table.add_row(name, run.period, f"{run.statements:,}", f"{run.lines:,}",
                                  "[green]settled[/]" + (", issued" if issue else ""))
            except AppError as error:
                failed = failed or error.code != "period_settled"
                colour = "yellow" if error.code == "period_settled" else "red"
                table.add_row(name, period, "", "", f"[{colour}]{translate(error.code, 'zh-CN', **error.params)}[/]")
            progress.update(task, advance=len(steps) - done)
    console.print(table)
    if failed:
        raise typer.Exit(1)


@settle_app.command("verify")
def settle_verify(period: PeriodOpt, alliance_id: AllianceOpt = None, database_url: DatabaseOpt = None) -> None:
    """Prove the period's statement lines equal the ledger's movements, per account, to the fen (exit 1 if not)."""
    from lianmeng.db import unit_of_work
    from lianmeng.kit.money import format_yuan
    from lianmeng.settlement import repository, service
    from lianmeng.tenancy.principal import SYSTEM

    table = Table("alliance", "period", "accounts", "entries", "ledger", "statements", "result")
    bad = False
    found = False
    for id_, name in _alliances(database_url, alliance_id):
        with unit_of_work(database_url) as session:
            run = repository.run_of(session, id_, period.strip())
            if run is None:
                continue
            found = True
            result = service.verify(session, SYSTEM, run.id)
        bad = bad or not result.ok
        verdict = "[green]✓ equal[/]" if result.ok else f"[red]✗ {len(result.mismatches)} differ[/]"
        table.add_row(name, result.period, f"{result.accounts:,}", f"{result.entries:,}",
                      format_yuan(result.ledger_fen), format_yuan(result.statement_fen), verdict)
        for m in result.mismatches[:20]:
            table.add_row("", "", f"account {m.account_id}", "", format_yuan(m.ledger_fen),
                          format_yuan(m.statement_fen), "[red]differs[/]")
    if not found:
        console.print(f"[red]✗[/] {period} has not been settled")
        raise typer.Exit(1)
    console.print(table)
    if bad:
        console.print(f"[red]✗[/] {period}: statements and ledger differ")
        raise typer.Exit(1)
    console.print(f"[green]✓[/] {period}: statements equal to the fen to the ledger, account by account")



def _refusal(error: Exception) -> None:
    """A refusal in both languages on standard error (standard output may be the export itself)."""
    from lianmeng.kit.errors import AppError
    from lianmeng.kit.i18n import translate

    assert isinstance(error, AppError)
    errors = Console(stderr=True)
    errors.print(f"[red]✗ {translate(error.code, 'zh-CN', **error.params)}[/]")
    errors.print(f"[red]✗ {translate(error.code, 'en', **error.params)}[/]")
    for line in (error.details if isinstance(error.details, list) else [])[:20]:
        errors.print(f"  · {line}")


@app.command("export")
def export_alliance(
    alliance: Annotated[str, typer.Option("--alliance", help="The alliance's code")],
    output: Annotated[str | None, typer.Option(
        "--output", "-o", help="File to write (gzip if it ends in .gz); default: standard output")] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """Export one alliance with all its history (JSON Lines) for `lianmeng import` into another database
    (docs/operations-export.md). Personal data stays encrypted: the target needs the same LIANMENG_SECRET_KEY."""
    from rich.progress import Progress

    from lianmeng.db import pinned_session
    from lianmeng.kit.errors import AppError
    from lianmeng.portability import service

    errors = Console(stderr=True)
    try:  # a read, not a unit of work: no writer lock is taken, the snapshot is rolled back at the end
        with pinned_session(database_url) as session:
            with errors.status("counting the alliance's rows…"):
                scope, header = service.plan_export(session, alliance)
            with service.open_for_writing(output) as out, Progress(console=errors, transient=True) as progress:
                task = progress.add_task(f"exporting {alliance}", total=header.total_rows)
                service.write_export(session, scope, header, out, lambda table, rows: progress.update(
                    task, advance=rows, description=f"exporting {table}"))
    except AppError as error:
        _refusal(error)
        raise typer.Exit(1) from None
    errors.print(f"[green]✓[/] alliance {alliance}: {header.total_rows:,} rows in {len(header.counts)} tables "
                 f"exported (revision {header.revision or '-'}, key {header.key_fingerprint})")


@app.command("import")
def import_alliance(
    file: Annotated[str, typer.Argument(help="An export of `lianmeng export` (gzip or not); - for standard input")],
    verify_only: Annotated[bool, typer.Option(
        "--verify-only", help="Import nothing: check the alliance already in the database against the file")] = False,
    database_url: DatabaseOpt = None,
) -> None:
    """Import one alliance exported by `lianmeng export`, ids kept, in one transaction, then verify it: refuses
    an alliance or ids the database already has, another secret key or another database revision."""
    from rich.progress import Progress

    from lianmeng.db import pinned_session, unit_of_work
    from lianmeng.kit.errors import AppError
    from lianmeng.portability import service

    errors = Console(stderr=True)
    try:
        with service.open_for_reading(file) as lines:
            header = service.read_header(lines)
            if verify_only:  # a read: no unit of work, no writer lock
                with pinned_session(database_url) as session:
                    _, problems = service.verify_existing(session, header)
                for problem in problems:
                    errors.print(f"[red]✗[/] {problem}")
                if problems:
                    raise typer.Exit(1)
                errors.print(f"[green]✓[/] alliance {header.alliance}: row counts equal the export's, postings "
                             "balanced, balances equal their entries, settlement verified")
                return
            with unit_of_work(database_url) as session, Progress(console=errors, transient=True) as progress:
                task = progress.add_task(f"importing {header.alliance}", total=header.total_rows)
                alliance_id = service.import_alliance(session, lines, header, lambda table, rows: progress.update(
                    task, advance=rows, description=f"importing {table}"))
    except AppError as error:
        _refusal(error)
        raise typer.Exit(1) from None
    except FileNotFoundError:
        errors.print(f"[red]✗ 文件不存在 no such file: {file}[/]")
        raise typer.Exit(1) from None
    errors.print(f"[green]✓[/] alliance {header.alliance} imported as id {alliance_id}: {header.total_rows:,} rows "
                 f"in {len(header.counts)} tables; counts, postings, balances and settlement verified")


if __name__ == "__main__":
    app()
