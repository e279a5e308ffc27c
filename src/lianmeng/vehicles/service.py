"""Use cases for vehicles: record a member's plate and/or VIN (stored as phones are: encrypted, keyed hash,
masked), list them, remove one. The same car may be on several members — a household's car, or one person
enrolled twice at two merchants — and the caller is never told whose else it is; the duplicate finder (dedup)
reads the same car on two members as strong evidence that they may be one person."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lianmeng.db import insert_once
from lianmeng.kit import crypto
from lianmeng.kit.errors import Conflict, NotFound
from lianmeng.members import repository as members_repo
from lianmeng.tenancy import Principal, policy
from lianmeng.vehicles import repository
from lianmeng.vehicles.errors import Problem
from lianmeng.vehicles.models import MemberVehicle
from lianmeng.vehicles.schemas import VehicleCreate


def vehicles_of(session: Session, actor: Principal, member_id: int) -> list[MemberVehicle]:
    """The member's vehicles, masked; 404 for a member the caller may not see."""
    members_repo.get_member(session, actor, member_id)
    return repository.vehicles_of(session, actor, member_id)


def add_vehicle(session: Session, actor: Principal, member_id: int, data: VehicleCreate) -> MemberVehicle:
    member = members_repo.get_member(session, actor, member_id)  # 404 outside the caller's members
    policy.require_records_vehicle(actor)
    alliance_id = member.alliance_id
    if repository.holders(session, alliance_id, member.id, data.plate, data.vin):
        raise Conflict(Problem.VEHICLE_EXISTS)
    vehicle = MemberVehicle(alliance_id=alliance_id, member_id=member.id,
                            merchant_id=None if actor.is_operator else actor.merchant_id,
                            staff_id=None if actor.is_operator else actor.staff_id)
    if data.plate is not None:
        vehicle.plate_enc = crypto.encrypt(data.plate)
        vehicle.plate_hash = repository.plate_hash(alliance_id, data.plate)
        vehicle.plate_masked = crypto.mask_plate(data.plate)
    if data.vin is not None:
        vehicle.vin_enc = crypto.encrypt(data.vin)
        vehicle.vin_hash = repository.vin_hash(alliance_id, data.vin)
        vehicle.vin_masked = crypto.mask_vin(data.vin)
    if not insert_once(session, vehicle):  # recorded at the same moment by another till
        raise Conflict(Problem.VEHICLE_EXISTS)
    return vehicle


def remove_vehicle(session: Session, actor: Principal, member_id: int, vehicle_id: int) -> None:
    """The operator, or the merchant that recorded it, removes a vehicle (sold, mistyped)."""
    vehicle = repository.get_vehicle(session, actor, vehicle_id)
    if vehicle.member_id != member_id:
        raise NotFound("vehicle")
    policy.require_removes_vehicle(actor, vehicle.merchant_id)
    session.delete(vehicle)
    session.flush()
