"""Timing a prospect's upload against an alliance already in the database (`lianmeng bench overlap` reports it as
`upload_s`; goal ≤ 5 s for 100,000 hashes against up to 2 M members).

The invitation is made first and not timed: hashing the alliance's members under its salt is the invitation's work
(`invite_s` in `time_invitation_and_upload`). Half the uploaded hashes are members' (their phones hashed under the
invitation's salt, exactly as the prospect's CLI would hash them), half match nobody. The timed part is
what a prospect's request does: read and check the file, spend a query, join, count, noise, write the cells and the
audit, commit.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from sqlalchemy import select, text

from lianmeng.db import get_engine, unit_of_work
from lianmeng.kit import crypto
from lianmeng.members.models import Member
from lianmeng.partners.models import Candidate
from lianmeng.prospects import domain, repository, service
from lianmeng.prospects.domain import HASH_HEADER
from lianmeng.tenancy.principal import SYSTEM


@dataclass(frozen=True)
class UploadTiming:
    invite_s: float  # making the invitation: the alliance's members hashed under its salt
    upload_s: float  # the upload of n hashes, computed and committed
    members_indexed: int
    hashes: int


def time_invitation_and_upload(database_url: str, alliance_id: int, n: int = 100_000) -> UploadTiming:
    started = time.perf_counter()
    with unit_of_work(database_url) as session:
        candidate = Candidate(alliance_id=alliance_id, name=f"bench prospect {secrets.token_hex(3)}",
                              industry="fitness", brand_tags=[])
        session.add(candidate)
        session.flush()
        issued = service.invite(session, SYSTEM, candidate.id)
        invitation_id, token = issued.invitation.id, issued.token
        indexed = issued.invitation.members_indexed
    invite_s = time.perf_counter() - started
    key = domain.salt_key(issued.salt)
    assert key is not None
    with unit_of_work(database_url) as session:
        phones = session.scalars(select(Member.phone_enc).where(Member.alliance_id == alliance_id)
                                 .order_by(Member.id).limit(n // 2)).all()
    hashes = {domain.overlap_digest(key, domain.member_e164(crypto.decrypt(p))).hex() for p in phones}
    while len(hashes) < n:
        hashes.add(secrets.token_hex(32))
    raw = ("\n".join([HASH_HEADER, *sorted(hashes)]) + "\n").encode()
    started = time.perf_counter()
    with unit_of_work(database_url) as session:
        service.upload(session, token, raw)
    upload_s = time.perf_counter() - started
    with unit_of_work(database_url) as session:  # the bench leaves no member index behind
        repository.delete_digests(session, alliance_id, invitation_id)
    return UploadTiming(round(invite_s, 3), round(upload_s, 3), indexed, n)


def time_upload(database_url: str, alliance_id: int, n: int = 100_000) -> float:
    """Seconds to upload n prospect hashes against the alliance (the invitation is made first, untimed)."""
    return time_invitation_and_upload(database_url, alliance_id, n).upload_s


def give_members_phones(database_url: str, alliance_id: int) -> int:
    """Members generated without a phone (`lianmeng bench overlap` writes a placeholder) get one, stored as the
    platform stores phones (encrypted, keyed lookup hash, masked), so an invitation can index them. Returns how many.
    Set-based: the rows are encrypted here and copied into a temporary table, then one UPDATE joins them."""
    engine = get_engine(database_url)
    with engine.begin() as conn:
        ids = conn.execute(text("SELECT id FROM members WHERE alliance_id = :a AND phone_enc = '' ORDER BY id"),
                           {"a": alliance_id}).scalars().all()
        if not ids:
            return 0
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE bench_phones (id integer PRIMARY KEY, enc text, hash text, masked text)"
                           " ON COMMIT DROP")
            with cursor.copy("COPY bench_phones (id, enc, hash, masked) FROM STDIN") as copy:
                for member_id in ids:
                    phone = f"139{member_id % 100_000_000:08d}"
                    copy.write_row((member_id, crypto.encrypt(phone), crypto.lookup_hash(phone),
                                    f"{phone[:3]}****{phone[-4:]}"))
        conn.execute(text("UPDATE members m SET phone_enc = b.enc, phone_hash = b.hash, phone_masked = b.masked "
                          "FROM bench_phones b WHERE m.id = b.id"))
    return len(ids)
