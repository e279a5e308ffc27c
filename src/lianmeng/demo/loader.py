"""Load the demo alliance "Tesla Life" into any database. Adds and flushes only; the caller's unit of work commits.

Members and memberships go in with bulk INSERTs (RETURNING the member ids, in order, on SQLite and PostgreSQL),
so scale 1 (~7,400 members) loads in seconds. The referral history (引流历史: coupons, arrivals, first orders) is
written through the coupon and order services under `clock.fixed_at`, so ledger, points and commissions are
exactly what the live system would have posted (docs/demo-history.md).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from lianmeng.agreements.domain import AgreementAction
from lianmeng.agreements.models import Agreement, AgreementEvent
from lianmeng.agreements.schemas import Benefit, CommissionTerm
from lianmeng.alliances import repository as alliances_repo
from lianmeng.alliances.models import Alliance
from lianmeng.auth import service as auth_service
from lianmeng.auth.domain import Role
from lianmeng.auth.models import User
from lianmeng.coupons import service as coupons_service
from lianmeng.coupons.models import Coupon, CouponTemplate
from lianmeng.coupons.schemas import AttachOrderIn, IssueIn, RedeemIn, TemplateCreate
from lianmeng.demo import data, generate, prospects
from lianmeng.demo.audiences import add_audiences
from lianmeng.demo.campaigns import add_campaigns
from lianmeng.demo.data import AgreementSpec
from lianmeng.demo.dedup import add_duplicates
from lianmeng.demo.distribution import add_distribution
from lianmeng.demo.generate import CouponDraft, EventDraft, MemberDraft, MembershipDraft, StaffDraft
from lianmeng.demo.governance import add_governance
from lianmeng.demo.groupbuys import add_group_buys
from lianmeng.demo.jointcards import add_joint_cards
from lianmeng.demo.partners import add_partner_candidates
from lianmeng.demo.placements import add_placements
from lianmeng.demo.recruiting import PROMOTER_LOGINS, add_recruits
from lianmeng.demo.revenue import add_operator_fees
from lianmeng.demo.tags import add_tags
from lianmeng.demo.targeting import add_targeted_offer
from lianmeng.demo.vehicles import add_vehicles
from lianmeng.kit import clock, crypto
from lianmeng.kit.errors import Conflict
from lianmeng.members import repository as members_repo
from lianmeng.members.models import Member, Membership
from lianmeng.merchants.domain import StaffRole
from lianmeng.merchants.models import Merchant, Staff, Store
from lianmeng.notifications import service as notifications
from lianmeng.orders.schemas import OrderItem
from lianmeng.overlap import service as overlap
from lianmeng.referrals.models import Feedback
from lianmeng.settlement.domain import SettlementCycle
from lianmeng.tenancy import Principal
from lianmeng.values import service as values

BATCH = 1000


@dataclass(frozen=True)
class DemoPlan:
    seed: int = 2024
    scale: float = 1.0  # multiplies member counts (and so the referral history, drawn from their cross memberships)
    history: bool = True  # write the referral history (引流历史)
    history_until: datetime | None = None  # its end; default: 00:00 today in Shanghai (never in the future)
    duplicates: bool = True  # plant duplicate members and a duplicate store for the review queue (demo/dedup.py)


@dataclass
class DemoSummary:
    counts: dict[str, int]
    logins: list[str]  # usernames created, all with the password data.PASSWORD


@dataclass
class _Loaded:
    """What is in the database so far, by catalogue key."""

    alliance_id: int
    merchants: dict[str, Merchant]
    stores: dict[str, list[Store]]
    guides: dict[tuple[str, int], list[Staff]]  # (merchant key, store index) -> its shopping guides
    users: dict[str, User]  # "operator", "<key>-admin", "<key>-sa"
    staff: list[Staff]  # in the order of the staff drafts


class _Steps:
    """One Rich progress bar across the phases and members; silent without one."""

    def __init__(self, progress: Progress | None, task: TaskID | None) -> None:
        self.progress = progress
        self.task = task

    def start(self, description: str) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, description=description)

    def advance(self, steps: int = 1) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.advance(self.task, steps)

    def grow(self, steps: int) -> None:
        """More work than the bar was started with (known once the history is drafted)."""
        if self.progress is not None and self.task is not None:
            total = self.progress.tasks[self.task].total or 0
            self.progress.update(self.task, total=total + steps)


@contextmanager
def _steps(enabled: bool, total: int) -> Iterator[_Steps]:
    if not enabled:
        yield _Steps(None, None)
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns) as progress:
        yield _Steps(progress, progress.add_task("示例联盟 demo", total=total))


def demo_usernames() -> list[str]:
    return (["operator"] + [f"{spec.key}-{suffix}" for spec in data.MERCHANTS for suffix in ("admin", "sa")]
            + list(PROMOTER_LOGINS))


def load_demo(session: Session, plan: DemoPlan, progress: bool = False) -> DemoSummary:
    _refuse_duplicates(session)
    members_total = sum(generate.member_counts(plan.scale).values())
    with _steps(progress, total=members_total + 5) as steps:
        steps.start("生成 generating")
        rng = random.Random(plan.seed)
        names = generate.Names(rng)
        staff = generate.draft_staff(rng, names)
        members = generate.draft_members(rng, names, generate.guide_counts(staff), plan.scale)
        memberships = generate.draft_memberships(rng, members)
        histories = [generate.draft_events(rng, spec) for spec in data.AGREEMENTS]
        coupons: list[CouponDraft] = []
        if plan.history:
            coupons, memberships = generate.draft_history(rng, staff, members, memberships, history_end(plan))
        events = _history_events(coupons)
        steps.grow(len(events) + 1 if plan.history else 0)
        steps.advance()
        steps.start("商户·门店·员工 merchants")
        loaded = _add_merchants(session, staff)
        steps.advance()
        steps.start("登录 logins")
        _add_users(session, loaded)
        steps.advance()
        steps.start("会员 members")
        member_ids = _add_members(session, loaded, members, steps)
        steps.start("会员关系 memberships")
        _add_memberships(session, loaded, member_ids, memberships)
        steps.advance()
        steps.start("协议 agreements")
        for spec, agreement_events in zip(data.AGREEMENTS, histories, strict=True):
            _add_agreement(session, loaded, spec, agreement_events)
        session.flush()
        steps.advance()
        history: dict[str, int] = {}
        if plan.history:
            steps.start("引流历史 referral history")
            history = _add_history(session, loaded, member_ids, coupons, events, steps)
            steps.advance()
        cars = add_vehicles(session, loaded.alliance_id, loaded.merchants[data.CENTRE_KEY].id,
                            random.Random(f"{plan.seed}-vehicles"))  # before the duplicate finder reads plates
        duplicates = (add_duplicates(session, loaded.alliance_id, random.Random(f"{plan.seed}-dedup"))
                      if plan.duplicates else {})  # before anything counts the alliance's members
        prospects.add_prospect_upload(session, loaded.alliance_id, rng)
        add_partner_candidates(session, loaded.alliance_id, random.Random(f"{plan.seed}-partners"))
    recruits = add_recruits(session, loaded.alliance_id, rng) if plan.history else {}
    # before the figures and tags below read the alliance: sharing adds friends' first orders, group buys seats
    shared = add_distribution(session, loaded.alliance_id, loaded.merchants, loaded.users, random.Random(
        f"{plan.seed}-distribution")) if plan.history else {}  # an offer shared by members, 4 first orders
    sold = add_group_buys(session, loaded.alliance_id, loaded.merchants, loaded.users)  # one group formed
    overlap.refresh_alliance(session, loaded.alliance_id)  # the overlap pages have figures from the start
    # members have value levels from the start (the jobs keep them fresh); a pinned history is valued at its end
    values.refresh(session, loaded.alliance_id, at=history_end(plan) if plan.history_until is not None else None)
    tagged = add_tags(session, loaded.alliance_id, loaded.merchants[data.CENTRE_KEY].id,
                      random.Random(f"{plan.seed}-tags"))
    targeting = add_audiences(session, loaded.alliance_id, loaded.merchants, loaded.users)
    targeting |= add_governance(session, loaded.alliance_id, loaded.merchants, loaded.users)
    if plan.history:  # a finished targeted offer with its results (its members come from the history's orders)
        targeting |= add_targeted_offer(session, loaded.alliance_id, loaded.merchants, loaded.users,
                                        history_end(plan), random.Random(f"{plan.seed}-offer"))
    joint = add_campaigns(session, loaded.alliance_id, loaded.merchants, loaded.users, history_end(plan),
                          random.Random(f"{plan.seed}-campaigns"))  # after the history: its orders are the results
    joint |= add_joint_cards(session, loaded.alliance_id, loaded.merchants, loaded.users)  # a product, no sales
    joint |= sold
    joint |= add_placements(session, loaded.alliance_id, loaded.merchants, loaded.users)  # slots, three bookings
    joint |= add_operator_fees(session, loaded.alliance_id, history_end(plan))  # after the history: its GMV
    counts = {
        "alliances": 1, "merchants": len(loaded.merchants), "stores": sum(len(s) for s in loaded.stores.values()),
        "staff": len(staff), "members": len(members), "memberships": len(memberships),
        "agreements": len(data.AGREEMENTS), "agreement_events": sum(len(h) for h in histories),
        "users": len(loaded.users), **history, **targeting, **tagged, **cars, **joint,
    }
    for added in (recruits, duplicates, shared):  # recruiting, the planted duplicates and sharing add to the counts
        counts.update({key: counts.get(key, 0) + n for key, n in added.items()})
    return DemoSummary(counts=counts, logins=list(loaded.users))


def history_end(plan: DemoPlan) -> datetime:
    """Where the referral history ends: the plan's, else the start of today in Shanghai (so it ends yesterday)."""
    if plan.history_until is not None:
        clock.require_aware(plan.history_until, "history_until")
        return min(plan.history_until, clock.now())
    today = clock.today_in_shanghai()
    return datetime.combine(today, time(0), tzinfo=clock.SHANGHAI).astimezone(UTC)


