"""Invitation → `lianmeng overlap hash` on the prospect's machine → upload → counts, through the API."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from typer.testing import CliRunner

from lianmeng.cli import app
from lianmeng.db import new_session
from lianmeng.jobs.service import run_all
from lianmeng.kit import clock
from lianmeng.overlap.service import prospect_overlap
from lianmeng.prospects import domain
from lianmeng.prospects.models import OverlapAudit, OverlapCell, OverlapComputation, ProspectMemberDigest
from tests.integration.prospects.conftest import Prospects, phone

API = "/api/v1/prospects"
HEX64 = re.compile(r"[0-9a-fA-F]{64}")
PHONES = [phone(i) for i in range(300)] + [f"13{d}{i:08d}" for d in (5, 6, 9) for i in range(100)]


def invite(p: Prospects, who: str = "operator", candidate: int | None = None) -> dict[str, Any]:
    r = p.world.client.post(f"{API}/invitations", headers=p.world.a.actors[who].headers,
                            json={"candidate_id": candidate or p.candidate_id})
    assert r.status_code == 201, r.text
    return r.json()


def hash_with_cli(tmp_path: Path, salt: str, phones: list[str]) -> bytes:
    customers = tmp_path / "customers.csv"
    customers.write_text("姓名,手机号\n" + "\n".join(f"客户{i},{x}" for i, x in enumerate(phones)) + "\n",
                         encoding="utf-8")
    out = tmp_path / "hashes.csv"
    result = CliRunner().invoke(app, ["overlap", "hash", str(customers), "--salt", salt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def upload(p: Prospects, token: str, body: bytes, **headers: str) -> Any:
    return p.world.client.post(f"{API}/uploads", content=body,
                               headers={"X-Invitation-Token": token, "Content-Type": "text/csv", **headers})


def customers(p: Prospects) -> list[str]:
    """200 of the alliance's members written as people write them, 100 outsiders, a duplicate and a bad line."""
    ours = [f"+86 {phone(i)[:3]} {phone(i)[3:7]} {phone(i)[7:]}" if i % 2 else phone(i) for i in range(200)]
    outsiders = [f"136{i:08d}" for i in range(100)]
    return [*ours, *outsiders, phone(0), "unknown"]


def count(db_url: str, model: Any) -> int:
    with new_session(db_url) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def no_secrets(text: str) -> None:
    """No phone, no hash, no member id in an answer."""
    digits = re.sub(r"[^0-9]", "", text)
    assert not any(x in digits for x in PHONES), text[:300]
    assert not HEX64.search(text), text[:300]
    assert "member_id" not in text


