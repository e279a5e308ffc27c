"""Segment shares: use cases. A merchant's admin shares a de-identified report of one of its audiences (or of
rules) with a partner it has an active agreement with; the report is computed at share time over the members who
consented to data sharing and stored as a snapshot (the partner never reads live data). Each share is an audit
entry (who, to whom, when, which query) the operator sees. The sender may withdraw it.

Nothing here commits: the door does.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from lianmeng.agreements import repository as agreements_repo
from lianmeng.audiences import service as audiences
from lianmeng.audiences.domain import AudienceRules, describe
from lianmeng.audit import service as audit
from lianmeng.audit.domain import AuditAction
from lianmeng.kit import clock
from lianmeng.kit.errors import Forbidden, Invalid, NotFound
from lianmeng.merchants.models import Merchant
from lianmeng.segments import domain, repository
from lianmeng.segments.domain import ShareStatus
from lianmeng.segments.errors import Problem
from lianmeng.segments.models import SegmentShare
from lianmeng.segments.schemas import ReportOut, ShareIn, ShareOut
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped


def report_of(session: Session, alliance_id: int, merchant_id: int, rules: AudienceRules, k: int
              ) -> dict[str, Any]:
    """The suppressed report of the rules' consenting members now (JSON-ready)."""
    now = clock.now()
    ids = audiences.select_by_rules(session, alliance_id, merchant_id, rules.with_sharing_consent())
    facts = repository.facts(session, merchant_id, ids, now - timedelta(days=domain.WINDOW_DAYS))
    return domain.build_report(facts, k, now)


def share(session: Session, p: Principal, body: ShareIn) -> SegmentShare:
    if p.merchant_id is None or p.alliance_id is None:
        raise Forbidden()
    policy.require_audience_builder(p, p.merchant_id)
    if body.to_merchant_id == p.merchant_id:
        raise Invalid(Problem.SEGMENT_SELF)
    partner = session.get(Merchant, body.to_merchant_id)
    if partner is None or partner.alliance_id != p.alliance_id:
        raise Invalid("wrong_alliance", what="merchant")
    agreements = agreements_repo.active_agreements_between(session, p.alliance_id, p.merchant_id, partner.id,
                                                           clock.today_in_shanghai())
    if not agreements:
        raise Invalid(Problem.SEGMENT_NO_AGREEMENT)
    audience = None
    if body.audience_id is not None:
        try:
            audience = audiences.get(session, p, body.audience_id)
        except NotFound:
            raise Invalid("wrong_merchant", what="audience") from None
        if audience.archived:
            raise Invalid("audience_archived")
        rules = audiences.rules_of(audience)
    else:
        assert body.rules is not None
        rules = body.rules
    report = report_of(session, p.alliance_id, p.merchant_id, rules, body.k)
    zh, en = describe(rules.with_sharing_consent())
    row = SegmentShare(alliance_id=p.alliance_id, from_merchant_id=p.merchant_id, to_merchant_id=partner.id,
                       agreement_id=agreements[0].id, audience_id=audience.id if audience else None,
                       title=body.title.strip(), k=body.k, report=report, shared_at=clock.now(),
                       shared_by_user_id=p.id if p.kind == "user" else None,
                       query={"audience_name": audience.name if audience else None,
                              "rules": rules.model_dump(mode="json"), "summary_zh": zh, "summary_en": en,
                              "shared_by": p.label})
    session.add(row)
    session.flush()
    audit.record(session, p, AuditAction.SEGMENT_SHARE, row.id, alliance_id=row.alliance_id, after={
        "to_merchant_id": row.to_merchant_id, "agreement_id": row.agreement_id, "audience_id": row.audience_id,
        "title": row.title, "k": row.k})
    return row


def get(session: Session, p: Principal, share_id: int) -> SegmentShare:
    policy.require_staff_login(p)
    return get_scoped(session, SegmentShare, share_id, policy.segment_shares(p), "segment_share")


def withdraw(session: Session, p: Principal, share_id: int) -> SegmentShare:
    row = get(session, p, share_id)
    if p.is_operator or row.from_merchant_id != p.merchant_id:
        raise Forbidden()
    policy.require_audience_builder(p, row.from_merchant_id)
    if row.withdrawn_at is not None:
        raise Invalid(Problem.SEGMENT_WITHDRAWN)
    row.withdrawn_at = clock.now()
    session.flush()
    audit.record(session, p, AuditAction.SEGMENT_WITHDRAW, row.id, alliance_id=row.alliance_id,
                 before={"withdrawn_at": None}, after={"withdrawn_at": row.withdrawn_at})
    return row


def out(p: Principal, row: SegmentShare, names: dict[int, str], users: dict[int, str]) -> ShareOut:
    """The share as the caller may see it: the operator reads the audit facts, not the report; the partner loses
    the report when the sender withdraws it."""
    withdrawn = row.withdrawn_at is not None
    hidden = p.is_operator or (withdrawn and p.merchant_id != row.from_merchant_id)
    query = row.query or {}
    who = users.get(row.shared_by_user_id or 0) or str(query.get("shared_by") or "API")
    return ShareOut(id=row.id, from_merchant_id=row.from_merchant_id,
                    from_merchant_name=names.get(row.from_merchant_id, ""), to_merchant_id=row.to_merchant_id,
                    to_merchant_name=names.get(row.to_merchant_id, ""), title=row.title,
                    status=ShareStatus.WITHDRAWN if withdrawn else ShareStatus.SHARED, k=row.k,
                    query_zh=str(query.get("summary_zh", "")), query_en=str(query.get("summary_en", "")),
                    audience_name=query.get("audience_name"), shared_by=who, shared_at=row.shared_at,
                    withdrawn_at=row.withdrawn_at,
                    report=None if hidden else ReportOut.model_validate(row.report))


def shown(session: Session, p: Principal, rows: list[SegmentShare]) -> list[ShareOut]:
    names = repository.merchant_names(session, p.alliance_id,
                                      {r.from_merchant_id for r in rows} | {r.to_merchant_id for r in rows})
    users = repository.usernames(session, {r.shared_by_user_id for r in rows if r.shared_by_user_id})
    return [out(p, r, names, users) for r in rows]


def one(session: Session, p: Principal, share_id: int) -> ShareOut:
    return shown(session, p, [get(session, p, share_id)])[0]


def list_for(session: Session, p: Principal, direction: str = "all") -> list[ShareOut]:
    """Sent, received or both (the merchant's); every share of the alliance for the operator (its audit list)."""
    policy.require_staff_login(p)
    conditions = []
    if p.is_merchant_side and direction == "sent":
        conditions.append(SegmentShare.from_merchant_id == p.merchant_id)
    elif p.is_merchant_side and direction == "received":
        conditions.append(SegmentShare.to_merchant_id == p.merchant_id)
    return shown(session, p, repository.list_shares(session, policy.segment_shares(p), *conditions))


def partners(session: Session, p: Principal) -> list[Merchant]:
    """Merchants the caller could share with (the share itself checks the agreement)."""
    if p.alliance_id is None or p.merchant_id is None:
        return []
    return repository.partner_merchants(session, p.alliance_id, p.merchant_id)