def _refuse_duplicates(session: Session) -> None:
    if alliances_repo.code_taken(session, data.ALLIANCE.code):
        raise Conflict("duplicate", what=f"alliance {data.ALLIANCE.code}")
    taken = session.scalars(select(User.username).where(User.username.in_(demo_usernames()))).all()
    if taken:
        raise Conflict("username_taken", details=sorted(taken))


def _add_merchants(session: Session, staff: list[StaffDraft]) -> _Loaded:
    spec = data.ALLIANCE
    alliance = Alliance(code=spec.code, name=spec.name, city=spec.city, description=spec.description)
    session.add(alliance)
    session.flush()
    merchants = {
        m.key: Merchant(
            alliance_id=alliance.id, name=m.name, industry=m.industry.value, brand_tags=list(m.brand_tags),
            rating=m.rating, years_in_business=m.years_in_business, status="active", contact_name=m.contact_name,
            description=m.description,
        )
        for m in data.MERCHANTS
    }
    session.add_all(merchants.values())
    session.flush()
    stores = {
        m.key: [
            Store(alliance_id=alliance.id,
                  merchant_id=merchants[m.key].id, name=s.name, address=s.address, district=s.district,
                  latitude=s.latitude, longitude=s.longitude, opening_hours=s.opening_hours, active=True)
            for s in m.stores
        ]
        for m in data.MERCHANTS
    }
    session.add_all([store for rows in stores.values() for store in rows])
    session.flush()
    people = [
        (p, Staff(alliance_id=alliance.id,
                  merchant_id=merchants[p.merchant].id, store_id=stores[p.merchant][p.store].id, name=p.name,
                  role=p.role.value, active=True))
        for p in staff
    ]
    session.add_all([row for _, row in people])
    session.flush()
    guides: dict[tuple[str, int], list[Staff]] = {}
    for p, row in people:
        if p.role is StaffRole.SHOPPING_GUIDE:
            guides.setdefault((p.merchant, p.store), []).append(row)
    return _Loaded(alliance.id, merchants, stores, guides, {}, [row for _, row in people])


