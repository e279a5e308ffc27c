"""The composition root: the application factory, on top of the house. It imports every capability's routers and
builds the app (API under /api/v1, console pages at /, OpenAPI at /docs); nothing inside the package imports it
(tests/architecture). `lianmeng serve` runs it with uvicorn as "lianmeng.main:create_app" (factory=True)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from lianmeng import __version__
from lianmeng.agreements.api import router as agreements_router
from lianmeng.agreements.web import router as agreements_pages
from lianmeng.alliances.api import router as alliances_router
from lianmeng.alliances.web import router as alliances_pages
from lianmeng.audiences.api import router as audiences_router
from lianmeng.audiences.web import router as audiences_pages
from lianmeng.audit.api import router as audit_router
from lianmeng.audit.web import router as audit_pages
from lianmeng.auth.api import router as auth_router
from lianmeng.auth.web import router as auth_pages
from lianmeng.campaigns.api import router as campaigns_router
from lianmeng.campaigns.web import router as campaigns_pages
from lianmeng.commissions.api import router as commissions_router
from lianmeng.config import get_settings
from lianmeng.counter.web import router as counter_pages
from lianmeng.coupons.api import router as coupons_router
from lianmeng.coupons.web import router as coupons_pages
from lianmeng.dedup.api import router as dedup_router
from lianmeng.dedup.web import router as dedup_pages
from lianmeng.distance.api import router as distance_router
from lianmeng.distance.web import router as distance_pages
from lianmeng.distribution.api import router as distribution_router
from lianmeng.distribution.web import router as distribution_pages
from lianmeng.groupbuys.api import router as groupbuys_router
from lianmeng.groupbuys.mobile import router as groupbuys_member_pages
from lianmeng.groupbuys.web import router as groupbuys_pages
from lianmeng.jobs.api import router as jobs_router
from lianmeng.jobs.service import Scheduler
from lianmeng.jobs.web import router as jobs_pages
from lianmeng.jointcards.api import router as jointcards_router
from lianmeng.jointcards.web import router as jointcards_pages
from lianmeng.kit import logmask
from lianmeng.kit.throttle import BindThrottle, Throttle
from lianmeng.ledger.api import router as ledger_router
from lianmeng.members.api import router as members_router
from lianmeng.members.mobile import router as member_mobile_pages
from lianmeng.members.web import router as members_pages
from lianmeng.merchants.api import router as merchants_router
from lianmeng.merging.api import router as merging_router
from lianmeng.merging.web import router as merging_pages
from lianmeng.notifications.api import router as notifications_router
from lianmeng.notifications.web import router as notifications_pages
from lianmeng.orders.api import router as orders_router
from lianmeng.overlap.api import router as overlap_router
from lianmeng.overlap.web import router as overlap_pages
from lianmeng.ownership.api import router as ownership_router
from lianmeng.ownership.web import router as ownership_pages
from lianmeng.partners.api import router as partners_router
from lianmeng.partners.web import router as partners_pages
from lianmeng.placements.api import router as placements_router
from lianmeng.placements.web import router as placements_pages
from lianmeng.points.api import router as points_router
from lianmeng.profiles.api import router as profiles_router
from lianmeng.profiles.web import router as profiles_pages
from lianmeng.prospects.api import router as prospects_router
from lianmeng.prospects.domain import MAX_UPLOAD_BYTES
from lianmeng.prospects.web import router as prospects_pages
from lianmeng.recruiting.api import router as recruiting_router
from lianmeng.recruiting.web import router as recruiting_pages
from lianmeng.referrals.api import router as referrals_router
from lianmeng.referrals.web import router as referrals_pages
from lianmeng.revenue.api import router as revenue_router
from lianmeng.revenue.api import settings_router as fee_settings_router
from lianmeng.revenue.web import router as revenue_pages
from lianmeng.segments.api import router as segments_router
from lianmeng.segments.web import router as segments_pages
from lianmeng.settlement.api import router as settlement_router
from lianmeng.settlement.web import router as settlement_pages
from lianmeng.tags.api import router as tags_router
from lianmeng.tags.mobile import router as tags_member_pages
from lianmeng.tags.web import router as tags_pages
from lianmeng.targeting.api import router as targeting_router
from lianmeng.targeting.results_api import router as targeting_results_router
from lianmeng.targeting.results_web import router as targeting_results_pages
from lianmeng.targeting.web import router as targeting_pages
from lianmeng.values.api import router as values_router
from lianmeng.values.web import router as values_pages
from lianmeng.vehicles.api import router as vehicles_router
from lianmeng.vehicles.web import router as vehicles_pages
from lianmeng.verification.api import router as verification_router
from lianmeng.verification.web import router as verification_pages
from lianmeng.web import errors, openapi
from lianmeng.web.capacity import LoadShedder, size_thread_limiter
from lianmeng.web.health import router as health_router
from lianmeng.web.responses import FastJSONResponse
from lianmeng.web.security import SecurityHeaders
from lianmeng.webhooks.api import router as webhooks_router
from lianmeng.webhooks.web import router as webhooks_pages
from lianmeng.withdrawals.api import accounts as payout_accounts_router
from lianmeng.withdrawals.api import router as withdrawals_router
from lianmeng.withdrawals.web import router as withdrawals_pages

STATIC = Path(__file__).parent / "web" / "static"

DESCRIPTION = """
联盟 Lianmeng — records every referral, coupon, order, point and yuan of a cross-industry merchant alliance.

