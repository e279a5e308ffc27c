"""`lianmeng bench http`: the real-time core over HTTP, served the way production serves it.

A PostgreSQL database of its own (created fresh, migrations applied, the demo alliance loaded by `lianmeng demo`;
or a minimal alliance of one merchant for quick runs), `lianmeng serve` in a subprocess, a bearer token for a
merchant's store staff, then wrk (a C load generator: it does not steal the server's Python CPU) drives
`POST /api/v1/orders` — one order per request, a unique external id and Idempotency-Key each, from a Lua script
generated per run — and then `POST /api/v1/coupons/redeem` with coupon codes issued beforehand, one per request.
The server's memory (its process tree's RSS) is sampled all along. pgbench TPC-B runs last, with the same clients
and seconds, on the same PostgreSQL server (the functions of `bench orders`), once our server has stopped.

Loading the demo is slow (minutes): the loaded database is kept as a template (`lianmeng_bench_http_seed_…`, per
migration head and demo scale) and each run's fresh database is a copy of it (seconds).
"""

from __future__ import annotations

import json
import math
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from lianmeng import migrate
from lianmeng.auth.domain import Role
from lianmeng.auth.models import User
from lianmeng.bench.orders import BenchConfig, BenchError, Listener, Quiet, pgbench_path, run_pgbench
from lianmeng.coupons.models import Coupon, CouponTemplate
from lianmeng.coupons.schemas import IssueIn, TemplateCreate
from lianmeng.coupons.service import CODE_ALPHABET, CODE_LENGTH
from lianmeng.db import get_engine
from lianmeng.members.models import Membership
from lianmeng.tenancy import Principal

DEMO_USER = "tesla-sa"  # the demo's first merchant's shopping guide (store staff)
BENCH_USER = "bench-http-sa"
FRESH_DB = "lianmeng_bench_http"
SEED_PREFIX = "lianmeng_bench_http_seed"
MEMBERS = 500  # members the orders are spread over
READY_SECONDS = 120
BENCH_JSON = "BENCH_JSON "


@dataclass(frozen=True)
class HttpBenchConfig:
    database_url: str  # a PostgreSQL URL: its server gets the fresh database (or, with fresh=False, used as is)
    clients: int = 8
    seconds: int = 15
    workers: int = 1  # passed to `lianmeng serve --workers` only when above 1
    fresh: bool = True
    demo: bool = True  # the demo alliance (else a minimal one: one merchant, its store staff, MEMBERS members)
    demo_scale: float = 1.0
    baseline: bool = True
    keep: bool = False  # keep the fresh database afterwards
    migrate: bool = True  # apply migrations (off for a schema made without Alembic, like the tests')

    def __post_init__(self) -> None:
        if self.clients < 1 or self.seconds < 1 or self.workers < 1:
            raise BenchError("clients, seconds and workers must be at least 1")
        if make_url(self.database_url).get_backend_name() != "postgresql":
            raise BenchError("bench http needs PostgreSQL (production's database)")

    @property
    def threads(self) -> int:
        return min(self.clients, 2)  # wrk threads: two cores here, and the server needs them more


