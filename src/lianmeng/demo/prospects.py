"""The demo's prospect (潜在伙伴) with an uploaded overlap: a premium yoga studio outside the alliance, invited by the
operator, whose customer list shares some phones with the demo members. Its list is hashed exactly as
`lianmeng overlap hash` would hash it on the studio's own machine, and uploaded through the same service."""

from __future__ import annotations

import random

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.kit import crypto
from lianmeng.members.domain import PENDING
from lianmeng.members.models import Member
from lianmeng.partners.models import Candidate
from lianmeng.prospects import domain, service
from lianmeng.tenancy.principal import SYSTEM

SHARED_CUSTOMERS = 400  # demo members on the studio's list
OUTSIDERS = 600  # its other customers


def add_prospect_upload(session: Session, alliance_id: int, rng: random.Random) -> int:
    """Add the prospect, its invitation and one computed upload; returns the candidate's id."""
    candidate = Candidate(
        alliance_id=alliance_id, name="悦心瑜伽会所", industry="fitness", brand_tags=["高端", "女性"],
        years_in_business=6, store_count=3, store_count_trend="growing", rating=4.7, rating_source="dianping",
        satisfaction_pct=92, complaints=2, has_member_system=True, shares_deidentified_data=True,
        status="watching", notes="示例:已上传客户重合度 demo: overlap uploaded")
    session.add(candidate)
    session.flush()
    issued = service.invite(session, SYSTEM, candidate.id)
    key = domain.salt_key(issued.salt)
    assert key is not None
    encrypted = session.scalars(select(Member.phone_enc).where(Member.alliance_id == alliance_id,
                                                               Member.status != PENDING).order_by(Member.id)).all()
    ours = [domain.member_e164(crypto.decrypt(e)) for e in rng.sample(list(encrypted),
                                                                      min(SHARED_CUSTOMERS, len(encrypted)))]
    outsiders = [f"+86150{rng.randrange(10**8):08d}" for _ in range(OUTSIDERS)]
    lines = domain.hash_file_lines(key, sorted(set(ours + outsiders)))
    service.upload(session, issued.token, ("\n".join(lines) + "\n").encode(),
                   rng=np.random.default_rng(rng.randrange(2**32)))
    return candidate.id
