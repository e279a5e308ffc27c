"""The pure rules of recruiting: whom a link takes, who the recruiter is, who may decide, the decision itself, the
bounty and the leaderboard's ranks."""

from __future__ import annotations

import pytest

from lianmeng.recruiting import domain
from lianmeng.recruiting.domain import (
    ApplicantKind,
    ApplicationStatus,
    LinkAccepts,
    Recruiter,
    RecruiterType,
    Refusal,
    ReviewDecision,
)


def refusal(call: object, *args: object) -> Refusal:
    with pytest.raises(Refusal) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value


@pytest.mark.parametrize(("accepts", "has_host", "kind", "code"), [
    (LinkAccepts.ANY, True, ApplicantKind.MERCHANT, None),
    (LinkAccepts.ANY, True, ApplicantKind.PROMOTER, None),
    (LinkAccepts.ANY, False, ApplicantKind.MERCHANT, None),
    (LinkAccepts.ANY, False, ApplicantKind.PROMOTER, "recruit_needs_host"),
    (LinkAccepts.MERCHANT, True, ApplicantKind.PROMOTER, "recruit_kind_not_invited"),
    (LinkAccepts.PROMOTER, True, ApplicantKind.MERCHANT, "recruit_kind_not_invited"),
    (LinkAccepts.PROMOTER, True, ApplicantKind.PROMOTER, None),
])
def test_a_link_takes_whom_it_invites(accepts: LinkAccepts, has_host: bool, kind: ApplicantKind,
                                      code: str | None) -> None:
    if code is None:
        domain.accepts(accepts, has_host, kind)
    else:
        assert refusal(domain.accepts, accepts, has_host, kind).code == code


def test_the_recruiter_is_the_staff_member_else_the_merchant_else_the_operator() -> None:
    assert domain.recruiter_of(7, 3) == Recruiter(RecruiterType.STAFF, 7)
    assert domain.recruiter_of(None, 3) == Recruiter(RecruiterType.MERCHANT, 3)
    assert domain.recruiter_of(None, None) == Recruiter(RecruiterType.OPERATOR, 0)


FACTS = domain.Facts(ApplicationStatus.PENDING, inviting_merchant_id=3, phone_hash="h-applicant",
                     recruited_by_user_id=42)


@pytest.mark.parametrize(("reviewer", "facts", "code"), [
    (domain.Reviewer(True, None, None, 1), FACTS, None),  # the operator
    (domain.Reviewer(False, 3, None, 2), FACTS, None),  # the inviting merchant's admin
    (domain.Reviewer(False, 4, None, 2), FACTS, "forbidden"),  # another merchant's admin
    (domain.Reviewer(False, None, "h-staff", 5), FACTS, "forbidden"),  # store staff, a promoter among them
    (domain.Reviewer(False, 3, "h-applicant", 2), FACTS, "recruit_self_approval"),
    (domain.Reviewer(True, None, "h-applicant", 1), FACTS, "recruit_self_approval"),
    (domain.Reviewer(False, 3, None, 42), FACTS, "recruit_own_recruit"),
    (domain.Reviewer(True, None, None, 42), domain.Facts(ApplicationStatus.PENDING, None, "h", 42,
                                                         RecruiterType.OPERATOR), None),  # no bounty at stake
])
def test_who_may_decide(reviewer: domain.Reviewer, facts: domain.Facts, code: str | None) -> None:
    if code is None:
        domain.check_reviewer(reviewer, facts)
    else:
        caught = refusal(domain.check_reviewer, reviewer, facts)
        assert (caught.code, caught.status) == (code, 403)


def test_only_a_pending_application_is_decided_and_a_rejection_needs_a_reason() -> None:
    assert domain.decide(ApplicationStatus.PENDING, ReviewDecision.APPROVE, None) is ApplicationStatus.APPROVED
    assert domain.decide(ApplicationStatus.PENDING, ReviewDecision.REJECT, " 品类重复 ") is ApplicationStatus.REJECTED
    for blank in (None, "", "   \n"):
        caught = refusal(domain.decide, ApplicationStatus.PENDING, ReviewDecision.REJECT, blank)
        assert (caught.code, caught.status) == ("recruit_reason_required", 422)
    for done in (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED):
        for decision in ReviewDecision:
            caught = refusal(domain.decide, done, decision, "原因")
            assert (caught.code, caught.status) == ("recruit_already_decided", 409)
    assert domain.clean_reason("  x  ") == "x" and len(domain.clean_reason("长" * 900)) == domain.MAX_REASON


def test_the_bounty_goes_to_staff_and_merchants_never_to_the_operator_who_pays_it() -> None:
    assert domain.bounty_for(2_000, Recruiter(RecruiterType.STAFF, 1)) == 2_000
    assert domain.bounty_for(2_000, Recruiter(RecruiterType.MERCHANT, 1)) == 2_000
    assert domain.bounty_for(2_000, Recruiter(RecruiterType.OPERATOR, 0)) == 0
    assert domain.bounty_for(0, Recruiter(RecruiterType.STAFF, 1)) == 0
    domain.check_bounty(0)
    domain.check_bounty(domain.MAX_BOUNTY_FEN)
    for bad in (-1, domain.MAX_BOUNTY_FEN + 1, True, 1.5):
        assert refusal(domain.check_bounty, bad).code == "recruit_bounty_range"


def test_ranks_put_most_approved_first_and_share_ties() -> None:
    tallies = [domain.Tally(("staff", 1), "王芳", 5, 2, 0), domain.Tally(("staff", 2), "李娜", 3, 3, 0),
               domain.Tally(("merchant", 9), "悦享", 5, 2, 0), domain.Tally(("staff", 3), "赵", 9, 1, 0)]
    ranked = [(rank, t.key) for rank, t in domain.rank(tallies)]
    assert ranked == [(1, ("staff", 2)), (2, ("merchant", 9)), (2, ("staff", 1)), (4, ("staff", 3))]  # ties by name
    assert domain.rank([]) == []


@pytest.mark.parametrize("table", [domain.KIND_LABELS, domain.ACCEPTS_LABELS, domain.OCCUPATION_LABELS,
                                   domain.STATUS_LABELS, domain.DECISION_LABELS, domain.RECRUITER_LABELS])
def test_every_value_has_chinese_and_english_words(table: dict[object, tuple[str, str]]) -> None:
    enum = type(next(iter(table)))
    assert set(table) == set(enum)  # type: ignore[call-overload]
    assert all(zh and en and zh != en for zh, en in table.values())
