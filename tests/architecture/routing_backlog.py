"""The backlog of statements not yet pinned to one alliance, found by tests/scenarios/test_a_day_routes_by_alliance.py
(the rule: tests/architecture/routing_rules.py; the why and the figures: docs/scale.md). Each entry is the
function that ran the statement (`module:function`) and the tenant tables it left unpinned. The list is exact: a
new offender fails the test, and so does an entry that no longer offends (take it off)."""

from __future__ import annotations

#: The ORM's own statements by primary key: a flush's UPDATE or DELETE (`WHERE t.id = :id`), a `session.get`, a
#: refresh, a lazy load. They route once a table's identity holds its alliance (the primary-key backlog of
#: shard_rules.py, step 3 in docs/scale.md); until then each is one indexed lookup by id on every shard.
ORM_IDENTITY: frozenset[str] = frozenset({
    "lianmeng.audit.service:record agreements",
    "lianmeng.audit.service:record member_merges",
    "lianmeng.audit.service:record members",
    "lianmeng.audit.service:record settlement_statements",
    "lianmeng.auth.service:principal_from_bearer members",
    "lianmeng.auth.service:verify_code members",
    "lianmeng.auth.service:verify_code one_time_codes",
    "lianmeng.commissions.repository:rebates_of_order refunds",
    "lianmeng.commissions.service:release_matured rebates",
    "lianmeng.coupons.service:_check coupon_templates",
    "lianmeng.coupons.service:_convert coupon_redemptions",
    "lianmeng.coupons.service:_convert coupons",
    "lianmeng.coupons.service:_hand_out coupon_templates",
    "lianmeng.coupons.service:claim_link coupon_templates",
    "lianmeng.coupons.service:claim_link merchants",
    "lianmeng.coupons.service:prove_claimant members",
    "lianmeng.coupons.service:redeem coupons",
    "lianmeng.dedup.service:merge dedup_candidates",
    "lianmeng.groupbuys.service:_expire group_buy_groups",
    "lianmeng.groupbuys.service:_expire group_buy_offers",
    "lianmeng.jobs.service:run_one job_runs",
    "lianmeng.jointcards.service:card_out joint_card_products",
    "lianmeng.jointcards.service:card_out joint_card_tiers",
    "lianmeng.jointcards.service:consume joint_card_items",
    "lianmeng.jointcards.service:sell joint_card_products",
    "lianmeng.ledger.repository:_load rebates",
    "lianmeng.ledger.repository:posting_by_key group_buy_seats",
    "lianmeng.ledger.repository:posting_by_key rebates",
    "lianmeng.members.repository:membership_of coupons",
    "lianmeng.members.repository:survivor_of members",
    "lianmeng.members.service:enrol_member members",
    "lianmeng.members.service:update_self members",
    "lianmeng.merchants.repository:merchant_by_id merchants",
    "lianmeng.merchants.repository:staff_by_id staff",
    "lianmeng.merging.service:<listcomp> points_grants",
    "lianmeng.notifications.service:message_member member_messages",
    "lianmeng.orders.service:record_order orders",
    "lianmeng.orders.service:refund_order orders",
    "lianmeng.partners.repository:merchant_of merchants",
    "lianmeng.prospects.service:purge_expired prospect_invitations",
    "lianmeng.settlement.repository:build_lines settlement_runs",
    "lianmeng.settlement.repository:refresh_totals settlement_runs",
    "lianmeng.settlement.service:_line_detail merchants",
    "lianmeng.settlement.service:_line_detail settlement_runs",
    "lianmeng.settlement.service:adjust settlement_statements",
    "lianmeng.settlement.service:pay settlement_statements",
    "lianmeng.settlement.service:statement_out merchants",
    "lianmeng.settlement.service:statement_out settlement_runs",
    "lianmeng.targeting.results:refresh_offer targeted_offers",
    "lianmeng.targeting.results:refresh_outcomes targeted_offers",
    "lianmeng.values.service:refresh value_model_settings",
    "lianmeng.verification.service:enter_details merchants",
    "lianmeng.verification.service:enter_details partner_candidates",
    "lianmeng.verification.service:run_rules merchants",
    "lianmeng.verification.service:run_rules partner_candidates",
})

