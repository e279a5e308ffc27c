"""The demo's audiences and segment report: the Tesla centre saves its high-value owners (the important RFM
classes) as an audience, and shares a de-identified report of its consenting owners with a partner it has an
active agreement with (seed 000 mode 4's shareable list: aggregates only, k = 10)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lianmeng.agreements import repository as agreements_repo
from lianmeng.audiences import service as audiences
from lianmeng.audiences.domain import AudienceRules
from lianmeng.audiences.schemas import AudienceIn
from lianmeng.auth.domain import Role
from lianmeng.auth.models import User
from lianmeng.kit import clock
from lianmeng.merchants.models import Merchant
from lianmeng.segments import service as segments
from lianmeng.segments.schemas import ShareIn
from lianmeng.tenancy import Principal

CENTRE = "tesla"
IMPORTANT = ["important_value", "important_develop", "important_retain", "important_winback"]


def add_audiences(session: Session, alliance_id: int, merchants: dict[str, Merchant], users: dict[str, User]
                  ) -> dict[str, int]:
    """One saved audience of the centre and one shared report of its consenting owners (to its first partner with
    an active agreement)."""
    centre, admin = merchants[CENTRE], users[f"{CENTRE}-admin"]
    me = Principal(kind="user", id=admin.id, role=Role.MERCHANT_ADMIN, alliance_id=alliance_id,
                   merchant_id=centre.id, label=admin.username)
    audiences.create(session, me, AudienceIn(name="高价值车主 High-value owners",
                                             rules=AudienceRules(classes=IMPORTANT, marketing_consent=True)))
    today = clock.today_in_shanghai()
    partner = next((m for key, m in merchants.items() if key != CENTRE and agreements_repo.active_agreements_between(
        session, alliance_id, centre.id, m.id, today)), None)
    if partner is None:
        return {"audiences": 1, "segment_shares": 0}
    # the profile of every owner who consented to data sharing (a report always counts consenting members only)
    segments.share(session, me, ShareIn(to_merchant_id=partner.id, title="车主画像 Owner profile",
                                        rules=AudienceRules()))
    return {"audiences": 1, "segment_shares": 1}
