"""The pure rules of notifications: who receives each kind, opt-outs, the offer's addressee, the partners told of a
coupon's use, the expiry batch, and every kind in words in both languages."""

from __future__ import annotations

from datetime import UTC, date, datetime

from lianmeng.auth.domain import Role
from lianmeng.notifications import domain
from lianmeng.notifications.domain import Login, MemberKind, StaffKind

LOGINS = [
    Login(1, Role.MERCHANT_ADMIN, 10, None), Login(2, Role.MERCHANT_ADMIN, 10, None),
    Login(3, Role.STORE_STAFF, 10, 100), Login(4, Role.MERCHANT_ADMIN, 20, None),
    Login(5, Role.MERCHANT_ADMIN, 10, None, active=False), Login(6, Role.OPERATOR_ADMIN, None, None),
]


def test_merchant_kinds_go_to_the_merchants_active_admins() -> None:
    for kind in (StaffKind.PROPOSAL_RECEIVED, StaffKind.STATEMENT_ISSUED, StaffKind.COUPON_REDEEMED_AT_PARTNER):
        assert domain.recipients(kind, LOGINS, merchant_id=10) == [1, 2]
        assert domain.recipients(kind, LOGINS, merchant_id=20) == [4]
        assert domain.recipients(kind, LOGINS, merchant_id=None) == []


def test_payee_kinds_go_to_the_staff_members_own_login_or_the_merchants_admins() -> None:
    for kind in (StaffKind.WITHDRAWAL_DECIDED, StaffKind.REBATE_RELEASED):
        assert domain.recipients(kind, LOGINS, merchant_id=10, staff_id=100) == [3]
        assert domain.recipients(kind, LOGINS, merchant_id=10, staff_id=999) == []
    assert domain.recipients(StaffKind.WITHDRAWAL_DECIDED, LOGINS, merchant_id=10) == [1, 2]


def test_a_kind_turned_off_is_not_received() -> None:
    off = [(1, "proposal_received"), (2, "statement_issued")]
    assert domain.recipients(StaffKind.PROPOSAL_RECEIVED, LOGINS, merchant_id=10, opted_out=off) == [2]
    assert domain.recipients(StaffKind.STATEMENT_ISSUED, LOGINS, merchant_id=10, opted_out=off) == [1]
    assert domain.wanted("points_expiring", []) and not domain.wanted("points_expiring", ["points_expiring"])


def test_an_offer_is_addressed_to_the_side_that_did_not_make_it() -> None:
    assert domain.proposal_recipient(1, 2, offered_by_proposer=True) == 2
    assert domain.proposal_recipient(1, 2, offered_by_proposer=False) == 1
    assert domain.proposal_recipient(None, None, offered_by_proposer=True) is None


def test_a_coupon_used_at_a_partner_tells_its_owner_and_referrer_but_not_where_it_was_used() -> None:
    assert domain.partner_recipients(2, owner_merchant_id=2, referrer_merchant_id=1) == [1]
    assert domain.partner_recipients(3, owner_merchant_id=2, referrer_merchant_id=1) == [1, 2]
    assert domain.partner_recipients(2, owner_merchant_id=2, referrer_merchant_id=None) == []
    assert domain.partner_recipients(2, owner_merchant_id=None, referrer_merchant_id=2) == []


def test_the_expiry_batch_is_the_day_and_the_window_thirty_days() -> None:
    assert domain.expiry_batch(date(2026, 12, 31)) == "points:2026-12-31"
    start, end = domain.expiry_window(datetime(2026, 12, 1, tzinfo=UTC))
    assert (end - start).days == domain.EXPIRY_NOTICE_DAYS == 30


def test_every_kind_has_words_in_both_languages() -> None:
    for table in (domain.STAFF_KIND_LABELS, domain.MEMBER_KIND_LABELS):
        assert set(table) == set(StaffKind if table is domain.STAFF_KIND_LABELS else MemberKind)
        for zh, en in table.values():
            assert zh and en and zh != en
    for kind in StaffKind:
        for lang in ("zh-CN", "en"):
            text = domain.staff_text(kind, {"title": "T", "amount_fen": 5000, "net_fen": -100, "period": "2026-10",
                                            "partner": "P", "coupon": "C"}, lang)
            assert text and "{" not in text and kind.value not in text
    assert domain.kind_label("rebate_released", "zh-CN", member=True) == "推广返利已到账"


def test_texts_say_amounts_in_yuan_and_pick_their_variant() -> None:
    assert domain.staff_text("withdrawal_decided", {"variant": "paid", "amount_fen": 123_456}, "zh-CN") == \
        "您的提现 ¥1,234.56 已打款"
    assert domain.staff_text("statement_issued", {"period": "2026-10", "net_fen": -5_000}, "en").startswith(
        "Your statement for 2026-10 is issued: net -¥50.00")
    assert domain.member_body(MemberKind.POINTS_EXPIRING, {"points": "500", "date": "2026-12-31"}) == \
        "【联盟】您有 500 积分将于 2026-12-31 过期,可在联盟任一商户使用。"


def test_a_proposal_the_operator_made_says_on_whose_behalf() -> None:
    assert domain.proposal_variant(countered=False, by_operator=False) == "propose"
    assert domain.proposal_variant(countered=False, by_operator=True) == "propose_for"
    assert domain.proposal_variant(countered=True, by_operator=False) == "counter"
    params = {"variant": "propose_for", "partner": "A", "title": "T"}
    assert domain.staff_text("proposal_received", params, "zh-CN") == "盟主代 A 向您提议合作协议「T」,请查看并答复"
    assert domain.staff_text("proposal_received", params, "en") == \
        "The operator proposed the agreement “T” to you on A's behalf: review and answer it"
