from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lianmeng.alliances import repository as alliances_repo
from lianmeng.audit import service as audit
from lianmeng.audit.domain import AuditAction
from lianmeng.auth import principal_cache
from lianmeng.kit.errors import Invalid
from lianmeng.merchants import repository
from lianmeng.merchants.models import Merchant, Staff, Store
from lianmeng.merchants.schemas import (
    MerchantCreate,
    MerchantUpdate,
    StaffCreate,
    StaffUpdate,
    StoreCreate,
    StoreUpdate,
)
from lianmeng.ownership import service as ownership
from lianmeng.tenancy import Principal, policy
from lianmeng.verification import service as verification
from lianmeng.verification.schemas import DETAIL_FIELDS

OPERATOR_ONLY_FIELDS = frozenset({"status", "rating"})


def _apply(target: object, changes: dict[str, Any]) -> None:
    for field, value in changes.items():
        setattr(target, field, value.value if hasattr(value, "value") else value)


def create_merchant(session: Session, actor: Principal, data: MerchantCreate) -> Merchant:
    policy.require_operator(actor)
    alliance_id = data.alliance_id if actor.is_platform and data.alliance_id else actor.alliance_id
    if alliance_id is None:
        raise Invalid("validation_error", details={"alliance_id": "required"})
    alliances_repo.get_alliance(session, actor, alliance_id)
    merchant = Merchant(alliance_id=alliance_id)
    _apply(merchant, data.model_dump(exclude={"alliance_id", *DETAIL_FIELDS}))
    session.add(merchant)
    verification.enter_details(session, actor, merchant, data.model_dump(include=set(DETAIL_FIELDS)))
    return merchant


def update_merchant(session: Session, actor: Principal, merchant_id: int, data: MerchantUpdate) -> Merchant:
    merchant = repository.get_merchant(session, actor, merchant_id)
    policy.require_manages(actor, merchant.id)
    changes = {k: v for k, v in data.model_dump(exclude_unset=True, exclude=set(DETAIL_FIELDS)).items()
               if v is not None}
    if not actor.is_operator and OPERATOR_ONLY_FIELDS & changes.keys():
        policy.require_operator(actor)
    before = {field: getattr(merchant, field) for field in changes}
    _apply(merchant, changes)
    if verification.touches_details(data.model_fields_set):
        verification.enter_details(session, actor, merchant, data.model_dump(include=data.model_fields_set
                                                                              & set(DETAIL_FIELDS)))
    session.flush()
    audit.record(session, actor, AuditAction.MERCHANT_UPDATE, merchant.id, alliance_id=merchant.alliance_id,
                 before=before, after={field: getattr(merchant, field) for field in changes}, only_changes=True)
    return merchant


def create_store(session: Session, actor: Principal, merchant_id: int, data: StoreCreate) -> Store:
    merchant = repository.get_merchant(session, actor, merchant_id)
    policy.require_manages(actor, merchant.id)
    store = Store(alliance_id=merchant.alliance_id, merchant_id=merchant.id)
    _apply(store, data.model_dump())
    session.add(store)
    session.flush()
    return store


def update_store(session: Session, actor: Principal, store_id: int, data: StoreUpdate) -> Store:
    store = repository.get_store(session, actor, store_id)
    policy.require_manages(actor, store.merchant_id)
    _apply(store, {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None})
    session.flush()
    return store


def _check_store(session: Session, actor: Principal, merchant_id: int, store_id: int | None) -> None:
    if store_id is None:
        return
    store = repository.get_store(session, actor, store_id)
    if store.merchant_id != merchant_id:
        raise Invalid("wrong_merchant", what="store")


def create_staff(session: Session, actor: Principal, merchant_id: int, data: StaffCreate) -> Staff:
    merchant = repository.get_merchant(session, actor, merchant_id)
    policy.require_manages(actor, merchant.id)
    _check_store(session, actor, merchant.id, data.store_id)
    staff = Staff(alliance_id=merchant.alliance_id, merchant_id=merchant.id)
    _apply(staff, data.model_dump())
    session.add(staff)
    session.flush()
    audit.record(session, actor, AuditAction.STAFF_CREATE, staff.id, alliance_id=merchant.alliance_id,
                 after={"merchant_id": merchant.id, **data.model_dump()})
    return staff


def update_staff(session: Session, actor: Principal, staff_id: int, data: StaffUpdate) -> Staff:
    staff = repository.get_staff(session, actor, staff_id)
    policy.require_manages(actor, staff.merchant_id)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("store_id") is not None:
        _check_store(session, actor, staff.merchant_id, changes["store_id"])
    leaving = staff.active and changes.get("active") is False
    applied = {k: v for k, v in changes.items() if v is not None or k == "store_id"}
    before = {field: getattr(staff, field) for field in applied}
    _apply(staff, applied)
    merchant = repository.merchant_by_id(session, staff.merchant_id)
    audit.record(session, actor, AuditAction.STAFF_UPDATE, staff.id,
                 alliance_id=merchant.alliance_id if merchant else None, before=before,
                 after={field: getattr(staff, field) for field in applied}, only_changes=True)
    if leaving:  # its members go to the pool (a named successor: POST /ownership/hand-overs instead)
        ownership.staff_left(session, staff, actor)
    session.flush()
    principal_cache.forget_all(session)  # a login's store and role come from its staff row
    return staff