def _add_users(session: Session, loaded: _Loaded) -> None:
    """The operator, then per merchant an admin and one shopping guide's login. argon2 is slow on purpose,
    so the one password is hashed once."""
    password_hash = auth_service.hash_password(data.PASSWORD)
    users = loaded.users
    users["operator"] = User(
        username="operator", display_name=f"联盟运营 {data.OPERATOR_NAME}", password_hash=password_hash,
        role=Role.OPERATOR_ADMIN.value, alliance_id=loaded.alliance_id,
    )
    for spec in data.MERCHANTS:
        merchant_id = loaded.merchants[spec.key].id
        guide = loaded.guides[(spec.key, 0)][0]
        users[f"{spec.key}-admin"] = User(
            username=f"{spec.key}-admin", display_name=f"{spec.contact_name} · {spec.name}"[:60],
            password_hash=password_hash, role=Role.MERCHANT_ADMIN.value, alliance_id=loaded.alliance_id,
            merchant_id=merchant_id,
        )
        users[f"{spec.key}-sa"] = User(
            username=f"{spec.key}-sa", display_name=f"{guide.name}(导购)", password_hash=password_hash,
            role=Role.STORE_STAFF.value, alliance_id=loaded.alliance_id, merchant_id=merchant_id, staff_id=guide.id,
        )
    session.add_all(users.values())
    session.flush()


