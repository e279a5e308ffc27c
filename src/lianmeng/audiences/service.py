"""Audiences: use cases. A merchant's audience selects from its OWN members by rules (audiences.domain), as one
SQL select (audiences.repository); it is counted live, saved, listed, edited and archived. Targeted offers use it
through `select_members` (members who refused personalised offers are always left out there).

Nothing here commits: the door (request, job) does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from lianmeng.audiences import repository
from lianmeng.audiences.domain import AudienceRules, describe
from lianmeng.audiences.errors import Problem
from lianmeng.audiences.models import Audience
from lianmeng.audiences.schemas import AudienceCount, AudienceIn, AudienceOut, AudienceUpdate
from lianmeng.kit import clock
from lianmeng.kit.errors import Forbidden, Invalid
from lianmeng.members.models import Member
from lianmeng.merchants.models import Merchant, Store
from lianmeng.tags.models import TagDefinition
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped


def own_members(alliance_id: int, merchant_id: int) -> Select[Any]:
    """Ids of a merchant's OWN members: those it brought in (归属) or enrolled at it."""
    return select(Member.id).where(repository.own_condition(alliance_id, merchant_id))


def checked_tags(session: Session, alliance_id: int, merchant_id: int, rules: AudienceRules) -> dict[str, int]:
    """The rules' tag codes → ids, after checking every tag is the alliance's and every store the merchant's
    (422 naming what is wrong; nothing is counted or written)."""
    tag_ids = repository.tag_ids_of(session, alliance_id, rules.tag_codes())
    unknown = sorted(rules.tag_codes() - set(tag_ids))
    if unknown:
        raise Invalid(Problem.AUDIENCE_UNKNOWN_TAG, details={"tags": unknown}, tags=", ".join(unknown))
    foreign = sorted(set(rules.store_ids) - repository.own_store_ids(session, merchant_id, rules.store_ids))
    if foreign:
        raise Invalid(Problem.AUDIENCE_FOREIGN_STORE, details={"store_ids": foreign},
                      stores=", ".join(str(s) for s in foreign))
    return tag_ids


def select_by_rules(session: Session, alliance_id: int, merchant_id: int, rules: AudienceRules) -> Select[Any]:
    """Ids of the merchant's own members matching the rules now: one select (no rows are fetched here)."""
    tag_ids = checked_tags(session, alliance_id, merchant_id, rules)
    return repository.member_ids(alliance_id, merchant_id, rules, tag_ids, clock.now(),
                                 exclude_refused=rules.exclude_refused)


def rules_of(audience: Audience) -> AudienceRules:
    return AudienceRules.model_validate(audience.rules or {})


def select_members(session: Session, audience: Audience) -> Select[Any]:
    """Ids of the audience's members now, for an offer: its rules applied to the merchant's own members, and
    members who refused personalised offers always left out (PIPL art. 24), whatever the rules say."""
    rules = rules_of(audience).model_copy(update={"exclude_refused": True})
    return select_by_rules(session, audience.alliance_id, audience.merchant_id, rules)


def materialise(session: Session, audience: Audience) -> list[int]:
    """The audience's member ids now, ascending (what an offer sends to, and what the bench times)."""
    return list(session.scalars(select_members(session, audience).order_by(Member.id)))


def count_rules(session: Session, alliance_id: int, merchant_id: int, rules: AudienceRules) -> AudienceCount:
    tag_ids = checked_tags(session, alliance_id, merchant_id, rules)
    now = clock.now()
    total, marketing, sharing, refused = repository.counts(session, alliance_id, merchant_id, rules, tag_ids, now)
    return AudienceCount(total=total, marketing=marketing, data_sharing=sharing, refused=refused, counted_at=now)


# --- the doors' use cases -------------------------------------------------------------------------------------


def _builder_merchant(p: Principal) -> tuple[int, int]:
    """(alliance, merchant) of a caller who may build audiences: a merchant's admin or integration."""
    if p.merchant_id is None or p.alliance_id is None:
        raise Forbidden()
    policy.require_audience_builder(p, p.merchant_id)
    return p.alliance_id, p.merchant_id