def test_cli_hash_upload_counts(prospects: Prospects, tmp_path: Path, db_url: str) -> None:
    issued = invite(prospects)
    assert issued["members_indexed"] == 303 and issued["status"] == "open"
    hashes = hash_with_cli(tmp_path, issued["salt"], customers(prospects))
    text = hashes.decode()
    assert text.splitlines()[0] == "hash" and len(text.splitlines()) == 301
    assert not any(x in text or x[3:] in text for x in PHONES[:200])  # the uploaded file holds no phone
    r = upload(prospects, issued["token"], hashes)
    assert r.status_code == 201, r.text
    result = r.json()
    no_secrets(r.text)
    assert result["distinct_hashes"] == 300 and result["budget_left"] == domain.QUERY_BUDGET - 1
    assert abs(result["shared"] - 200) <= 40  # the noise is of scale C/ε = 4
    m1, m2, m3 = prospects.world.a.merchants

    r = prospects.world.client.get(f"{API}/candidates/{prospects.candidate_id}/overlap",
                                   headers=prospects.world.a.actors["operator"].headers)
    assert r.status_code == 200
    no_secrets(r.text)
    cells = {c["merchant_id"]: c for c in r.json()["computations"][0]["cells"]}
    assert set(cells) == {m1, m2, m3, None}
    assert abs(cells[m1]["shared"] - 200) <= 40 and abs(cells[m2]["shared"] - 150) <= 40
    assert cells[m3]["shared"] is None and cells[m3]["shown"] == "< 10" and cells[m3]["share_pct"] is None
    assert cells[m1]["base"] == 301 and cells[None]["base"] == 303

    # a merchant's admin sees its own cell and the alliance's, nobody else's
    r = prospects.world.client.get(f"{API}/candidates/{prospects.candidate_id}/overlap",
                                   headers=prospects.world.a.actors["admin2"].headers)
    assert r.status_code == 404  # the operator's prospect is not m2's to read
    own = invite(prospects, "admin1", prospects.m1_candidate_id)
    assert upload(prospects, own["token"], hash_with_cli(tmp_path, own["salt"], customers(prospects))
                  ).status_code == 201
    r = prospects.world.client.get(f"{API}/candidates/{prospects.m1_candidate_id}/overlap",
                                   headers=prospects.world.a.actors["admin1"].headers)
    assert {c["merchant_id"] for c in r.json()["computations"][0]["cells"]} == {m1, None}

    # the seam other parts read (scorecard, recommendations)
    with new_session(db_url) as s:
        operator_view = prospect_overlap(s, prospects.candidate_id, None)
        m3_view = prospect_overlap(s, prospects.candidate_id, m3)
    assert operator_view is not None and operator_view.source == "upload" and operator_view.base == 303
    assert operator_view.shared == result["shared"]
    assert m3_view is not None and m3_view.shared is None

    # the export prints "< 10" too, and no hash
    r = prospects.world.client.get(f"{API}/candidates/{prospects.candidate_id}/overlap.csv",
                                   headers=prospects.world.a.actors["operator"].headers)
    assert r.status_code == 200 and "< 10" in r.content.decode("utf-8-sig")
    no_secrets(r.content.decode("utf-8-sig"))


def test_a_malformed_file_gets_a_per_line_report_and_nothing_is_stored(prospects: Prospects, db_url: str) -> None:
    issued = invite(prospects)
    good = [f"{i:064x}" for i in range(1, 200)]
    body = "\n".join(["hash", *good[:150], "13812345678", good[3], "xyz", good[5] + ",1"]).encode()
    before = [count(db_url, m) for m in (OverlapComputation, OverlapCell, OverlapAudit)]
    r = upload(prospects, issued["token"], body, **{"Accept-Language": "en"})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "overlap_upload_malformed" and "nothing was stored" in error["message"]
    assert [(x["line"], x["problem"]) for x in error["details"]["problems"]] == [
        (152, "phone_not_hash"), (153, "duplicate"), (154, "bad_hash"), (155, "wrong_columns")]
    assert error["details"]["problems"][1]["first_line"] == 5
    assert all(x["message"] for x in error["details"]["problems"])
    assert "13812345678" not in r.text  # the report never repeats a line
    assert [count(db_url, m) for m in (OverlapComputation, OverlapCell, OverlapAudit)] == before


def test_small_uploads_are_refused(prospects: Prospects) -> None:
    issued = invite(prospects)
    for n, code in ((5, "overlap_upload_below_k"), (50, "overlap_upload_too_small")):
        body = ("hash\n" + "\n".join(f"{i:064x}" for i in range(1, n + 1))).encode()
        r = upload(prospects, issued["token"], body)
        assert (r.status_code, r.json()["error"]["code"]) == (422, code)
    assert upload(prospects, "no-such-token", b"hash\n").status_code == 404


def test_the_budget_stops_repetition(prospects: Prospects, tmp_path: Path) -> None:
    """The differencing attacker repeats its upload to average the noise away: the fourth is refused, and a new
    invitation does not reset the budget."""
    issued = invite(prospects)
    known = [phone(i) for i in range(150)]
    padding = [f"135{i:08d}" for i in range(100)]
    target = [phone(299)]
    body = hash_with_cli(tmp_path, issued["salt"], known + padding + target)
    answers = [upload(prospects, issued["token"], body) for _ in range(domain.QUERY_BUDGET)]
    assert [a.status_code for a in answers] == [201] * domain.QUERY_BUDGET
    assert len({a.json()["shared"] for a in answers}) > 1  # fresh noise each time
    r = upload(prospects, issued["token"], body)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "overlap_budget_spent")
    r = prospects.world.client.post(f"{API}/invitations", headers=prospects.world.a.actors["operator"].headers,
                                    json={"candidate_id": prospects.candidate_id})
    assert (r.status_code, r.json()["error"]["code"]) == (403, "overlap_budget_spent")