def _phone_columns(alliance_id: int, phone: str) -> dict[str, str]:
    """As members.service sets them: never the clear number."""
    return {
        "phone_enc": crypto.encrypt(phone), "phone_hash": members_repo.phone_hash(alliance_id, phone),
        "phone_masked": crypto.mask_phone(phone),
    }


def _member_row(loaded: _Loaded, m: MemberDraft) -> dict[str, Any]:
    guides = loaded.guides.get((m.origin, m.store), [])
    return {
        "alliance_id": loaded.alliance_id, "card_no": m.card_no, "qr_version": 1,
        **_phone_columns(loaded.alliance_id, m.phone),
        "name": m.name, "birth_year": m.birth_year, "gender": m.gender.value, "status": "active",
        "consent_marketing": m.consent_marketing, "consent_marketing_at": m.joined_at if m.consent_marketing else None,
        "consent_data_sharing": m.consent_data_sharing,
        "consent_data_sharing_at": m.joined_at if m.consent_data_sharing else None,
        "origin_merchant_id": loaded.merchants[m.origin].id, "origin_store_id": loaded.stores[m.origin][m.store].id,
        "origin_staff_id": guides[m.guide].id if m.guide is not None else None,
        "created_at": m.joined_at, "updated_at": m.joined_at,
    }


def _add_members(session: Session, loaded: _Loaded, members: list[MemberDraft], steps: _Steps) -> list[int]:
    """Bulk INSERT … RETURNING id per batch; sort_by_parameter_order keeps ids aligned with the drafts."""
    ids: list[int] = []
    statement = insert(Member).returning(Member.id, sort_by_parameter_order=True)
    for start in range(0, len(members), BATCH):
        rows = [_member_row(loaded, m) for m in members[start : start + BATCH]]
        ids.extend(session.scalars(statement, rows).all())
        steps.advance(len(rows))
    return ids


def _add_memberships(
    session: Session, loaded: _Loaded, member_ids: list[int], memberships: list[MembershipDraft]
) -> None:
    rows = [
        {"alliance_id": loaded.alliance_id,
         "member_id": member_ids[m.member], "merchant_id": loaded.merchants[m.merchant].id, "tier": m.tier,
         "external_id": None, "joined_at": m.joined_at, "created_at": m.joined_at, "updated_at": m.joined_at}
        for m in memberships
    ]
    for start in range(0, len(rows), BATCH):
        session.execute(insert(Membership), rows[start : start + BATCH])


def _year_later(day: date) -> date:
    return day.replace(year=day.year + 1) - timedelta(days=1)


def _resolved(loaded: _Loaded, term: dict[str, Any]) -> dict[str, Any]:
    """A term as the data spells it, with a hub named by its merchant key (`hub_merchant`) given its id."""
    if "hub_merchant" not in term:
        return term
    rest = {k: v for k, v in term.items() if k != "hub_merchant"}
    return {**rest, "hub": "merchant", "hub_merchant_id": loaded.merchants[term["hub_merchant"]].id}


