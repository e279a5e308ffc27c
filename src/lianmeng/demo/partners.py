"""The demo alliance's partner candidates (seed 000 D6–D10): the operator's list and the service centre's, with
prospects outside the alliance and merchants inside it, mystery visits, sincerity answers, one ruled out by major
negative news and one by a rating under 4.0, so every part of the scorecard shows something."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.demo import data
from lianmeng.kit import clock
from lianmeng.merchants.models import Merchant
from lianmeng.partners.models import Candidate, CandidateStore, MysteryVisit, SincerityAnswer

CENTRE = "tesla"


@dataclass(frozen=True)
class CandidateSpec:
    name: str
    industry: str
    owner: str | None  # a merchant key of the demo (its own list), None: the operator's list
    merchant: str | None = None  # a demo merchant key: already in the alliance
    tags: tuple[str, ...] = ()
    stores: tuple[tuple[str, float, float, str], ...] = ()
    years: int | None = None
    store_count: int | None = None
    trend: str = "unknown"
    rating: float | None = None
    source: str = ""
    satisfaction: int | None = None
    complaints: int | None = None
    news: str = ""
    member_system: bool | None = None
    shares_data: bool | None = None
    visits: tuple[tuple[str, int, str], ...] = ()  # (visitor, score 1–5, findings)
    answers: tuple[tuple[str, str, str], ...] = ()  # (question, answer, asked by)
    status: str = "watching"
    notes: str = field(default="")


CANDIDATES: tuple[CandidateSpec, ...] = (
    CandidateSpec(
        "蔚蓝海岸亲子酒店 Azure Family Resort", "travel", None, tags=("高端", "亲子", "度假"),
        stores=(("深圳湾店", 22.5180, 113.9450, "南山区望海路 1188 号"),), years=9, store_count=4, trend="growing",
        rating=4.7, source="meituan", satisfaction=93, complaints=2, member_system=True, shares_data=True,
        visits=(("周运营", 5, "亲子房干净,儿童俱乐部有专人看护,前台主动介绍周末活动"),),
        answers=(("joint_fund", "will_fund", "周运营"), ("referred_service", "vip_or_better", "周运营")),
        status="contacted", notes="愿意为联盟车主提供周末房价 8 折;下周约总经理面谈。"),
    CandidateSpec(
        "小天才双语早教 iKids", "early_education", None, tags=("高端", "双语", "亲子"),
        stores=(("车公庙中心", 22.5365, 114.0235, "福田区深南大道 6013 号"),
                ("欢乐海岸中心", 22.5270, 113.9890, "南山区白石路 8 号")),
        years=6, store_count=8, trend="stable", rating=4.5, source="dianping", satisfaction=88, complaints=3,
        member_system=True, shares_data=False,
        visits=(("周运营", 4, "试听课老师专业;顾问推销略急"), ("林顾问", 4, "环境安全,家长休息区舒适")),
        answers=(("joint_fund", "after_results", "周运营"),)),
    CandidateSpec(
        "速燃健身 Burn Club", "fitness", None, tags=("平价", "24小时"),
        stores=(("福田店", 22.5420, 114.0600, "福田区福华路 99 号"),), years=2, store_count=12, trend="shrinking",
        rating=4.2, source="dianping", satisfaction=70, complaints=18,
        news="2026 年 10 月多家门店闭店,预付卡会员集中投诉退费(媒体报道)", member_system=True, shares_data=True,
        notes="总分不低,但有预付卡退费风波:一票否决。"),
    CandidateSpec(
        "鲜果时光轻食 Fresh Bowl", "dining", None, tags=("健康", "轻食"),
        stores=(("卓越中心店", 22.5330, 114.0570, "福田区福华三路 88 号"),), years=3, store_count=5, trend="stable",
        rating=3.8, source="meituan", satisfaction=81, complaints=4, member_system=False, shares_data=True,
        visits=(("李店长", 3, "出餐慢,高峰期等候 25 分钟"),),
        answers=(("joint_fund", "will_fund", "李店长"), ("referred_service", "normal", "李店长"))),
    CandidateSpec(
        "远山户外旅行俱乐部 Far Peaks", "travel", None, merchant="farpeaks",
        answers=(("joint_fund", "will_fund", "周运营"), ("referred_service", "vip_or_better", "周运营")),
        visits=(("周运营", 4, "领队经验丰富,行程安全说明到位"),)),
    CandidateSpec(
        "颜究所美学沙龙 Yan Studio", "beauty", None, merchant="yanstudio", rating=4.4, source="dianping",
        answers=(("joint_fund", "after_results", "周运营"),)),
    CandidateSpec(
        "粤里·米其林粤菜 Yue Li", "dining", CENTRE, tags=("高端", "粤菜", "商务宴请"),
        stores=(("华润万象天地店", 22.5410, 113.9580, "南山区深南大道 9668 号"),), years=11, store_count=3,
        trend="growing", rating=4.8, source="dianping", satisfaction=95, complaints=0, member_system=True,
        shares_data=True, visits=(("陈志远", 5, "包间私密,服务员记得熟客口味"),),
        answers=(("joint_fund", "will_fund", "陈志远"), ("referred_service", "vip_or_better", "陈志远"))),
    CandidateSpec(
        "深蓝潜水俱乐部 DeepBlue", "travel", CENTRE, tags=("户外", "探险"),
        stores=(("大梅沙基地", 22.5950, 114.3050, "盐田区大梅沙环梅路 6 号"),), years=5, store_count=2,
        rating=4.4, source="meituan", member_system=False,
        answers=(("joint_fund", "will_not_fund", "陈志远"),), notes="距离 30 公里,车主周末出行可考虑。"),
    CandidateSpec("小橡树国际早教 Little Oak", "early_education", CENTRE, merchant="oak",
                  answers=(("referred_service", "vip_or_better", "陈志远"),)),
    CandidateSpec("力行健身 LIFT Fitness", "fitness", CENTRE, merchant="lift"),
)


def _noon_days_ago(days: int) -> datetime:
    day = clock.today_in_shanghai() - timedelta(days=days)
    return datetime.combine(day, time(12), tzinfo=clock.SHANGHAI).astimezone(UTC)


def add_partner_candidates(session: Session, alliance_id: int, rng: random.Random) -> list[Candidate]:
    """Add the demo's candidates to the alliance (flush only; the caller's unit of work commits)."""
    names = {spec.key: spec.name for spec in data.MERCHANTS}
    merchants = {m.name: m.id for m in session.scalars(select(Merchant).where(Merchant.alliance_id == alliance_id))}
    key_ids = {key: merchants[name] for key, name in names.items() if name in merchants}
    added = []
    for spec in CANDIDATES:
        merchant_id = key_ids.get(spec.merchant) if spec.merchant else None
        candidate = Candidate(
            alliance_id=alliance_id, owner_merchant_id=key_ids.get(spec.owner) if spec.owner else None,
            merchant_id=merchant_id, name=spec.name, industry=spec.industry, brand_tags=list(spec.tags),
            years_in_business=spec.years, store_count=spec.store_count, store_count_trend=spec.trend,
            rating=spec.rating, rating_source=spec.source,
            rating_date=clock.today_in_shanghai() - timedelta(days=rng.randint(3, 30)) if spec.rating else None,
            satisfaction_pct=spec.satisfaction, complaints=spec.complaints, major_negative_news=bool(spec.news),
            negative_news_note=spec.news, has_member_system=spec.member_system,
            shares_deidentified_data=spec.shares_data, status=spec.status, notes=spec.notes)
        session.add(candidate)
        session.flush()
        session.add_all([CandidateStore(alliance_id=candidate.alliance_id,
                                        candidate_id=candidate.id, name=name, address=address, latitude=lat,
                                        longitude=lng) for name, lat, lng, address in spec.stores])
        for visitor, score, findings in spec.visits:
            days = rng.randint(7, 40)
            session.add(MysteryVisit(alliance_id=candidate.alliance_id,
                                     candidate_id=candidate.id, visitor=visitor, score=score, findings=findings,
                                     visited_on=clock.today_in_shanghai() - timedelta(days=days),
                                     recorded_at=_noon_days_ago(days - 1)))
        for question, answer, asked_by in spec.answers:
            session.add(SincerityAnswer(alliance_id=candidate.alliance_id,
                                        candidate_id=candidate.id, question=question, answer=answer,
                                        asked_by=asked_by, asked_at=_noon_days_ago(rng.randint(1, 6))))
        added.append(candidate)
    session.flush()
    return added