@dataclass(frozen=True)
class WrkRun:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    non_2xx: int
    socket_errors: int
    sample: str  # the first non-2xx answer, if any (status and body, cut)

    @property
    def per_s(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class HttpBenchResult:
    clients: int
    seconds: int
    workers: int
    threads: int
    orders: WrkRun
    redeems: WrkRun
    coupons_issued: int
    pgbench_tps: float | None
    rss_mb_boot: float
    rss_mb_start: float
    rss_mb_end: float
    rss_mb_max: float
    rss_samples: list[tuple[float, float]] = field(default_factory=list)
    fixture: str = "demo"

    @property
    def ratio(self) -> float | None:
        return self.orders.per_s / self.pgbench_tps if self.pgbench_tps else None

    def as_json(self) -> dict[str, Any]:
        def r(x: float | None, n: int = 2) -> float | None:
            return None if x is None else round(x, n)

        return {
            "orders_per_s": r(self.orders.per_s, 1), "redeems_per_s": r(self.redeems.per_s, 1),
            "p50_ms": r(self.orders.p50_ms), "p99_ms": r(self.orders.p99_ms),
            "redeem_p50_ms": r(self.redeems.p50_ms), "redeem_p99_ms": r(self.redeems.p99_ms),
            "pgbench_tps": r(self.pgbench_tps, 1), "ratio": r(self.ratio, 4),
            "rss_mb": r(self.rss_mb_end, 1), "rss_mb_boot": r(self.rss_mb_boot, 1),
            "rss_mb_start": r(self.rss_mb_start, 1), "rss_mb_end": r(self.rss_mb_end, 1),
            "rss_mb_max": r(self.rss_mb_max, 1),
            "non_2xx": self.orders.non_2xx + self.redeems.non_2xx,
            "socket_errors": self.orders.socket_errors + self.redeems.socket_errors,
            "orders": self.orders.requests, "redeems": self.redeems.requests, "coupons_issued": self.coupons_issued,
            "clients": self.clients, "seconds": self.seconds, "workers": self.workers, "wrk_threads": self.threads,
            "fixture": self.fixture,
        }


def run_http_bench(config: HttpBenchConfig, listener: Listener | None = None) -> HttpBenchResult:
    step = listener or Quiet()
    wrk = shutil.which("wrk")
    if wrk is None:
        raise BenchError("wrk not found (Debian: apt-get install wrk; `make system-deps`)")
    pgbench = pgbench_path() if config.baseline else None
    url = _prepare_database(config, step)
    workdir = Path(tempfile.mkdtemp(prefix="lianmeng-bench-http-"))
    try:
        user, password, members = _caller(url, config.demo)
        port = _free_port()
        server = _start_server(url, port, config.workers, workdir, step)
        sampler = RssSampler(server.pid)
        try:
            base = f"http://127.0.0.1:{port}"
            token = _login(base, user, password)
            boot = sampler.sample()
            step.phase("预热 warm-up", total=None)
            _wrk(wrk, base, _orders_script(workdir, "warm", token, members, config.threads), 1,
                 config.clients, config.threads)
            sampler.start()
            start = sampler.sample()
            step.phase(f"wrk POST /orders × {config.clients}", total=config.seconds)
            orders = _wrk(wrk, base, _orders_script(workdir, "o", token, members, config.threads), config.seconds,
                          config.clients, config.threads, step)
            step.phase("发券 issuing coupons", total=None)
            wanted = min(200_000, math.ceil(orders.per_s * config.seconds * 2) + 200)
            codes = issue_codes(url, user, wanted)
            step.phase(f"wrk POST /coupons/redeem × {config.clients}", total=config.seconds)
            redeems = _wrk(wrk, base, _redeem_script(workdir, token, codes, config.threads), config.seconds,
                           config.clients, config.threads, step)
            end = sampler.stop()
        finally:
            _stop(server)
        tps = None
        if pgbench is not None:
            tps = run_pgbench(pgbench, BenchConfig(database_url=url, workers=config.clients,
                                                   seconds=config.seconds), step)
        return HttpBenchResult(
            clients=config.clients, seconds=config.seconds, workers=config.workers, threads=config.threads,
            orders=orders, redeems=redeems, coupons_issued=len(codes), pgbench_tps=tps, rss_mb_boot=boot,
            rss_mb_start=start, rss_mb_end=end, rss_mb_max=max([end, *(mb for _, mb in sampler.samples)]),
            rss_samples=sampler.samples, fixture="demo" if config.demo else "minimal")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if config.fresh and not config.keep:
            _drop(config.database_url, make_url(url).database or FRESH_DB)


# --- the database -------------------------------------------------------------------------------------------


def _admin(url: str) -> Any:
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)


