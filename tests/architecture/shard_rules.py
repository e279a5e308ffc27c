"""The shard-ready rules (docs/scale.md, issue 17 item 6), read off a schema: the models' metadata, or a migrated
database's reflection. Citus distributes the tenant tables by `alliance_id` and co-locates them, which holds only
when `alliance_id` is in every table an alliance owns, in every primary and unique key, and in every foreign key
between two such tables. The platform-wide tables (logins, tokens, the SMS outbox …) are named `platform_…`; with
`alliances` they become Citus reference tables, copied to every node.

What still breaks a rule is listed below, offender by offender: a new offender fails the tests, and so does an entry
that no longer offends (take it off the list)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Index, MetaData, UniqueConstraint
from sqlalchemy.engine import Inspector

ALLIANCE = "alliance_id"
ALLIANCES = "alliances"
PLATFORM = "platform_"

#: Unique keys without `alliance_id`: public tokens and numbers looked up before the alliance is known (a card's
#: QR, a coupon code at the till, a claim/offer/join link, an API key's prefix). Citus could not enforce them; the
#: path (docs/scale.md) is a platform-wide lookup table token → alliance, or the alliance in the token.
GLOBAL_LOOKUPS: frozenset[tuple[str, tuple[str, ...]]] = frozenset({
    ("api_keys", ("prefix",)),
    ("coupon_claim_links", ("token",)),
    ("coupons", ("code",)),
    ("members", ("card_no",)),
    ("offer_recipients", ("token",)),
    ("prospect_invitations", ("token_hash",)),
    ("recruit_join_links", ("token",)),
})

#: Tenant tables whose `alliance_id` has no foreign key, on purpose: derived figures rebuilt in bulk, never
#: pointed at (values/models.py, overlap/models.py).
NO_FOREIGN_KEY_TO_ALLIANCES: frozenset[str] = frozenset({
    "member_value_history", "member_values", "overlap_bases", "overlap_pairs",
})


#: The backlog of step 3 (docs/scale.md, "what is left"): tenant tables whose primary key is still `id` alone. SQLite
#: keeps a single integer key (its rowid autoincrement needs one); on PostgreSQL the key becomes (alliance_id, id),
#: table by table with the foreign keys that point at it.
PRIMARY_KEYS_WITHOUT_ALLIANCE: frozenset[str] = frozenset({
    "agreement_events", "agreements", "api_keys", "audiences", "campaign_costs", "campaign_coupons",
    "campaign_gift_packages", "campaign_merchants", "campaign_registrations", "campaigns", "coupon_claim_links",
    "coupon_redemptions", "coupon_templates", "coupons", "dedup_candidates", "joint_card_components",
    "joint_card_items", "joint_card_products", "joint_card_tiers", "joint_card_uses", "joint_cards",
    "ledger_accounts", "ledger_entries", "ledger_postings", "member_merge_events", "member_merges",
    "member_message_opt_outs", "member_messages", "member_owner_history", "member_owners", "member_tags",
    "member_value_history", "member_values", "member_vehicles", "members", "memberships", "merchants",
    "offer_recipients", "one_time_codes", "orders", "overlap_pairs", "ownership_settings",
    "partner_candidate_stores", "partner_candidates", "partner_mystery_visits", "partner_scoring_weights",
    "partner_sincerity_answers", "payout_accounts", "place_merge_events", "place_merges", "points_draws",
    "points_grants", "points_rules", "profile_edits", "prospect_computations", "prospect_invitations",
    "prospect_member_digests", "prospect_overlap_audit", "prospect_overlap_cells", "rebates",
    "recruit_applications", "recruit_join_links", "recruit_settings", "referral_feedback", "refunds",
    "segment_shares", "settlement_events", "settlement_lines", "settlement_runs", "settlement_statements", "staff",
    "stores", "tag_definitions", "targeted_offers", "top_ups", "value_model_settings", "verification_events",
    "withdrawals",
    # added this session by the jobs record, webhooks and the audit trail, the same way as the others
    "audit_events", "job_runs", "webhook_attempts", "webhook_deliveries", "webhook_endpoints", "webhook_events",
    # featured placement (推广位)
    "placement_bookings", "placement_slots",
    # operator fees (revenue/models.py)
    "fee_charges", "fee_settings", "fee_waivers",
    # member distribution (分销, issue 18)
    "distribution_rewards", "distribution_terms",
    # group buys (groupbuys)
    "group_buy_groups", "group_buy_offers", "group_buy_seats",
})

#: The same backlog for foreign keys between tenant tables, still (x_id) → (id) rather than
#: (alliance_id, x_id) → (alliance_id, id).
SINGLE_COLUMN_FOREIGN_KEYS: frozenset[str] = frozenset({
    "agreement_events.actor_merchant_id→merchants", "agreement_events.agreement_id→agreements",
    "agreements.merchant_a_id→merchants", "agreements.merchant_b_id→merchants", "api_keys.merchant_id→merchants",
    "audiences.merchant_id→merchants", "campaign_costs.campaign_id→campaigns",
    "campaign_costs.paid_by_merchant_id→merchants", "campaign_coupons.campaign_id→campaigns",
    "campaign_coupons.coupon_id→coupons", "campaign_coupons.member_id→members",
    "campaign_coupons.package_id→campaign_gift_packages", "campaign_gift_packages.campaign_id→campaigns",
    "campaign_merchants.campaign_id→campaigns", "campaign_merchants.merchant_id→merchants",
    "campaign_registrations.campaign_id→campaigns", "campaign_registrations.checked_in_merchant_id→merchants",
    "campaign_registrations.checked_in_staff_id→staff", "campaign_registrations.member_id→members",
    "campaign_registrations.registered_by_merchant_id→merchants", "campaigns.lead_merchant_id→merchants",
    "coupon_claim_links.merchant_id→merchants", "coupon_claim_links.staff_id→staff",
    "coupon_claim_links.store_id→stores", "coupon_claim_links.template_id→coupon_templates",
    "coupon_redemptions.coupon_id→coupons", "coupon_redemptions.funded_by_merchant_id→merchants",
    "coupon_redemptions.member_id→members", "coupon_redemptions.merchant_id→merchants",
    "coupon_redemptions.order_id→orders", "coupon_redemptions.referrer_merchant_id→merchants",
    "coupon_redemptions.referrer_staff_id→staff", "coupon_redemptions.staff_id→staff",
    "coupon_redemptions.store_id→stores", "coupon_templates.agreement_id→agreements",
    "coupon_templates.audience_merchant_id→merchants", "coupon_templates.funded_by_merchant_id→merchants",
    "coupon_templates.owner_merchant_id→merchants", "coupons.claim_link_id→coupon_claim_links",
    "coupons.member_id→members", "coupons.referrer_merchant_id→merchants", "coupons.referrer_staff_id→staff",
    "coupons.referrer_store_id→stores", "coupons.target_merchant_id→merchants",
    "coupons.template_id→coupon_templates", "coupons.referrer_member_id→members",
    "coupon_claim_links.sharer_member_id→members", "distribution_terms.merchant_id→merchants",
    "distribution_terms.template_id→coupon_templates", "distribution_rewards.terms_id→distribution_terms",
    "distribution_rewards.template_id→coupon_templates", "distribution_rewards.link_id→coupon_claim_links",
    "distribution_rewards.coupon_id→coupons", "distribution_rewards.sharer_member_id→members",
    "distribution_rewards.friend_member_id→members", "distribution_rewards.order_id→orders",
    "distribution_rewards.payer_merchant_id→merchants", "distribution_rewards.rebate_id→rebates",
    "joint_card_components.merchant_id→merchants",
    "joint_card_components.tier_id→joint_card_tiers", "joint_card_items.card_id→joint_cards",
    "joint_card_items.component_id→joint_card_components", "joint_card_items.merchant_id→merchants",
    "joint_card_products.expiry_merchant_id→merchants", "joint_card_products.lead_merchant_id→merchants",
    "joint_card_tiers.product_id→joint_card_products", "joint_card_uses.card_id→joint_cards",
    "joint_card_uses.component_id→joint_card_components", "joint_card_uses.item_id→joint_card_items",
    "joint_card_uses.merchant_id→merchants", "joint_card_uses.staff_id→staff", "joint_cards.member_id→members",
    "joint_cards.product_id→joint_card_products", "joint_cards.seller_merchant_id→merchants",
    "joint_cards.seller_staff_id→staff", "joint_cards.tier_id→joint_card_tiers",
    "ledger_entries.account_id→ledger_accounts", "ledger_entries.posting_id→ledger_postings",
    "member_merge_events.merge_id→member_merges", "member_merges.absorbed_id→members",
    "member_merges.merchant_id→merchants", "member_merges.survivor_id→members",
    "member_message_opt_outs.member_id→members", "member_messages.member_id→members",
    "member_owner_history.member_id→members", "member_owner_history.merchant_id→merchants",
    "member_owner_history.other_member_id→members", "member_owner_history.staff_id→staff",
    "member_owners.member_id→members", "member_owners.merchant_id→merchants", "member_owners.staff_id→staff",
    "member_tags.member_id→members", "member_tags.merchant_id→merchants", "member_tags.staff_id→staff",
    "member_tags.tag_id→tag_definitions", "member_vehicles.member_id→members",
    "member_vehicles.merchant_id→merchants", "member_vehicles.staff_id→staff", "members.merged_into_id→members",
    "members.origin_merchant_id→merchants", "members.origin_staff_id→staff", "members.origin_store_id→stores",
    "memberships.member_id→members", "memberships.merchant_id→merchants", "merchants.merged_into_id→merchants",
    "offer_recipients.coupon_id→coupons", "offer_recipients.member_id→members",
    "offer_recipients.offer_id→targeted_offers", "one_time_codes.member_id→members", "orders.member_id→members",
    "orders.merchant_id→merchants", "orders.referrer_merchant_id→merchants", "orders.referrer_staff_id→staff",
    "orders.store_id→stores", "orders.stored_value_merchant_id→merchants",
    "ownership_settings.merchant_id→merchants", "partner_candidate_stores.candidate_id→partner_candidates",
    "partner_candidates.merchant_id→merchants", "partner_candidates.merged_into_id→partner_candidates",
    "partner_candidates.owner_merchant_id→merchants", "partner_mystery_visits.candidate_id→partner_candidates",
    "partner_sincerity_answers.candidate_id→partner_candidates", "payout_accounts.merchant_id→merchants",
    "place_merge_events.merge_id→place_merges", "place_merges.merchant_id→merchants",
    "points_draws.grant_id→points_grants", "points_draws.order_id→orders", "points_draws.refund_id→refunds",
    "points_grants.issuer_merchant_id→merchants", "points_grants.member_id→members",
    "points_grants.order_id→orders", "points_rules.merchant_id→merchants", "profile_edits.member_id→members",
    "profile_edits.merchant_id→merchants", "profile_edits.staff_id→staff",
    "prospect_computations.candidate_id→partner_candidates",
    "prospect_computations.invitation_id→prospect_invitations",
    "prospect_invitations.candidate_id→partner_candidates", "prospect_invitations.inviter_merchant_id→merchants",
    "prospect_member_digests.invitation_id→prospect_invitations", "prospect_member_digests.member_id→members",
    "prospect_overlap_audit.candidate_id→partner_candidates",
    "prospect_overlap_audit.computation_id→prospect_computations",
    "prospect_overlap_audit.invitation_id→prospect_invitations",
    "prospect_overlap_cells.computation_id→prospect_computations", "prospect_overlap_cells.merchant_id→merchants",
    "rebates.agreement_id→agreements", "rebates.member_id→members", "rebates.order_id→orders",
    "rebates.payer_merchant_id→merchants", "recruit_applications.candidate_id→partner_candidates",
    "recruit_applications.inviting_merchant_id→merchants", "recruit_applications.join_link_id→recruit_join_links",
    "recruit_applications.merchant_id→merchants", "recruit_applications.staff_id→staff",
    "recruit_join_links.merchant_id→merchants", "recruit_join_links.staff_id→staff",
    "referral_feedback.member_id→members", "referral_feedback.merchant_id→merchants",
    "referral_feedback.redemption_id→coupon_redemptions", "referral_feedback.referrer_merchant_id→merchants",
    "refunds.order_id→orders", "segment_shares.agreement_id→agreements", "segment_shares.audience_id→audiences",
    "segment_shares.from_merchant_id→merchants", "segment_shares.to_merchant_id→merchants",
    "settlement_events.statement_id→settlement_statements", "settlement_lines.account_id→ledger_accounts",
    "settlement_lines.statement_id→settlement_statements", "settlement_statements.merchant_id→merchants",
    "settlement_statements.run_id→settlement_runs", "staff.merchant_id→merchants", "staff.store_id→stores",
    "stores.merchant_id→merchants", "stores.merged_into_id→stores", "targeted_offers.agreement_id→agreements",
    "targeted_offers.audience_id→audiences", "targeted_offers.merchant_id→merchants",
    "targeted_offers.partner_merchant_id→merchants", "targeted_offers.template_id→coupon_templates",
    "top_ups.member_id→members", "top_ups.merchant_id→merchants", "withdrawals.merchant_id→merchants",
    "withdrawals.payout_account_id→payout_accounts",
    "webhook_attempts.delivery_id→webhook_deliveries", "webhook_attempts.endpoint_id→webhook_endpoints",
    "webhook_deliveries.endpoint_id→webhook_endpoints", "webhook_deliveries.event_id→webhook_events",
    "webhook_endpoints.merchant_id→merchants", "webhook_events.merchant_id→merchants",
    "placement_bookings.merchant_id→merchants", "placement_bookings.slot_id→placement_slots",
    "fee_charges.merchant_id→merchants", "fee_charges.posting_id→ledger_postings", "fee_charges.waiver_id→fee_waivers",
    "fee_waivers.merchant_id→merchants",
    "group_buy_groups.leader_member_id→members", "group_buy_groups.offer_id→group_buy_offers",
    "group_buy_offers.created_by_merchant_id→merchants", "group_buy_offers.joint_product_id→joint_card_products",
    "group_buy_offers.joint_tier_id→joint_card_tiers", "group_buy_offers.seller_merchant_id→merchants",
    "group_buy_seats.group_id→group_buy_groups", "group_buy_seats.joint_card_id→joint_cards",
    "group_buy_seats.member_id→members", "group_buy_seats.offer_id→group_buy_offers",
})


@dataclass
class Shape:
    """What the rules read of one table."""

    columns: dict[str, bool] = field(default_factory=dict)  # name → nullable
    primary_key: tuple[str, ...] = ()
    uniques: set[tuple[str, ...]] = field(default_factory=set)
    foreign_keys: list[tuple[tuple[str, ...], str, tuple[str, ...]]] = field(default_factory=list)


def from_metadata(metadata: MetaData) -> dict[str, Shape]:
    shapes = {}
    for table in metadata.tables.values():
        uniques = {tuple(c.name for c in u.columns) for u in table.constraints if isinstance(u, UniqueConstraint)}
        uniques |= {tuple(c.name for c in i.columns) for i in table.indexes if isinstance(i, Index) and i.unique}
        shapes[table.name] = Shape(
            columns={c.name: bool(c.nullable) for c in table.columns},
            primary_key=tuple(c.name for c in table.primary_key.columns),
            uniques=uniques,
            foreign_keys=[(tuple(c.name for c in fk.columns), fk.referred_table.name,
                           tuple(e.column.name for e in fk.elements)) for fk in table.foreign_key_constraints],
        )
    return shapes


def from_database(inspector: Inspector) -> dict[str, Shape]:
    shapes = {}
    for name in inspector.get_table_names():
        if name == "alembic_version":
            continue
        uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints(name)}
        uniques |= {tuple(c for c in i["column_names"] if c) for i in inspector.get_indexes(name) if i["unique"]}
        shapes[name] = Shape(
            columns={c["name"]: bool(c["nullable"]) for c in inspector.get_columns(name)},
            primary_key=tuple(inspector.get_pk_constraint(name)["constrained_columns"]),
            uniques=uniques,
            foreign_keys=[(tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))
                          for fk in inspector.get_foreign_keys(name)],
        )
    return shapes


def is_platform(table: str) -> bool:
    return table == ALLIANCES or table.startswith(PLATFORM)


def tenant_tables(shapes: dict[str, Shape]) -> dict[str, Shape]:
    return {name: shape for name, shape in shapes.items() if not is_platform(name)}


def without_alliance(shapes: dict[str, Shape]) -> set[str]:
    """Tenant tables lacking a NOT NULL `alliance_id`."""
    return {name for name, shape in tenant_tables(shapes).items() if shape.columns.get(ALLIANCE, True)}


def without_foreign_key_to_alliances(shapes: dict[str, Shape]) -> set[str]:
    return {name for name, shape in tenant_tables(shapes).items()
            if ((ALLIANCE,), ALLIANCES, ("id",)) not in shape.foreign_keys}


def unique_keys_without_alliance(shapes: dict[str, Shape]) -> set[tuple[str, tuple[str, ...]]]:
    return {(name, columns) for name, shape in tenant_tables(shapes).items() for columns in shape.uniques
            if ALLIANCE not in columns}


def primary_keys_without_alliance(shapes: dict[str, Shape]) -> set[str]:
    return {name for name, shape in tenant_tables(shapes).items() if ALLIANCE not in shape.primary_key}


def single_column_foreign_keys(shapes: dict[str, Shape]) -> set[str]:
    """Foreign keys between two tenant tables that do not carry `alliance_id` → `alliance_id`, as
    `table.column→referred`."""
    return {f"{name}.{'+'.join(columns)}→{referred}" for name, shape in tenant_tables(shapes).items()
            for columns, referred, referred_columns in shape.foreign_keys
            if not is_platform(referred) and not (ALLIANCE in columns and ALLIANCE in referred_columns)}


def listing(items: Iterable[str]) -> str:
    return "\n".join(sorted(items))
