"""Use cases of tags: the alliance's taxonomy, staff tags at the counter, the member's declared interests and
refusal of personalised offers, and the job that applies rule tags. Services never commit: the request, the page
or the job does, once."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from lianmeng.auth.domain import Role
from lianmeng.db import insert_once, job_lock
from lianmeng.kit import clock
from lianmeng.kit.errors import Conflict, Forbidden, Invalid, NotFound
from lianmeng.members import repository as members_repo
from lianmeng.members.models import Member
from lianmeng.tags import domain, repository
from lianmeng.tags.domain import TagSource
from lianmeng.tags.errors import Problem
from lianmeng.tags.models import MemberTag, TagDefinition
from lianmeng.tags.schemas import StaffTagIn, TagCreate, TagUpdate
from lianmeng.tenancy import Principal, policy

# --- taxonomy -------------------------------------------------------------------------------------------------


def _seeded(alliance_id: int, seed: domain.TagSeed) -> TagDefinition:
    return TagDefinition(alliance_id=alliance_id, code=seed.code, group=seed.group.value, name_zh=seed.name_zh,
                         name_en=seed.name_en, declarable=seed.declarable,
                         rule=seed.rule.as_dict() if seed.rule else None, active=True, created_at=clock.now(),
                         updated_at=clock.now())


def ensure_taxonomy(session: Session, alliance_id: int) -> list[TagDefinition]:
    """The alliance's taxonomy, created from the default on first use (a concurrent first use is harmless: each
    default tag is inserted once under its unique code)."""
    stored = repository.definitions(session, alliance_id)
    if stored:
        return stored
    for seed in domain.DEFAULT_TAXONOMY:
        insert_once(session, _seeded(alliance_id, seed))
    return repository.definitions(session, alliance_id)


def taxonomy(session: Session, alliance_id: int) -> list[TagDefinition]:
    """For reading: the stored taxonomy, or the default one (not stored) before the alliance first uses tags."""
    return repository.definitions(session, alliance_id) or [_seeded(alliance_id, s) for s in domain.DEFAULT_TAXONOMY]


def alliance_of(p: Principal, alliance_id: int | None = None) -> int:
    """The alliance whose taxonomy the caller works on: its own; the platform names one."""
    if p.is_platform:
        if alliance_id is None:
            raise Invalid(Problem.TAGS_ALLIANCE_REQUIRED)
        return alliance_id
    if p.alliance_id is None:
        raise Forbidden()
    if alliance_id is not None and alliance_id != p.alliance_id:
        raise NotFound("alliance")
    return p.alliance_id


def rule_of(tag: TagDefinition) -> domain.Rule | None:
    """The stored rule, or None (a rule that no longer parses is treated as none rather than breaking the job)."""
    if not tag.rule:
        return None
    try:
        return domain.parse_rule(tag.rule)
    except ValueError:
        return None


def create_tag(session: Session, p: Principal, data: TagCreate, alliance_id: int | None = None) -> TagDefinition:
    policy.require_operator(p)
    alliance = alliance_of(p, alliance_id)
    ensure_taxonomy(session, alliance)
    if repository.definition(session, alliance, data.code) is not None:
        raise Conflict("duplicate", what="tag")
    tag = TagDefinition(alliance_id=alliance, code=data.code, group=data.group.value, name_zh=data.name_zh,
                        name_en=data.name_en, declarable=data.declarable,
                        rule=data.rule.to_rule().as_dict() if data.rule else None, active=True,
                        created_at=clock.now(), updated_at=clock.now())
    session.add(tag)
    session.flush()
    return tag


def update_tag(session: Session, p: Principal, code: str, data: TagUpdate,
               alliance_id: int | None = None) -> TagDefinition:
    policy.require_operator(p)
    alliance = alliance_of(p, alliance_id)
    ensure_taxonomy(session, alliance)
    tag = repository.definition(session, alliance, code, lock=True)
    if tag is None:
        raise NotFound("tag")
    sent = data.model_fields_set
    if data.name_zh is not None:
        tag.name_zh = data.name_zh.strip() or tag.name_zh
    if data.name_en is not None:
        tag.name_en = data.name_en.strip() or tag.name_en
    if data.declarable is not None:
        if data.declarable and not domain.may_declare(tag.group, True):
            raise Invalid(Problem.TAG_NOT_DECLARABLE)
        tag.declarable = data.declarable
    if data.active is not None:
        tag.active = data.active
    if "rule" in sent:
        tag.rule = data.rule.to_rule().as_dict() if data.rule else None
    tag.updated_at = clock.now()
    session.flush()
    return tag


# --- tags on a member -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TagOnMember:
    row: MemberTag
    tag: TagDefinition
    merchant_name: str | None
    staff_name: str | None


def member_tags(session: Session, p: Principal, member_id: int) -> list[TagOnMember]:
    """A member's tags as far as the caller may see them (404 for a member outside the caller's scope). Tags
    deactivated by the operator are not shown."""
    members_repo.get_member(session, p, member_id)
    rows = [(r, t) for r, t in session.execute(repository.tags_of_member(p, member_id)) if t.active]
    merchants, staff = repository.names(session, p.alliance_id, {r.merchant_id for r, _ in rows if r.merchant_id},
                                        {r.staff_id for r, _ in rows if r.staff_id})
    return [TagOnMember(r, t, merchants.get(r.merchant_id) if r.merchant_id else None,
                        staff.get(r.staff_id) if r.staff_id else None) for r, t in rows]


def _require_merchant_staff(p: Principal) -> int:
    """Staff tags are a merchant's: its admins, staff and integrations (not the operator, not a promoter, who
    serves nobody at a counter)."""
    if not p.is_merchant_side or p.merchant_id is None or p.promoter:
        raise Forbidden()
    return p.merchant_id


def add_staff_tag(session: Session, p: Principal, member_id: int, data: StaffTagIn) -> MemberTag:
    merchant_id = _require_merchant_staff(p)
    member = members_repo.get_member(session, p, member_id)  # 404: not one of this merchant's members
    ensure_taxonomy(session, member.alliance_id)
    tag = repository.definition(session, member.alliance_id, data.tag)
    if tag is None or not tag.active:
        raise Invalid(Problem.TAG_UNKNOWN)
    if repository.staff_tag_exists(session, member.id, tag.id, merchant_id):
        raise Conflict(Problem.MEMBER_TAG_EXISTS)
    row = MemberTag(alliance_id=member.alliance_id, member_id=member.id, tag_id=tag.id,
                    source=TagSource.STAFF.value, merchant_id=merchant_id, staff_id=p.staff_id,
                    user_id=p.id if p.kind == "user" else None, note=data.note.strip(), at=clock.now())
    if not insert_once(session, row):
        raise Conflict(Problem.MEMBER_TAG_EXISTS)
    return row


def remove_staff_tag(session: Session, p: Principal, member_tag_id: int, member_id: int | None = None) -> None:
    """A merchant removes a staff tag it added. Its rule tags follow the data (the job), declared tags are the
    member's: 403. Another merchant's tags: 404, as if they did not exist (`member_id`: the tag must be on it)."""
    merchant_id = _require_merchant_staff(p)
    row = repository.member_tag(session, p, member_tag_id, member_id)
    if row is None:
        raise NotFound("member_tag")
    if row.source != TagSource.STAFF.value or row.merchant_id != merchant_id:
        raise Forbidden(Problem.MEMBER_TAG_NOT_STAFF)
    session.delete(row)
    session.flush()


# --- the member's own choices ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interest:
    tag: TagDefinition
    declared: MemberTag | None


@dataclass(frozen=True)
class MyChoices:
    member: Member
    interests: list[Interest]


def _the_member(session: Session, p: Principal) -> Member:
    """Only the member itself: staff, the operator and API keys are refused (403)."""
    if p.role is not Role.MEMBER or p.member_id is None:
        raise Forbidden()
    return members_repo.get_member(session, p, p.member_id)


def _declarable(tags: list[TagDefinition]) -> list[TagDefinition]:
    return [t for t in tags if t.active and domain.may_declare(t.group, t.declarable)]


def my_choices(session: Session, p: Principal) -> MyChoices:
    member = _the_member(session, p)
    declared = {row.tag_id: row for row in repository.declared(session, member.id)}
    tags = _declarable(taxonomy(session, member.alliance_id))
    return MyChoices(member, [Interest(t, declared.get(t.id) if t.id is not None else None) for t in tags])


def declare_interests(session: Session, p: Principal, codes: list[str]) -> MyChoices:
    """The member's declared interests become exactly `codes`: new ones stored (who: the member, when: now),
    unticked ones deleted. An unknown or non-declarable code: 422, nothing changed."""
    member = _the_member(session, p)
    tags = {t.code: t for t in _declarable(ensure_taxonomy(session, member.alliance_id))}
    wanted = set(codes)
    unknown = sorted(wanted - tags.keys())
    if unknown:
        raise Invalid(Problem.TAG_UNKNOWN, details={"tags": unknown})
    wanted_ids = {tags[c].id for c in wanted}
    held = {row.tag_id: row for row in repository.declared(session, member.id)}
    for tag_id, row in held.items():
        if tag_id not in wanted_ids:
            session.delete(row)
    now = clock.now()
    for tag_id in sorted(wanted_ids - held.keys()):
        insert_once(session, MemberTag(alliance_id=member.alliance_id, member_id=member.id, tag_id=tag_id,
                                       source=TagSource.DECLARED.value, merchant_id=None, note="", at=now))
    session.flush()
    return my_choices(session, p)


def refuse_offers(session: Session, p: Principal, refused: bool) -> MyChoices:
    """One tap: refuse personalised offers (PIPL art. 24), or undo it. The moment is kept either way; the rule
    job stops profiling a member who refused (its rule tags are removed on the next run)."""
    member = _the_member(session, p)
    if member.offers_refused != refused:
        member.offers_refused = refused
        member.offers_refused_at = clock.now()
        session.flush()
    return my_choices(session, p)


# --- the rule job ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RulesApplied:
    added: int = 0
    removed: int = 0


LOCK_NAMESPACE = 0x5447  # "TG": the first key of the rule job's advisory locks


def apply_rules(session: Session, alliance_id: int, at: datetime | None = None) -> RulesApplied:
    """Apply every active rule of the alliance's taxonomy to all its members, set-based (three statements per
    tag, none per member), and record the run. Running it twice adds nothing; a member who no longer matches loses
    the rule tag."""
    moment = at or clock.now()
    clock.require_aware(moment, "at")
    job_lock(session, LOCK_NAMESPACE, alliance_id)  # two runs at once would insert the same rule tags
    started = time.perf_counter()
    if session.get_bind().dialect.name == "postgresql":
        repository.analyze_tags(session)
    added = removed = 0
    dropped: list[int] = []
    for tag in ensure_taxonomy(session, alliance_id):
        rule = rule_of(tag) if tag.active else None
        if rule is None:
            dropped.append(tag.id)
            continue
        plus, minus = repository.apply_rule(session, tag, rule, moment)
        added, removed = added + plus, removed + minus
    removed += repository.clear_rule_tags(session, dropped)
    repository.record_run(session, alliance_id, clock.now(), added, removed, time.perf_counter() - started)
    return RulesApplied(added, removed)


def due_alliances(session: Session, at: datetime | None = None) -> list[int]:
    """Alliances using tags whose rules were never applied, or last applied more than RULES_EVERY_HOURS ago, or
    whose taxonomy changed since (an operator's edit shows on the next job run, minutes later)."""
    now = at or clock.now()
    due = []
    for alliance_id in repository.alliances_with_rules(session):
        run = repository.last_run(session, alliance_id)
        changed = repository.taxonomy_changed_at(session, alliance_id)
        if run is None or run.ran_at <= now - timedelta(hours=domain.RULES_EVERY_HOURS) or (
                changed is not None and changed > run.ran_at):
            due.append(alliance_id)
    return due


def apply_rules_now(session: Session, p: Principal, alliance_id: int | None = None) -> tuple[int, RulesApplied]:
    """The operator runs the rules at once (otherwise the scheduled jobs do)."""
    policy.require_operator(p)
    alliance = alliance_of(p, alliance_id)
    return alliance, apply_rules(session, alliance)
