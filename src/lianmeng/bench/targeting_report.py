"""`report_ms` and `refresh_s` of `lianmeng bench targeting`: a targeted offer with N recipients (90% treated, 10%
held out; about a quarter of the treated and a tenth of the holdout order at the partner within the window),
written with bulk inserts into an existing, migrated database beside whatever it holds (a new alliance of its own).

* `refresh_s`: `targeting.results.refresh_outcomes` for the whole offer in one unit of work, commit included
  (outcomes recomputed set-based, the bootstrap, the results stored on the offer).
* `report_ms_p95`: the results read as the API reads them (`targeting.results.offer_results` as the sender's admin,
  serialised to JSON), each in a session of its own on a pooled connection; p50 and p95 of `samples` reads.
"""

from __future__ import annotations

import secrets
import statistics
import time
from datetime import timedelta
from typing import Any

from lianmeng.alliances.models import Alliance
from lianmeng.audiences.models import Audience
from lianmeng.auth.domain import Role
from lianmeng.coupons.models import CouponTemplate
from lianmeng.db import insert_many, pinned_session, unit_of_work
from lianmeng.kit import clock
from lianmeng.members.models import Member
from lianmeng.merchants.models import Merchant
from lianmeng.orders.models import Order
from lianmeng.targeting import results, uplift
from lianmeng.targeting.models import OfferRecipient, TargetedOffer
from lianmeng.tenancy import Principal

CHUNK = 20_000
HOLDOUT_EVERY = 10  # one recipient in ten is held out
TREATED_BUY_EVERY = 4  # a quarter of the treated order at the partner
HOLDOUT_BUY_EVERY = 10  # … and a tenth of the holdout


def _offer(database_url: str, recipients: int) -> tuple[int, Principal]:
    tag = secrets.token_hex(4)
    sent = clock.now() - timedelta(days=3)
    with unit_of_work(database_url) as session:
        alliance = Alliance(code=f"bench-t-{tag}", name="压测联盟 targeting", city="上海")
        session.add(alliance)
        session.flush()
        sender, partner = (Merchant(alliance_id=alliance.id, name=f"{name} {tag}", industry=industry)
                           for name, industry in (("压测中心", "auto_service"), ("压测健身", "fitness")))
        session.add_all([sender, partner])
        session.flush()
        template = CouponTemplate(alliance_id=alliance.id, owner_merchant_id=partner.id, name="体验券",
                                  kind="amount_off", amount_fen=5_000)
        audience = Audience(alliance_id=alliance.id, merchant_id=sender.id, name="高价值会员")
        session.add_all([template, audience])
        session.flush()
        offer = TargetedOffer(alliance_id=alliance.id, merchant_id=sender.id, partner_merchant_id=partner.id,
                              template_id=template.id, audience_id=audience.id, name="压测定向推荐", seed=tag,
                              scheduled_at=sent, assigned_at=sent, status="finished")
        session.add(offer)
        session.flush()
        principal = Principal(kind="user", id=0, role=Role.MERCHANT_ADMIN, alliance_id=alliance.id,
                              merchant_id=sender.id)
        for start in range(0, recipients, CHUNK):
            count = min(CHUNK, recipients - start)
            members = [{"alliance_id": alliance.id, "card_no": f"{tag}{start + i:08d}", "qr_version": 1,
                        "phone_enc": "", "phone_hash": f"bench-{tag}-{start + i}", "phone_masked": "",
                        "gender": "undisclosed", "status": "active", "consent_marketing": True,
                        "consent_data_sharing": False, "offers_refused": False, "created_at": sent,
                        "updated_at": sent} for i in range(count)]
            ids = sorted(row[0] for row in insert_many(session, Member, members, returning=("id",)))
            rows: list[dict[str, Any]] = []
            orders: list[dict[str, Any]] = []
            for i, member_id in enumerate(ids, start=start):
                held = i % HOLDOUT_EVERY == 0
                rows.append({"alliance_id": alliance.id, "offer_id": offer.id, "member_id": member_id,
                             "arm": "holdout" if held else "treated", "stratum": "", "attempts": 0,
                             "status": "held" if held else "sent", "sent_at": None if held else sent,
                             "delivered_at": None if held else sent, "revenue_fen": 0})
                if (i % (HOLDOUT_BUY_EVERY * HOLDOUT_EVERY) == 0) if held else (i % TREATED_BUY_EVERY == 1):
                    amount = 10_000 + (i % 37) * 1_000
                    orders.append({"alliance_id": alliance.id, "merchant_id": partner.id, "member_id": member_id,
                                   "external_id": f"{tag}-{i}", "amount_fen": amount, "cash_fen": amount,
                                   "stored_value_fen": 0, "points_used": 0, "points_value_fen": 0,
                                   "points_earned": 0, "items": [], "refunded_fen": 0, "recorded_by": "bench",
                                   "created_at": sent + timedelta(hours=1 + i % 48),
                                   "occurred_at": sent + timedelta(hours=1 + i % 48)})
            insert_many(session, OfferRecipient, rows)
            insert_many(session, Order, orders)
        return offer.id, principal


def time_report(database_url: str, recipients: int, samples: int = 200) -> dict[str, Any]:
    """Build an offer of `recipients` recipients, refresh its results once, then read them `samples` times."""
    offer_id, principal = _offer(database_url, recipients)
    uplift.rate_interval(1, 2)  # loads statsmodels (~1 s, once per process) before the clock starts
    started = time.perf_counter()
    with unit_of_work(database_url) as session:
        results.refresh_offer(session, offer_id)
    refresh_s = time.perf_counter() - started
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        with pinned_session(database_url) as session:
            results.offer_results(session, principal, offer_id).model_dump_json()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {"recipients": recipients, "refresh_s": round(refresh_s, 3),
            "report_ms_p50": round(statistics.median(timings), 2),
            "report_ms_p95": round(timings[min(len(timings) - 1, int(len(timings) * 0.95))], 2)}