#: Jobs asking which alliances have work (`alliances_with_…`, `due_alliances`): across alliances by design, once
#: per tick; the work itself then runs one alliance at a time. On Citus each is one small multi-shard query.
FAN_OUT: frozenset[str] = frozenset({
    "lianmeng.commissions.repository:alliances_with_matured rebates",
    "lianmeng.dedup.repository:alliances_with_members members",
    "lianmeng.distribution.repository:alliances_with_matured_points distribution_rewards",
    "lianmeng.groupbuys.repository:alliances_with_groups_due group_buy_groups",
    "lianmeng.groupbuys.repository:alliances_with_matured_shares group_buy_seats",
    "lianmeng.jointcards.repository:alliances_with_cards_due joint_cards",
    "lianmeng.members.repository:alliances_with_unconfirmed members",
    "lianmeng.ownership.repository:alliances_with_owners member_owners",
    "lianmeng.points.repository:alliances_with_grants_expired points_grants",
    "lianmeng.points.repository:alliances_with_grants_expiring points_grants",
    "lianmeng.prospects.repository:alliances_to_purge prospect_computations,prospect_invitations",
    "lianmeng.referrals.rollup:due_alliances coupons,orders,referral_rollup_state",
    "lianmeng.revenue.repository:alliances_with_settings fee_settings",
    "lianmeng.tags.repository:alliances_with_rules tag_definitions",
    "lianmeng.targeting.results_repository:alliances_of_offers targeted_offers",
    "lianmeng.targeting.sending:alliances_sending targeted_offers",
    "lianmeng.values.service:due_alliances value_model_settings",
})

#: The order group commit (orders/service.py `record_orders`) takes a batch of orders of several alliances in one
#: statement per step. On Citus the batch would be grouped by alliance first.
GROUP_COMMIT: frozenset[str] = frozenset({
    "lianmeng.commissions.repository:month_paid_many rebates",
    "lianmeng.commissions.repository:orders_at_many orders",
    "lianmeng.coupons.repository:touches_of coupons",
    "lianmeng.distribution.repository:shared_coupons coupons,distribution_rewards,distribution_terms",
    "lianmeng.members.repository:tiers_at memberships",
    "lianmeng.orders.repository:orders_by_external_ids orders",
    "lianmeng.orders.repository:orders_by_ids orders",
})

#: The books' invariant checks over every alliance at once (the nightly check job, the demo, the bench).
EVERY_ALLIANCE: frozenset[str] = frozenset({
    "lianmeng.ledger.repository:invariant_problems ledger_accounts,ledger_entries",
    "lianmeng.ledger.repository:invariant_problems ledger_entries,ledger_postings",
    "lianmeng.points.repository:grant_problems ledger_accounts,points_grants",
})