def _add_agreement(session: Session, loaded: _Loaded, spec: AgreementSpec, events: list[EventDraft]) -> None:
    merchant_a = loaded.merchants[spec.a].id if spec.a else None
    merchant_b = loaded.merchants[spec.b].id if spec.b else None
    agreement = Agreement(
        alliance_id=loaded.alliance_id, title=spec.title, merchant_a_id=merchant_a, merchant_b_id=merchant_b,
        modes=[mode.value for mode in spec.modes],
        commission_terms=[CommissionTerm.model_validate(_resolved(loaded, t)).model_dump(mode="json")
                          for t in spec.commission_terms],
        benefits=[Benefit.model_validate({"offered_by": by, "text": text}).model_dump(mode="json")
                  for by, text in spec.benefits],
        return_window_days=spec.return_window_days, settlement_cycle=SettlementCycle.MONTHLY.value,
        valid_from=spec.valid_from, valid_until=_year_later(spec.valid_from), status=events[-1].to_status.value,
        notes=spec.notes, created_at=events[0].at, updated_at=events[-1].at,
    )
    session.add(agreement)
    session.flush()
    actors = {"a": f"{spec.a}-admin", "b": f"{spec.b}-admin", "operator": "operator"}
    for event in events:
        user = loaded.users[actors[event.by]]
        session.add(AgreementEvent(
            alliance_id=agreement.alliance_id, agreement_id=agreement.id, action=event.action,
            from_status=event.from_status.value if event.from_status else None, to_status=event.to_status.value,
            actor=user.username, actor_user_id=user.id, actor_merchant_id=user.merchant_id, changes={},
            note=event.note, at=event.at,
        ))
    last = events[-1]
    if last.action in (AgreementAction.PROPOSE.value, AgreementAction.COUNTER.value):
        with clock.fixed_at(last.at):  # the offer still on the table: its addressee was told when it was made
            notifications.proposal_received(
                session, alliance_id=loaded.alliance_id, agreement_id=agreement.id, title=spec.title,
                merchant_a_id=merchant_a, merchant_b_id=merchant_b,
                offered_by_proposer=last.action == AgreementAction.PROPOSE.value,
                countered=last.action == AgreementAction.COUNTER.value, by_operator=last.by == "operator")


# --- referral history (引流历史) ------------------------------------------------------------------------------

ISSUE, CLAIM, ARRIVE, ORDER = range(4)


def _history_events(coupons: list[CouponDraft]) -> list[tuple[datetime, int, int]]:
    """(when, what, coupon draft index), in time order: each is replayed through the services at its moment."""
    events: list[tuple[datetime, int, int]] = []
    for i, coupon in enumerate(coupons):
        events.append((coupon.issued_at, ISSUE, i))
        if coupon.claimed_at is not None:
            events.append((coupon.claimed_at, CLAIM, i))
        arrival = coupon.arrival
        if arrival is not None:
            events.append((arrival.at, ARRIVE, i))
            if arrival.order is not None and arrival.order.at != arrival.at:
                events.append((arrival.order.at, ORDER, i))
    events.sort()
    return events


class _Actors:
    """The principals the history acts as: merchant admins publish, guides hand out, till staff redeem."""

    def __init__(self, loaded: _Loaded) -> None:
        self.loaded = loaded
        self.logins = {user.staff_id: user for user in loaded.users.values() if user.staff_id is not None}

    def admin(self, key: str) -> Principal:
        user = self.loaded.users[f"{key}-admin"]
        return Principal(kind="user", id=user.id, role=Role.MERCHANT_ADMIN, alliance_id=self.loaded.alliance_id,
                         merchant_id=user.merchant_id, label=user.username)

    def staff(self, index: int) -> Principal:
        person = self.loaded.staff[index]
        user = self.logins.get(person.id)
        kind, id_, label = ("user", user.id, user.username) if user else ("demo", person.id, f"demo:staff:{person.id}")
        return Principal(kind=kind, id=id_, role=Role.STORE_STAFF, alliance_id=self.loaded.alliance_id,
                         merchant_id=person.merchant_id, store_id=person.store_id, staff_id=person.id, label=label)

    def member(self, member_id: int) -> Principal:
        return Principal(kind="member", id=member_id, role=Role.MEMBER, alliance_id=self.loaded.alliance_id,
                         member_id=member_id, label=f"member:{member_id}")


