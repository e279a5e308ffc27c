"""`lianmeng export` / `lianmeng import`: one alliance with its history moves to another database and back, row for
row; the other alliance stays behind; an import never writes over existing data, nor under another key or
revision, and checks the books before it commits.

On the PostgreSQL pass the round trip is PostgreSQL → SQLite → PostgreSQL (both directions); on the SQLite pass
SQLite → SQLite → SQLite."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from lianmeng.auth.domain import Role
from lianmeng.auth.service import NewUser, create_user
from lianmeng.cli import app
from lianmeng.db import Base, get_engine, pinned_session, unit_of_work
from lianmeng.kit.errors import AppError
from lianmeng.portability import service
from tests.claiming import claim_by_phone
from tests.conftest import World, _wipe
from tests.scenarios.test_monthly_settlement_story import call, january, on

runner = CliRunner()
ALPHA = "alpha"


def history(world: World) -> None:
    """Alliance A's January 2027: an order with commissions (per head and 3 %), a joint card sold and used, a
    campaign cost, a coupon claimed and redeemed into an order, a refund; January settled and issued. Alliance B
    records a sale of its own (it must stay behind)."""
    facts = january(world)
    with on(1, 20):
        template = call(world, "admin2", "POST", "/coupon-templates", {
            "name": "免费车辆检测", "kind": "free_item", "item_name": "车辆检测", "item_value_fen": 30_000,
            "valid_days": 30, "total_stock": 50}, 201)
        link = call(world, "staff1", "POST", "/claim-links", {"template_id": template["id"]}, 201)
        claimed = claim_by_phone(world.client, link["token"], "13688886666", name="陈先生", accept_terms=True)
        assert claimed.status_code == 201, claimed.text
        arrival = call(world, "staff2", "POST", "/coupons/redeem", {"code": claimed.json()["coupon"]["code"]}, 201)
        call(world, "staff2", "POST", f"/redemptions/{arrival['id']}/order", {
            "external_id": "SVC-0120", "amount_fen": 50_000}, 201)
        call(world, "staff2", "POST", f"/orders/{facts['order']['id']}/refunds",
             {"external_id": "RF-0120", "amount_fen": 5_000, "reason": "部分项目未做"}, 201)
    with on(2, 1, 1):
        run = call(world, "operator", "POST", "/settlement/runs", {"period": "2027-01"}, 201)
        call(world, "operator", "POST", f"/settlement/runs/{run['id']}/issue")
        beta = world.b.merchants[0]
        r = world.client.post("/api/v1/orders", headers=world.b.actors["staff1"].headers, json={
            "external_id": "B-1", "member_id": world.b.members[beta], "amount_fen": 9_900})
        assert r.status_code == 201, r.text


def export(url: str, path: Path) -> service.Header:
    with pinned_session(url) as session:
        scope, header = service.plan_export(session, ALPHA)
        with service.open_for_writing(str(path)) as out:
            service.write_export(session, scope, header, out)
        return header


def import_(url: str, path: Path) -> int:
    with service.open_for_reading(str(path)) as lines, unit_of_work(url) as session:
        return service.import_alliance(session, lines, service.read_header(lines))


def body(path: Path) -> list[Any]:
    """The file's tables and rows, without its header (whose created_at differs)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as text:
        return [json.loads(line) for line in text.readlines()[1:]]


def rows_by_table(path: Path) -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, list[dict[str, Any]]] = {}
    columns: list[str] = []
    for item in body(path):
        if isinstance(item, dict):
            columns = item["columns"]
            tables[item["table"]] = []
        else:
            tables[list(tables)[-1]].append(dict(zip(columns, item, strict=True)))
    return tables


def rewrite_header(path: Path, target: Path, **changes: Any) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    target.write_text(json.dumps({**json.loads(lines[0]), **changes}) + "\n" + "".join(lines[1:]), encoding="utf-8")


@pytest.fixture
def other_url(tmp_path: Path) -> str:
    """A second, empty database: SQLite (the test database is PostgreSQL on the PostgreSQL pass)."""
    url = f"sqlite:///{tmp_path / 'other.db'}"
    Base.metadata.create_all(get_engine(url))
    return url


def table_counts(url: str) -> dict[str, int]:
    with get_engine(url).connect() as conn:
        return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar() or 0)
                for t in Base.metadata.sorted_tables}


def empty(engine: Engine) -> None:
    """Every table emptied as between tests (tests/conftest.py `_wipe`: append-only tables by TRUNCATE on
    PostgreSQL, their trigger refuses DELETE)."""
    _wipe(engine)