def count_unsaved(session: Session, p: Principal, rules: AudienceRules) -> AudienceCount:
    alliance_id, merchant_id = _builder_merchant(p)
    return count_rules(session, alliance_id, merchant_id, rules)


def get(session: Session, p: Principal, audience_id: int) -> Audience:
    return get_scoped(session, Audience, audience_id, policy.audiences(p), "audience")


def _merchant_names(session: Session, alliance_id: int | None, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Merchant.id, Merchant.name).where(
        Merchant.alliance_id == alliance_id, Merchant.id.in_(sorted(ids)))).all())


def out(session: Session, p: Principal, audience: Audience, names: dict[int, str] | None = None) -> AudienceOut:
    """The audience as the caller may see it: the operator gets its counts, not its rules."""
    names = names if names is not None else _merchant_names(session, audience.alliance_id, {audience.merchant_id})
    rules = None if p.is_operator else rules_of(audience)
    zh, en = describe(rules) if rules is not None else (None, None)
    return AudienceOut(id=audience.id, merchant_id=audience.merchant_id,
                       merchant_name=names.get(audience.merchant_id, ""), name=audience.name, rules=rules,
                       summary_zh=zh, summary_en=en, last_count=audience.last_count,
                       last_counted_at=audience.last_counted_at, archived=audience.archived,
                       created_at=audience.created_at)


def list_for(session: Session, p: Principal, *, archived: bool = False) -> list[AudienceOut]:
    policy.require_staff_login(p)
    rows = repository.list_audiences(session, policy.audiences(p), archived=archived)
    names = _merchant_names(session, p.alliance_id, {a.merchant_id for a in rows})
    return [out(session, p, a, names) for a in rows]


def _stamp(session: Session, audience: Audience, rules: AudienceRules) -> None:
    counted = count_rules(session, audience.alliance_id, audience.merchant_id, rules)
    audience.last_count = counted.total
    audience.last_counted_at = counted.counted_at


def create(session: Session, p: Principal, body: AudienceIn) -> Audience:
    alliance_id, merchant_id = _builder_merchant(p)
    audience = Audience(alliance_id=alliance_id, merchant_id=merchant_id, name=body.name.strip(),
                        rules=body.rules.model_dump(mode="json"), created_by_user_id=p.id if p.kind == "user" else None)
    _stamp(session, audience, body.rules)
    session.add(audience)
    session.flush()
    return audience


def update(session: Session, p: Principal, audience_id: int, body: AudienceUpdate) -> Audience:
    audience = get(session, p, audience_id)
    policy.require_audience_builder(p, audience.merchant_id)
    if audience.archived:
        raise Invalid(Problem.AUDIENCE_ARCHIVED)
    rules = body.rules if body.rules is not None else rules_of(audience)
    _stamp(session, audience, rules)
    if body.name is not None:
        audience.name = body.name.strip()
    audience.rules = rules.model_dump(mode="json")
    session.flush()
    return audience


def archive(session: Session, p: Principal, audience_id: int) -> Audience:
    audience = get(session, p, audience_id)
    policy.require_audience_builder(p, audience.merchant_id)
    audience.archived = True
    session.flush()
    return audience


def count_saved(session: Session, p: Principal, audience_id: int) -> AudienceCount:
    """A saved audience counted now (read-only: the operator and store staff may ask too)."""
    audience = get(session, p, audience_id)
    return count_rules(session, audience.alliance_id, audience.merchant_id, rules_of(audience))



def choices(session: Session, p: Principal) -> tuple[list[TagDefinition], list[Store]]:
    """What the builder offers the caller: the alliance's active tags and the merchant's own stores."""
    tags = repository.tags_of(session, p.alliance_id) if p.alliance_id else []
    stores = repository.stores_of(session, p.merchant_id) if p.merchant_id else []
    return tags, stores
