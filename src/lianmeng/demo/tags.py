"""The demo's tags: the alliance's taxonomy, rule tags applied from the referral history, a few tags the service
centre's staff added at the counter (seed 000 mode 4's signals: a child seat seen during a service), and interests
some members declared on the member page."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.kit import clock
from lianmeng.members.domain import PENDING
from lianmeng.members.models import Member
from lianmeng.merchants.models import Staff
from lianmeng.tags import service
from lianmeng.tags.domain import TagSource
from lianmeng.tags.models import MemberTag

STAFF_TAGS = (("child_seat", "保养时看到后排装了儿童安全座椅"), ("nev_owner", "车主开 Model Y,问了家充桩"),
              ("young_parents", "到店时带着婴儿推车"), ("parenting", "问起附近的早教机构"))
STAFF_TAGGED = 24  # members of the service centre tagged by its staff
DECLARING = 60  # members who ticked interests on the member page
INTERESTS = ("fitness", "parenting", "dining", "travel", "beauty", "education")


def add_tags(session: Session, alliance_id: int, centre_id: int, rng: random.Random) -> dict[str, int]:
    """Returns how many tags of each source the demo holds."""
    tags = {t.code: t for t in service.ensure_taxonomy(session, alliance_id)}
    applied = service.apply_rules(session, alliance_id)
    now = clock.now()
    centre_members = list(session.scalars(select(Member.id).where(
        Member.alliance_id == alliance_id, Member.origin_merchant_id == centre_id, Member.status != PENDING)
        .order_by(Member.id)))
    staff = list(session.scalars(select(Staff.id).where(Staff.merchant_id == centre_id).order_by(Staff.id)))
    rows: list[MemberTag] = []
    for member_id in rng.sample(centre_members, min(STAFF_TAGGED, len(centre_members))):
        code, note = rng.choice(STAFF_TAGS)
        rows.append(MemberTag(alliance_id=alliance_id, member_id=member_id, tag_id=tags[code].id,
                              source=TagSource.STAFF.value, merchant_id=centre_id, staff_id=rng.choice(staff),
                              note=note, at=now - timedelta(days=rng.randrange(1, 90))))
    everyone = list(session.scalars(select(Member.id).where(Member.alliance_id == alliance_id,
                                                            Member.status != PENDING).order_by(Member.id)))
    declared = 0
    for member_id in rng.sample(everyone, min(DECLARING, len(everyone))):
        for code in rng.sample(INTERESTS, rng.randint(1, 3)):
            declared += 1
            rows.append(MemberTag(alliance_id=alliance_id, member_id=member_id, tag_id=tags[code].id,
                                  source=TagSource.DECLARED.value, merchant_id=None, note="",
                                  at=now - timedelta(days=rng.randrange(1, 60))))
    session.add_all(rows)
    session.flush()
    return {"rule_tags": applied.added, "staff_tags": len(rows) - declared, "declared_interests": declared}