def _url_of(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def _drop(url: str, database: str) -> None:
    admin = _admin(url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _prepare_database(config: HttpBenchConfig, step: Listener) -> str:
    """The database the server will use: as given (fresh=False: migrated, the fixture added if missing), or a
    fresh copy of a kept seed database (built once: migrations, then the demo or the minimal alliance)."""
    if not config.fresh:
        if config.migrate:
            step.phase("迁移 migrations", total=None)
            migrate.upgrade(config.database_url)
        _ensure_fixture(config.database_url, config, step)
        return config.database_url
    head = migrate.head_revision(config.database_url)
    kind = f"demo{config.demo_scale:g}".replace(".", "_") if config.demo else "minimal"
    seed = f"{SEED_PREFIX}_{head}_{kind}"
    admin = _admin(config.database_url)
    try:
        with admin.connect() as conn:
            have = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": seed})
            if not have:
                step.phase("建库 seed database (once)", total=None)
                conn.execute(text(f'DROP DATABASE IF EXISTS "{seed}_build" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{seed}_build"'))
                build = _url_of(config.database_url, f"{seed}_build")
                step.phase("迁移 migrations", total=None)
                migrate.upgrade(build)
                _ensure_fixture(build, config, step)
                get_engine(build).dispose()  # migrate's cached engine: no session may stay on a template
                conn.execute(text(f'ALTER DATABASE "{seed}_build" RENAME TO "{seed}"'))
            step.phase("复制 fresh database", total=None)
            conn.execute(text(f'DROP DATABASE IF EXISTS "{FRESH_DB}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{FRESH_DB}" TEMPLATE "{seed}"'))
    finally:
        admin.dispose()
    return _url_of(config.database_url, FRESH_DB)


def _lianmeng(*args: str) -> list[str]:
    """The `lianmeng` command, run by this Python (whatever is on PATH)."""
    return [sys.executable, "-c", "import sys; from lianmeng.cli import app; sys.exit(app(prog_name='lianmeng'))",
            *args]


def _ensure_fixture(url: str, config: HttpBenchConfig, step: Listener) -> None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with Session(engine) as session:
            wanted = DEMO_USER if config.demo else BENCH_USER
            if session.scalar(select(User.id).where(User.username == wanted)) is not None:
                return
        if config.demo:
            step.phase("lianmeng demo", total=None)
            done = subprocess.run(_lianmeng("demo", "--database-url", url, "--scale", f"{config.demo_scale:g}"),
                                  capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise BenchError(f"lianmeng demo failed: {(done.stdout + done.stderr)[-800:]}")
            return
        _minimal_fixture(url, sessionmaker(engine))
    finally:
        engine.dispose()


def _minimal_fixture(url: str, factory: sessionmaker[Session]) -> None:
    """One merchant with a store, its guide (a store-staff login with the demo password) and MEMBERS members."""
    from lianmeng.auth.service import hash_password
    from lianmeng.bench.orders import create_fixture
    from lianmeng.demo.data import PASSWORD

    fixture = create_fixture(factory, BenchConfig(database_url=url, workers=1, members_per_worker=MEMBERS))
    lane = fixture.lanes[0]
    with factory() as session:
        session.add(User(username=BENCH_USER, display_name="压测导购", password_hash=hash_password(PASSWORD),
                         role=Role.STORE_STAFF.value, alliance_id=lane.alliance_id, merchant_id=lane.merchant_id,
                         staff_id=lane.staff_id))
        session.commit()


def _caller(url: str, demo: bool) -> tuple[User, str, list[int]]:
    """The store-staff login the bench acts as, its password, and members of its merchant."""
    from lianmeng.demo.data import PASSWORD

    engine = create_engine(url, poolclass=NullPool)
    try:
        with Session(engine, expire_on_commit=False) as session:
            user = session.scalars(select(User).where(User.username == (DEMO_USER if demo else BENCH_USER))).one()
            members = list(session.scalars(select(Membership.member_id).where(
                Membership.merchant_id == user.merchant_id).order_by(Membership.member_id).limit(MEMBERS)))
            session.expunge(user)
    finally:
        engine.dispose()
    if not members:
        raise BenchError(f"{user.username}'s merchant has no members")
    return user, PASSWORD, members


def issue_codes(url: str, user: User, count: int) -> list[str]:
    """`count` coupons of a template of the caller's merchant, claimed, one use each, for its members: a template
    and one coupon through the services, then copies of that coupon with fresh codes in one INSERT … SELECT."""
    from lianmeng.coupons import service as coupons
    from lianmeng.coupons.domain import CouponKind

    assert user.merchant_id is not None and user.alliance_id is not None
    admin = Principal(kind="user", id=user.id, role=Role.MERCHANT_ADMIN, alliance_id=user.alliance_id,
                      merchant_id=user.merchant_id, label="bench")
    staff = Principal(kind="user", id=user.id, role=Role.STORE_STAFF, alliance_id=user.alliance_id,
                      merchant_id=user.merchant_id, staff_id=user.staff_id, label="bench")
    engine = create_engine(url, poolclass=NullPool)
    try:
        with Session(engine) as session:
            members = list(session.scalars(select(Membership.member_id).where(
                Membership.merchant_id == user.merchant_id).order_by(Membership.member_id).limit(MEMBERS)))
            template = coupons.create_template(session, admin, TemplateCreate(
                name=f"压测券 {secrets.token_hex(3)}", kind=CouponKind.AMOUNT_OFF, amount_fen=500,
                valid_days=30, per_member_limit=1000))
            first = coupons.issue(session, staff, IssueIn(template_id=template.id, member_id=members[0]))
            codes = sorted(_new_codes(count - 1))
            table = Coupon.__table__
            copied = [c.name for c in table.columns if c.name not in ("id", "code", "member_id")]
            session.execute(text(
                f"INSERT INTO coupons ({', '.join(copied)}, code, member_id) "
                f"SELECT {', '.join('c.' + c for c in copied)}, n.code, "
                "  (CAST(:members AS integer[]))[CAST(1 + n.i % cardinality(CAST(:members AS integer[])) AS integer)] "
                "FROM coupons c, unnest(CAST(:codes AS text[])) WITH ORDINALITY AS n(code, i) WHERE c.id = :id "
                "ON CONFLICT (code) DO NOTHING"), {"members": members, "codes": codes, "id": first.id})
            session.execute(update(CouponTemplate).where(CouponTemplate.id == template.id)
                            .values(issued_count=CouponTemplate.issued_count + len(codes)))
            out = [first.code, *session.scalars(select(Coupon.code).where(Coupon.template_id == template.id,
                                                                         Coupon.id != first.id))]
            session.commit()
            return out
    finally:
        engine.dispose()


def _new_codes(count: int) -> set[str]:
    codes: set[str] = set()
    while len(codes) < count:
        codes.add("".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)))
    return codes


# --- the server ----------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(url: str, port: int, workers: int, workdir: Path, step: Listener) -> subprocess.Popen[bytes]:
    """`lianmeng serve` as production starts it (jobs on, a real secret), its output to a log file."""
    step.phase("lianmeng serve", total=None)
    env = dict(os.environ)
    env.pop("LIANMENG_ENV", None)
    env.setdefault("LIANMENG_SECRET_KEY", secrets.token_urlsafe(48))  # serve refuses the public dev secret
    args = ["serve", "--host", "127.0.0.1", "--port", str(port), "--database-url", url]
    if workers > 1:
        args += ["--workers", str(workers)]
    log = (workdir / "server.log").open("wb")
    server = subprocess.Popen(_lianmeng(*args), env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"lianmeng serve exited ({server.returncode}): "
                             f"{(workdir / 'server.log').read_text(errors='replace')[-800:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    _stop(server)
    raise BenchError(f"lianmeng serve did not answer within {READY_SECONDS} s")


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _login(base: str, user: User, password: str) -> str:
    request = urllib.request.Request(f"{base}/api/v1/auth/login", method="POST",
                                     data=json.dumps({"username": user.username, "password": password}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return str(json.load(answer)["access_token"])


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
    return pids


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants (uvicorn workers), in MiB, from /proc."""
    total_kb = 0
    for each in _tree(pid):
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


class RssSampler:
    """The server tree's RSS every half second while the load runs: (seconds since start, MiB)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-rss", daemon=True)
        self._began = time.monotonic()

    def sample(self) -> float:
        return rss_mb(self.pid)

    def start(self) -> None:
        self._began = time.monotonic()
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.samples.append((round(time.monotonic() - self._began, 1), self.sample()))

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.sample()


# --- wrk ------------------------------------------------------------------------------------------------------

LUA_COMMON = """
local threads = {}
local tid, counter, non2xx, sampled = 0, 0, 0, false

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if not sampled then
      sampled = true
      local f = io.open(SAMPLE .. tid, "w")
      if f then f:write(status .. " " .. string.sub(body or "", 1, 400)) f:close() end
    end
  end
end

local function next_index()
  counter = counter + 1
  return tid + (counter - 1) * THREADS
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (tonumber(t:get("non2xx")) or 0) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%.1f,"p99_us":%.1f,"max_us":%.1f,"non_2xx":%d,'
    .. '"socket_errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50.0), latency:percentile(99.0), latency.max, bad,
    e.connect + e.read + e.write + e.timeout))
end
"""


def _lua_list(values: Sequence[int | str]) -> str:
    return "{" + ",".join(json.dumps(v) for v in values) + "}"


def _headers(token: str) -> str:
    return ('{["Content-Type"] = "application/json", ["Authorization"] = "Bearer ' + token + '", '
            '["Idempotency-Key"] = key}')


def _orders_script(workdir: Path, tag: str, token: str, members: Sequence[int], threads: int) -> Path:
    """One order per request: external id and Idempotency-Key unique to the run, members in turn."""
    run = f"{tag}{secrets.token_hex(4)}"
    script = workdir / f"orders-{run}.lua"
    script.write_text(
        f"local THREADS = {threads}\nlocal SAMPLE = {json.dumps(str(workdir / f'sample-{script.stem}-'))}\n"
        f"local members = {_lua_list(members)}\n{LUA_COMMON}\n"
        "function request()\n"
        "  local n = next_index()\n"
        f"  local key = \"{run}-\" .. n\n"
        "  local body = string.format('{\"external_id\":\"%s\",\"member_id\":%d,\"amount_fen\":%d}', key,\n"
        "    members[(n % #members) + 1], 1000 + (n % 97) * 100)\n"
        f"  return wrk.format(\"POST\", \"/api/v1/orders\", {_headers(token)}, body)\n"
        "end\n")
    return script


def _redeem_script(workdir: Path, token: str, codes: Sequence[str], threads: int) -> Path:
    """One coupon per request, from a file of codes issued beforehand (a code never used twice)."""
    codes_file = workdir / "codes.txt"
    codes_file.write_text("\n".join(codes) + "\n")
    script = workdir / "redeem.lua"
    script.write_text(
        f"local THREADS = {threads}\nlocal SAMPLE = {json.dumps(str(workdir / f'sample-{script.stem}-'))}\n"
        f"local codes = {{}}\nfor line in io.lines({json.dumps(str(codes_file))}) do codes[#codes + 1] = line end\n"
        f"{LUA_COMMON}\n"
        "function request()\n"
        "  local n = next_index()\n"
        "  local code = codes[n + 1] or 'EXHAUSTED'\n"
        "  local key = 'redeem-' .. code\n"
        "  local body = string.format('{\"code\":\"%s\"}', code)\n"
        f"  return wrk.format(\"POST\", \"/api/v1/coupons/redeem\", {_headers(token)}, body)\n"
        "end\n")
    return script


def _wrk(exe: str, base: str, script: Path, seconds: int, clients: int, threads: int,
         step: Listener | None = None) -> WrkRun:
    args = [exe, "-t", str(threads), "-c", str(clients), "-d", f"{seconds}s", "--timeout", "10s", "--latency",
            "-s", str(script), base]
    started = time.monotonic()
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        while True:
            try:
                out, err = process.communicate(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if step is not None:
                    step.tick(time.monotonic() - started, 0)
    line = next((x for x in out.splitlines() if x.startswith(BENCH_JSON)), None)
    if process.returncode != 0 or line is None:
        raise BenchError(f"wrk failed ({process.returncode}): {(out + err)[-800:]}")
    data = json.loads(line[len(BENCH_JSON):])
    samples = sorted(script.parent.glob(f"sample-{script.stem}-*"))
    return WrkRun(requests=int(data["requests"]), seconds=data["duration_us"] / 1e6, p50_ms=data["p50_us"] / 1000,
                  p99_ms=data["p99_us"] / 1000, max_ms=data["max_us"] / 1000, non_2xx=int(data["non_2xx"]),
                  socket_errors=int(data["socket_errors"]),
                  sample=samples[0].read_text(errors="replace") if samples and data["non_2xx"] else "")