def test_the_member_index_is_purged_and_the_invitation_closes(prospects: Prospects, db_url: str) -> None:
    issued = invite(prospects)
    assert count(db_url, ProspectMemberDigest) == 303
    assert run_all(db_url).overlap_indexes_purged == 0  # still open: kept
    report = run_all(db_url, at=clock.now() + timedelta(hours=domain.INVITATION_HOURS))
    assert report.overlap_indexes_purged == 1
    assert count(db_url, ProspectMemberDigest) == 0
    assert run_all(db_url, at=clock.now() + timedelta(hours=domain.PURGE_WITHIN_HOURS)).overlap_indexes_purged == 0
    body = ("hash\n" + "\n".join(f"{i:064x}" for i in range(1, 150))).encode()
    r = upload(prospects, issued["token"], body)
    assert (r.status_code, r.json()["error"]["code"]) == (410, "overlap_invitation_expired")
    r = prospects.world.client.get(f"{API}/invitations/{issued['id']}",
                                   headers=prospects.world.a.actors["operator"].headers)
    assert r.json()["index_purged"] is True and "salt" not in r.json() and "token" not in r.json()


def test_a_spent_budget_purges_at_once(prospects: Prospects, db_url: str) -> None:
    issued = invite(prospects)
    body = ("hash\n" + "\n".join(f"{i:064x}" for i in range(1, 150))).encode()
    for _ in range(domain.QUERY_BUDGET):
        assert upload(prospects, issued["token"], body).status_code == 201
    assert run_all(db_url).overlap_indexes_purged == 1
    assert count(db_url, ProspectMemberDigest) == 0


def test_every_computation_is_audited_for_the_operator(prospects: Prospects) -> None:
    issued = invite(prospects)
    body = ("hash\n" + "\n".join(f"{i:064x}" for i in range(1, 150))).encode()
    assert upload(prospects, issued["token"], body).status_code == 201
    client, a = prospects.world.client, prospects.world.a
    r = client.get(f"{API}/audit", headers=a.actors["operator"].headers)
    assert r.status_code == 200
    no_secrets(r.text)
    events = [(e["event"], e["candidate_id"]) for e in r.json()["items"]]
    assert events == [("computed", prospects.candidate_id), ("invited", prospects.candidate_id)]
    computed = r.json()["items"][0]
    assert computed["actor"].startswith("星河瑜伽") and computed["computation_id"] is not None
    assert {c["merchant_id"] for c in computed["detail"]["cells"]} == {*a.merchants, None}
    assert {c["shown"] for c in computed["detail"]["cells"]} == {"< 10"}  # nothing matched: all suppressed
    assert client.get(f"{API}/audit", headers=a.actors["admin1"].headers).status_code == 403
    assert client.get(f"{API}/audit", headers=prospects.world.b.actors["operator"].headers).json()["items"] == []


def test_who_may_invite(prospects: Prospects) -> None:
    client, a = prospects.world.client, prospects.world.a
    body = {"candidate_id": prospects.m1_candidate_id}
    assert client.post(f"{API}/invitations", headers=a.actors["staff1"].headers, json=body).status_code == 403
    assert client.post(f"{API}/invitations", headers=a.actors["admin2"].headers, json=body).status_code == 404
    assert client.post(f"{API}/invitations", headers=prospects.world.b.actors["operator"].headers,
                       json=body).status_code == 404
    for bad in ({"candidate_id": "1"}, {"candidate_id": prospects.candidate_id, "hours": 48}, {}):
        assert client.post(f"{API}/invitations", headers=a.actors["operator"].headers, json=bad).status_code == 422