def test_an_alliance_goes_there_and_back_row_for_row_and_the_other_stays(
        world: World, db_url: str, other_url: str, engine: Engine, tmp_path: Path) -> None:
    history(world)
    members = Base.metadata.tables["members"]
    with engine.begin() as conn:  # a member merged into a later one: a row pointing to a row after it
        first_id, last_id = conn.execute(select(func.min(members.c.id), func.max(members.c.id)).where(
            members.c.alliance_id == world.a.alliance_id)).one()
        conn.execute(members.update().where(members.c.id == first_id).values(merged_into_id=last_id))
    first, second, third = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    header = export(db_url, first)
    exported = rows_by_table(first)

    # every table of the alliance's history is there, with its rows; nothing of alliance B, nor platform rows
    for name in ("orders", "refunds", "coupons", "coupon_redemptions", "rebates", "ledger_entries", "stores",
                 "settlement_statements", "settlement_lines", "joint_card_items", "points_grants", "members"):
        assert exported[name], name
    assert [row["code"] for row in exported["alliances"]] == [ALPHA]
    assert all(row["alliance_id"] == world.a.alliance_id for rows in exported.values() for row in rows
               if "alliance_id" in row and row["alliance_id"] is not None)
    assert {row["merchant_id"] for row in exported["stores"]} == set(world.a.merchants)
    assert "platform" not in {row["username"] for row in exported["platform_users"]}
    assert "platform_idempotency_keys" not in exported and "platform_revoked_tokens" not in exported
    assert {name: len(rows) for name, rows in exported.items()} == header.counts
    assert {row["id"]: row["merged_into_id"] for row in exported["members"]}[first_id] == last_id

    # there (another engine on the PostgreSQL pass) and out again: the same rows, value for value
    import_(other_url, first)
    export(other_url, second)
    assert body(second) == body(first)
    assert sum(table_counts(other_url).values()) == header.total_rows

    # and back into the emptied first database: the same rows again, and the application goes on numbering
    empty(engine)
    import_(db_url, second)
    export(db_url, third)
    assert body(third) == body(first)
    with on(2, 2):
        again = call(world, "staff2", "POST", "/orders", {
            "external_id": "SVC-0202", "member_id": world.a.members[world.a.merchants[0]], "amount_fen": 1_000}, 201)
    assert again["id"] > max(row["id"] for row in exported["orders"])


def test_an_import_refuses_existing_data_another_key_another_revision_a_cut_file_and_bad_books(
        world: World, db_url: str, other_url: str, tmp_path: Path) -> None:
    history(world)
    original = tmp_path / "alpha.jsonl"
    export(db_url, original)
    before = table_counts(db_url)

    def refused(url: str, path: Path) -> str:
        with pytest.raises(AppError) as caught:
            import_(url, path)
        return caught.value.code

    assert refused(db_url, original) == "import_alliance_exists"
    renamed = tmp_path / "renamed.jsonl"
    rewrite_header(original, renamed, alliance="gamma")  # a new code, but the ids are taken
    assert refused(db_url, renamed) == "import_ids_taken"
    assert table_counts(db_url) == before

    for changes, code in (({"key_fingerprint": "0123456789abcdef"}, "import_key_mismatch"),
                          ({"revision": "0001"}, "import_revision_mismatch"),
                          ({"version": 99}, "import_not_an_export")):
        changed = tmp_path / "changed.jsonl"
        rewrite_header(original, changed, **changes)
        assert refused(other_url, changed) == code

    with unit_of_work(other_url) as other:  # another login already has the alliance operator's username
        create_user(other, None, NewUser("op-alpha", "correct-horse-9", Role.PLATFORM_ADMIN))
    assert refused(other_url, original) == "import_collides"
    empty(get_engine(other_url))

    lines = original.read_text(encoding="utf-8").splitlines(keepends=True)
    cut = tmp_path / "cut.jsonl"
    cut.write_text("".join(lines[:len(lines) // 2]), encoding="utf-8")
    assert refused(other_url, cut) == "import_truncated"

    # a ledger entry altered in the file: the posting no longer balances, the import is rolled back
    tables = [json.loads(line) for line in lines]
    start = next(i for i, item in enumerate(tables) if isinstance(item, dict) and item.get("table") == "ledger_entries")
    amount = tables[start]["columns"].index("amount")
    tables[start + 1][amount] += 1
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("".join(json.dumps(item, ensure_ascii=False) + "\n" for item in tables), encoding="utf-8")
    assert refused(other_url, tampered) == "import_verify_failed"
    assert sum(table_counts(other_url).values()) == 0


def test_the_commands_export_to_a_file_or_standard_output_and_verify(
        world: World, db_url: str, other_url: str, tmp_path: Path) -> None:
    path = tmp_path / "alpha.jsonl.gz"
    done = runner.invoke(app, ["export", "--alliance", ALPHA, "-o", str(path), "--database-url", db_url])
    assert done.exit_code == 0, done.output
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    piped = runner.invoke(app, ["export", "--alliance", ALPHA, "--database-url", db_url])
    assert piped.exit_code == 0 and json.loads(piped.stdout.splitlines()[0])["alliance"] == ALPHA
    missing = runner.invoke(app, ["export", "--alliance", "nobody", "--database-url", db_url])
    assert missing.exit_code == 1 and "nobody" in missing.output

    imported = runner.invoke(app, ["import", str(path), "--database-url", other_url])
    assert imported.exit_code == 0, imported.output
    checked = runner.invoke(app, ["import", str(path), "--verify-only", "--database-url", other_url])
    assert checked.exit_code == 0 and "row counts equal" in checked.output
    again = runner.invoke(app, ["import", str(path), "--database-url", other_url])
    assert again.exit_code == 1 and "never overwrites" in again.output