#: Not yet pinned: lighter paths (console pages, member pages, reports, jobs' inner queries). Each is fixed as in
#: the pinned repositories: the alliance as a parameter (`X.alliance_id == alliance_id`), and joins between tenant
#: tables on `alliance_id` too.
NOT_YET: frozenset[str] = frozenset({
    "lianmeng.jointcards.repository:products_in_scope group_buy_offers,joint_card_components,joint_card_tiers",
    "lianmeng.alliances.repository:grouped staff",
    "lianmeng.alliances.repository:grouped stores",
    "lianmeng.auth.sender:redact_stale member_messages,offer_recipients",
    "lianmeng.auth.sender:undelivered_for member_messages,offer_recipients",
    "lianmeng.coupons.repository:use_counts coupon_redemptions,offer_recipients",
    "lianmeng.dedup.repository:members_by_id members",
    "lianmeng.dedup.repository:merchant_records stores",
    "lianmeng.dedup.repository:store_records stores",
    "lianmeng.distance.repository:store_pairs coupon_redemptions",
    "lianmeng.distance.repository:store_spots stores",
    "lianmeng.merchants.repository:open_stores stores",
    "lianmeng.merging.repository:lock_members members",
    "lianmeng.overlap.repository:memberships_in members,memberships",
    "lianmeng.overlap.repository:rebuild members,memberships",
    "lianmeng.overlap.service:merchant_overlap members,memberships",
    "lianmeng.ownership.repository:idle_rows coupon_redemptions,member_owners,orders",
    "lianmeng.ownership.repository:owners_of member_owners",
    "lianmeng.ownership.repository:pool_count member_owners,members,memberships",
    "lianmeng.ownership.repository:settings_of ownership_settings",
    "lianmeng.ownership.repository:staff_counts member_owners,staff",
    "lianmeng.ownership.web:_admin member_owners,members,memberships",
    "lianmeng.partners.repository:feedback_window referral_feedback",
    "lianmeng.partners.repository:merchant_stores stores",
    "lianmeng.partners.repository:observed_service coupon_redemptions",
    "lianmeng.partners.repository:observed_service coupon_redemptions,coupons",
    "lianmeng.partners.repository:observed_sincerity agreement_events,agreements",
    "lianmeng.partners.repository:observed_sincerity campaign_merchants,campaigns",
    "lianmeng.partners.repository:observed_sincerity settlement_events,settlement_statements",
    "lianmeng.profiles.repository:by_staff member_owners,member_tags",
    "lianmeng.profiles.repository:count_queue member_tags",
    "lianmeng.profiles.repository:tagged_among member_tags,members",
    "lianmeng.profiles.service:queue member_tags",
    "lianmeng.prospects.repository:invitations_to_purge prospect_computations",
    "lianmeng.prospects.repository:latest_computation prospect_computations",
    "lianmeng.recruiting.repository:names merchants",
    "lianmeng.recruiting.repository:names staff",
    "lianmeng.referrals.rollup:_sealed offer_recipients",
    "lianmeng.referrals.rollup:touched_days coupon_redemptions,coupons,orders",
    "lianmeng.tags.repository:apply_rule member_tags",
    "lianmeng.tags.repository:apply_rule members",
    "lianmeng.tags.repository:apply_rule members,merchants",
    "lianmeng.tags.repository:clear_rule_tags member_tags",
    "lianmeng.tags.service:member_tags tag_definitions",
    "lianmeng.targeting.results_repository:claims coupons,offer_recipients",
    "lianmeng.targeting.results_repository:partner_arrivals coupon_redemptions,offer_recipients",
    "lianmeng.targeting.results_repository:partner_orders offer_recipients,orders",
    "lianmeng.targeting.results_repository:started_offers offer_recipients",
    "lianmeng.targeting.results_repository:started_offers offer_recipients,targeted_offers",
    "lianmeng.targeting.web:_index targeted_offers",
    "lianmeng.values.repository:collect_members orders",
    "lianmeng.values.repository:collect_people members",
    "lianmeng.values.repository:write_scored member_values",
    "lianmeng.vehicles.repository:ids_to_move member_vehicles",
    "lianmeng.webhooks.repository:due_deliveries webhook_deliveries,webhook_endpoints",
    "lianmeng.webhooks.repository:mark_dispatched webhook_events",
    "lianmeng.webhooks.repository:undispatched webhook_events",
})

#: Offenders seen on one database only (the dialects take different code paths).
ONE_DATABASE: dict[str, frozenset[str]] = {
    "sqlite": frozenset({
        "lianmeng.overlap.repository:rebuild overlap_pairs",
    }),
    "postgresql": frozenset({
        "lianmeng.overlap.repository:_rebuild_pairs_postgres overlap_pairs",
    }),
}

BACKLOG: frozenset[str] = ORM_IDENTITY | FAN_OUT | GROUP_COMMIT | EVERY_ALLIANCE | NOT_YET
