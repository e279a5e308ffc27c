"""Pure rules for changing a joint card: who manages it, pause/resume, sold tiers locked, how many tiers."""

from __future__ import annotations

import pytest

from lianmeng.jointcards import domain
from lianmeng.jointcards.domain import JointProductStatus


def test_pause_and_resume_are_idempotent() -> None:
    assert domain.next_status("active", "pause") is JointProductStatus.PAUSED
    assert domain.next_status("paused", "pause") is JointProductStatus.PAUSED
    assert domain.next_status("paused", "resume") is JointProductStatus.ACTIVE
    assert domain.next_status("active", "resume") is JointProductStatus.ACTIVE
    with pytest.raises(domain.Refused):
        domain.next_status("deleted", "resume")


def manage(**changes: object) -> bool:
    facts: dict[str, object] = {"is_operator": False, "manages_merchant": True, "actor_alliance_id": 1,
                                "actor_merchant_id": 5, "product_alliance_id": 1, "lead_merchant_id": 5}
    return domain.may_manage(**(facts | changes))  # type: ignore[arg-type]


def test_the_operator_and_the_lead_merchants_admin_manage_a_product() -> None:
    assert manage()
    assert manage(is_operator=True, manages_merchant=False, actor_merchant_id=None, lead_merchant_id=None)
    assert not manage(manages_merchant=False)  # the lead merchant's staff
    assert not manage(actor_merchant_id=6)  # another merchant's admin
    assert not manage(lead_merchant_id=None)  # the operator's product
    assert not manage(is_operator=True, actor_alliance_id=2)  # another alliance's operator
    assert not manage(is_operator=True, actor_alliance_id=None)  # the platform


def test_a_tier_with_a_card_sold_is_locked() -> None:
    domain.check_tier_editable(0)
    with pytest.raises(domain.Refused) as refused:
        domain.check_tier_editable(1)
    assert refused.value.code == "joint_tier_locked"


@pytest.mark.parametrize("count", [0, domain.MAX_TIERS + 1])
def test_a_product_has_one_to_ten_tiers(count: int) -> None:
    domain.check_tier_count(domain.MAX_TIERS)
    with pytest.raises(domain.Refused):
        domain.check_tier_count(count)


def test_only_an_unsold_tier_that_is_not_the_last_is_deletable() -> None:
    domain.check_tier_deletable(0, tiers=2)
    with pytest.raises(domain.Refused) as sold:
        domain.check_tier_deletable(3, tiers=2)
    assert (sold.value.code, sold.value.params) == ("joint_tier_sold", {"sold": 3})
    with pytest.raises(domain.Refused) as last:
        domain.check_tier_deletable(0, tiers=1)
    assert last.value.code == "joint_product_last_tier"
