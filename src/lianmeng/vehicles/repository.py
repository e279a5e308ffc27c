"""Queries of vehicles: a member's, scoped by who may see the member (tenancy.policy.member_vehicles), one car by
its keyed hash in an alliance, and the plate hashes the duplicate finder compares."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lianmeng.kit import crypto
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.scoped import get_scoped
from lianmeng.vehicles.models import MemberVehicle

PLATE_PURPOSE = "plate-lookup"
VIN_PURPOSE = "vin-lookup"


def plate_hash(alliance_id: int, plate: str) -> str:
    return crypto.lookup_hash(f"{alliance_id}:{plate}", PLATE_PURPOSE)


def vin_hash(alliance_id: int, vin: str) -> str:
    return crypto.lookup_hash(f"{alliance_id}:{vin}", VIN_PURPOSE)


def plate_hashes_of(alliance_id: int, plate: str) -> tuple[str, ...]:
    """Current-key hash first, then the retired keys' (a row not rotated yet holds one of those)."""
    return crypto.lookup_hashes(f"{alliance_id}:{plate}", PLATE_PURPOSE)


def vin_hashes_of(alliance_id: int, vin: str) -> tuple[str, ...]:
    return crypto.lookup_hashes(f"{alliance_id}:{vin}", VIN_PURPOSE)


def vehicles_of(session: Session, p: Principal, member_id: int) -> list[MemberVehicle]:
    return list(session.scalars(select(MemberVehicle).where(
        MemberVehicle.member_id == member_id, policy.member_vehicles(p)).order_by(MemberVehicle.id)))


def get_vehicle(session: Session, p: Principal, vehicle_id: int) -> MemberVehicle:
    return get_scoped(session, MemberVehicle, vehicle_id, policy.member_vehicles(p), "vehicle")


def holders(session: Session, alliance_id: int, member_id: int, plate: str | None,
            vin: str | None) -> list[MemberVehicle]:
    """The member's vehicles with this plate or this VIN (already recorded: nothing to add)."""
    wanted = []
    if plate is not None:
        wanted.append(MemberVehicle.plate_hash.in_(plate_hashes_of(alliance_id, plate)))
    if vin is not None:
        wanted.append(MemberVehicle.vin_hash.in_(vin_hashes_of(alliance_id, vin)))
    if not wanted:
        return []
    return list(session.scalars(select(MemberVehicle).where(MemberVehicle.alliance_id == alliance_id,
                                                            MemberVehicle.member_id == member_id, or_(*wanted))))


def _grouped(rows: Iterable[tuple[int, str | None]]) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = {}
    for member_id, hashed in rows:
        if hashed:
            found.setdefault(member_id, []).append(hashed)
    return {member_id: tuple(sorted(hashes)) for member_id, hashes in found.items()}


def plate_hashes(session: Session, alliance_id: int, member_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    """member id → the keyed hashes of its plates (sorted), for the members among these that have any."""
    ids = sorted(set(member_ids))
    if not ids:
        return {}
    return _grouped(session.execute(select(MemberVehicle.member_id, MemberVehicle.plate_hash).where(
        MemberVehicle.alliance_id == alliance_id, MemberVehicle.member_id.in_(ids),
        MemberVehicle.plate_hash.is_not(None))))


def plate_hashes_in(session: Session, alliance_id: int) -> dict[int, tuple[str, ...]]:
    """The same for every member of the alliance that has a plate recorded: one statement."""
    return _grouped(session.execute(select(MemberVehicle.member_id, MemberVehicle.plate_hash).where(
        MemberVehicle.alliance_id == alliance_id, MemberVehicle.plate_hash.is_not(None))))


def plates_masked(session: Session, alliance_id: int, member_ids: Iterable[int]) -> dict[int, list[str]]:
    """member id → its plates as shown (粤B***45), in the order they were recorded: what a reviewer compares."""
    ids = sorted(set(member_ids))
    found: dict[int, list[str]] = {}
    if not ids:
        return found
    rows = session.execute(select(MemberVehicle.member_id, MemberVehicle.plate_masked).where(
        MemberVehicle.alliance_id == alliance_id, MemberVehicle.member_id.in_(ids),
        MemberVehicle.plate_masked.is_not(None)).order_by(MemberVehicle.id))
    for member_id, masked in rows:
        if masked:
            found.setdefault(member_id, []).append(masked)
    return found


def ids_to_move(session: Session, from_member: int, to_member: int) -> list[int]:
    """The ids of one member's vehicles the other does not hold yet (same plate or VIN), unscoped: merging moves
    them with the member; a car both recorded stays on the tombstone, the survivor's record of it is kept."""
    theirs = session.execute(select(MemberVehicle.plate_hash, MemberVehicle.vin_hash)
                             .where(MemberVehicle.member_id == to_member)).all()
    held = {h for row in theirs for h in row if h is not None}
    rows = session.execute(select(MemberVehicle.id, MemberVehicle.plate_hash, MemberVehicle.vin_hash)
                           .where(MemberVehicle.member_id == from_member).order_by(MemberVehicle.id)).all()
    return [vid for vid, plate, vin in rows if plate not in held and vin not in held]