def _publish(session: Session, actors: _Actors, coupons: list[CouponDraft]) -> dict[tuple[int, str], int]:
    """One template per flow and receiving merchant, published two days before its first coupon went out."""
    first: dict[tuple[int, str], datetime] = {}
    for coupon in coupons:
        key = (coupon.flow, coupon.target)
        first[key] = min(first.get(key, coupon.issued_at), coupon.issued_at)
    templates: dict[tuple[int, str], int] = {}
    for (flow_index, target), at in sorted(first.items(), key=lambda item: item[1]):
        spec = data.FLOWS[flow_index].coupon
        published = at - timedelta(days=2)
        with clock.fixed_at(published):
            template = coupons_service.create_template(session, actors.admin(target), TemplateCreate(
                name=spec.name, description=spec.description, kind=spec.kind,
                amount_fen=spec.value_fen if spec.item_name is None else None,
                item_name=spec.item_name, item_value_fen=spec.value_fen if spec.item_name is not None else None,
                cost_to_merchant_fen=spec.cost_fen,
                valid_days=spec.valid_days, per_member_limit=1,
            ))
        template.created_at = template.updated_at = published
        templates[(flow_index, target)] = template.id
    session.flush()
    return templates


def _add_history(session: Session, loaded: _Loaded, member_ids: list[int], coupons: list[CouponDraft],
                 events: list[tuple[datetime, int, int]], steps: _Steps) -> dict[str, int]:
    """Replay the drafted history through the services, each event at its own moment."""
    actors = _Actors(loaded)
    templates = _publish(session, actors, coupons)
    issued: dict[int, Coupon] = {}
    redemptions: dict[int, int] = {}
    last_issue: dict[int, datetime] = {}
    orders = 0
    for n, (at, what, i) in enumerate(events):
        draft = coupons[i]
        member_id = member_ids[draft.member]
        with clock.fixed_at(at):
            if what == ISSUE:
                template_id = templates[(draft.flow, draft.target)]
                issued[i] = coupons_service.issue(session, actors.staff(draft.guide), IssueIn(
                    template_id=template_id, member_id=member_id, claimed=draft.claimed))
                last_issue[template_id] = at
            elif what == CLAIM:
                coupons_service.claim_held(session, actors.member(member_id), issued[i].id)
            elif what == ARRIVE:
                arrival = draft.arrival
                assert arrival is not None
                at_till = arrival.order if arrival.order is not None and arrival.order.at == at else None
                redemption = coupons_service.redeem(session, actors.staff(arrival.staff), RedeemIn(
                    code=issued[i].code, member_id=member_id, bill_fen=arrival.bill_fen,
                    store_id=loaded.stores[draft.target][arrival.store].id,
                    order_external_id=at_till.external_id if at_till else None))
                redemptions[i] = redemption.id
                orders += at_till is not None
            else:
                arrival = draft.arrival
                assert arrival is not None and arrival.order is not None
                order = arrival.order
                coupons_service.attach_order(session, actors.staff(arrival.staff), redemptions[i], AttachOrderIn(
                    external_id=order.external_id, amount_fen=order.amount_fen,
                    items=[OrderItem(name=order.item, unit_price_fen=order.amount_fen)]))
                orders += 1
        if n % 50 == 49:
            steps.advance(50)
    steps.advance(len(events) % 50)
    for template_id, at in last_issue.items():  # take_stock stamps the real time; the last coupon's is right
        session.execute(update(CouponTemplate).where(CouponTemplate.id == template_id).values(updated_at=at))
    feedback = _add_feedback(session, loaded, member_ids, coupons, redemptions)
    return {"coupon_templates": len(templates), "coupons": len(issued), "arrivals": len(redemptions),
            "conversions": orders, "feedback": feedback}


def _add_feedback(session: Session, loaded: _Loaded, member_ids: list[int], coupons: list[CouponDraft],
                  redemptions: dict[int, int]) -> int:
    """Members' ratings of their visit (referrals.Feedback), as the member would have left them."""
    rows = []
    for i, redemption_id in sorted(redemptions.items()):
        draft = coupons[i]
        assert draft.arrival is not None
        rated = draft.arrival.feedback
        if rated is None:
            continue
        rows.append({
            "alliance_id": loaded.alliance_id, "redemption_id": redemption_id, "member_id": member_ids[draft.member],
            "merchant_id": loaded.merchants[draft.target].id,
            "referrer_merchant_id": loaded.staff[draft.guide].merchant_id, "rating": rated.rating,
            "comment": rated.comment, "is_complaint": rated.rating <= 2, "at": rated.at,
        })
    if rows:
        session.execute(insert(Feedback), rows)
    return len(rows)