* Authenticate with **Authorize** (password login) or an `X-API-Key` header (merchant integrations).
* Errors: `{"error": {"code", "message", "details"}}`, message in `Accept-Language` (zh-CN default, en).
* Creating requests accept `Idempotency-Key`; keys are kept 24 hours, scoped to the caller.
* At capacity the server answers **503 with `Retry-After`** and does nothing with the request: retry after that
  many seconds (with the same Idempotency-Key).
"""


def create_app(database_url: str | None = None, run_jobs: bool | None = None,
               throttle: Throttle | None = None) -> FastAPI:
    """Without arguments (uvicorn's factory call) everything comes from the settings: LIANMENG_DATABASE_URL, and
    LIANMENG_RUN_JOBS to run the scheduled jobs in-process (what `lianmeng serve` sets). `throttle`: the login and
    one-time-code counters (default: Redis at LIANMENG_REDIS_URL, or this app's own memory)."""
    settings = get_settings()
    run_jobs = settings.run_jobs if run_jobs is None else run_jobs
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logmask.install()
    url = database_url or settings.database_url

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        size_thread_limiter(settings)
        scheduler = Scheduler(url, settings.jobs_interval_seconds)
        if run_jobs and settings.jobs_interval_seconds:
            scheduler.start()
        yield
        if run_jobs and settings.jobs_interval_seconds:
            scheduler.stop()

    app = FastAPI(title="Lianmeng 联盟 API", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  default_response_class=FastJSONResponse)
    app.state.database_url = url
    app.state.max_body_bytes = settings.max_body_bytes
    errors.install(app)
    api = APIRouter(prefix="/api/v1")
    for router in (health_router, auth_router, alliances_router, merchants_router, merging_router, members_router,
                   agreements_router,
                   orders_router, withdrawals_router, payout_accounts_router, ledger_router, commissions_router,
                   points_router,
                   coupons_router, referrals_router, jointcards_router, groupbuys_router, campaigns_router,
                   settlement_router, revenue_router, fee_settings_router,
                   distance_router, partners_router, recruiting_router, prospects_router,
                   overlap_router, audiences_router, segments_router,
                   targeting_results_router, targeting_router, values_router, tags_router, verification_router,
                   profiles_router, ownership_router, vehicles_router,
                   dedup_router, notifications_router, audit_router, webhooks_router, jobs_router, placements_router,
                   distribution_router):
        api.include_router(router)
    app.include_router(api)
    openapi.install(app)
    app.include_router(alliances_pages)
    app.include_router(auth_pages)
    for pages in (referrals_pages, counter_pages, coupons_pages, jointcards_pages, partners_pages, agreements_pages,
                  merging_pages,
                  members_pages,
                  withdrawals_pages, settlement_pages, revenue_pages, campaigns_pages, member_mobile_pages,
                  distance_pages, recruiting_pages,
                  prospects_pages, overlap_pages, audiences_pages, segments_pages,
                  targeting_results_pages, targeting_pages, values_pages, tags_pages,
                  tags_member_pages, verification_pages, profiles_pages, ownership_pages, vehicles_pages,
                  dedup_pages, notifications_pages, audit_pages, webhooks_pages, jobs_pages, placements_pages,
                  distribution_pages, groupbuys_pages, groupbuys_member_pages):
        app.include_router(pages)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.state.throttle = throttle or Throttle(settings.redis_url)
    app.add_middleware(BindThrottle, throttle=app.state.throttle)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(errors.BodyLimit, limit=settings.max_body_bytes,
                       larger={"/api/v1/prospects/uploads": MAX_UPLOAD_BYTES, "/p/overlap/": MAX_UPLOAD_BYTES})
    app.add_middleware(LoadShedder, limit=settings.max_concurrent_requests, queue_depth=settings.request_queue_depth,
                       queue_seconds=settings.request_queue_seconds, retry_after=settings.retry_after_seconds)
    return app
