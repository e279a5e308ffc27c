"""Use case: "who next" for a merchant or the operator (seed 000 §1.2, §2, pitfall 2).

Three lists: the caller's candidates ranked by their scorecard (gated ones last, with the gate as the reason); the
links of the member's value chain nobody covers yet, with what a member spends there a year; and current partners
whose observed service fell (the last 90 days against the 90 before), to review."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from lianmeng.kit import clock
from lianmeng.kit.errors import Forbidden
from lianmeng.kit.money import format_yuan
from lianmeng.merchants.domain import INDUSTRY_LABELS
from lianmeng.partners import domain, repository, scorecard
from lianmeng.partners.domain import (
    GATE_LABELS,
    VERDICT_LABELS,
    WINDOW_DAYS,
    CandidateStatus,
    Scorecard,
    Verdict,
)
from lianmeng.partners.models import Candidate
from lianmeng.partners.schemas import MissingLink, RankedCandidate, RecommendationsOut, ServiceWarning
from lianmeng.partners.service import effective_status
from lianmeng.tenancy import Principal, policy

VERDICT_ORDER = {Verdict.RECOMMENDED: 0, Verdict.CONSIDER: 1, Verdict.NEEDS_DATA: 2, Verdict.NOT_RECOMMENDED: 3}
SETTLED = {CandidateStatus.PARTNER, CandidateStatus.DROPPED}


def reasons(card: Scorecard) -> tuple[list[str], list[str]]:
    """Why a candidate ranks where it does: its gates, else its two strongest standards that pass and its weakest
    one (what to work on), each as the standard's own sentence."""
    if card.gates:
        return ([f"一票否决:{GATE_LABELS[g][0]}" for g in card.gates],
                [f"Gated: {GATE_LABELS[g][1]}" for g in card.gates])
    ranked = sorted(card.standards, key=lambda s: (-s.score, s.standard.value))
    strong = [s for s in ranked if s.passed][:2]
    weak = [s for s in ranked[::-1] if not s.passed][:1]
    chosen = strong + weak
    return [s.zh for s in chosen], [s.en for s in chosen]


def _ranked(session: Session, rows: list[Candidate]) -> list[RankedCandidate]:
    out = []
    for c in rows:
        if effective_status(session, c) in SETTLED:
            continue
        card = scorecard.score(session, c)
        zh, en = reasons(card)
        out.append(RankedCandidate(candidate_id=c.id, name=c.name, industry=c.industry, total_score=card.total,
                                   verdict=card.verdict, reasons_zh=[card.zh, *zh], reasons_en=[card.en, *en]))
    return sorted(out, key=lambda r: (VERDICT_ORDER[r.verdict], -r.total_score, r.candidate_id))


def _missing_links(session: Session, alliance_id: int, merchant_id: int | None,
                   rows: list[Candidate]) -> list[MissingLink]:
    merchants = {m.id: m for m in repository.alliance_merchants(session, alliance_id)}
    if merchant_id is not None:  # a merchant's chain: itself and its partners in force
        covered = [merchant_id, *repository.partners_of(session, alliance_id, merchant_id)]
    else:  # the alliance's chain: its active merchants
        covered = [m.id for m in merchants.values() if m.status == "active"]
    present = {merchants[i].industry for i in covered if i in merchants}
    out = []
    for industry, fen in domain.missing_links(present):
        zh, en = INDUSTRY_LABELS[industry]
        count = sum(1 for c in rows if c.industry == industry.value)
        out.append(MissingLink(
            industry=industry, yearly_spend_fen=fen, candidates=count,
            zh=f"价值链缺少「{zh}」:会员家庭每年在此约花费 {format_yuan(fen)}(种子 000 §1.2),名单中有 {count} 个候选。",
            en=f"No {en.lower()} partner yet: a member's household spends about {format_yuan(fen)} a year there "
               f"(seed 000 §1.2); {count} candidates on the list."))
    return out


def _warnings(session: Session, alliance_id: int, merchant_id: int | None) -> list[ServiceWarning]:
    now = clock.now()
    recent_from = now - timedelta(days=WINDOW_DAYS)
    before_from = recent_from - timedelta(days=WINDOW_DAYS)
    out = []
    for partner_id in repository.partners_of(session, alliance_id, merchant_id):
        before = repository.feedback_window(session, partner_id, before_from, recent_from)
        recent = repository.feedback_window(session, partner_id, recent_from, now)
        drop = domain.service_drop(before, recent)
        merchant = repository.merchant_of(session, partner_id)
        if drop is None or merchant is None:
            continue
        out.append(ServiceWarning(
            merchant_id=partner_id, name=merchant.name, before=drop.before, recent=drop.recent,
            zh=f"{merchant.name} 的会员回访服务分从 {drop.before} 降到 {drop.recent}(近 {WINDOW_DAYS} 天对比前 "
               f"{WINDOW_DAYS} 天),建议复查合作;服务持续下滑应考虑终止(种子 000 陷阱 2)。",
            en=f"{merchant.name}'s service score from members' follow-ups fell from {drop.before} to {drop.recent} "
               f"(last {WINDOW_DAYS} days against the {WINDOW_DAYS} before): review the partnership, and end it if "
               "service keeps declining (seed 000 pitfall 2)."))
    return sorted(out, key=lambda w: (w.recent - w.before, w.merchant_id))


def recommendations(session: Session, actor: Principal) -> RecommendationsOut:
    policy.require_staff_login(actor)
    if actor.alliance_id is None:
        raise Forbidden()
    viewer = actor.merchant_id if actor.is_merchant_side else None
    rows = list(session.scalars(repository.list_candidates(actor)))
    return RecommendationsOut(candidates=_ranked(session, rows),
                              missing_links=_missing_links(session, actor.alliance_id, viewer, rows),
                              warnings=_warnings(session, actor.alliance_id, viewer))


def verdict_words(verdict: Verdict, lang: str) -> str:
    zh, en = VERDICT_LABELS[verdict]
    return en if lang == "en" else zh
