"""The demo's vehicles: the Tesla service centre has recorded the car of a share of the members it brought in, a
Shenzhen new-energy plate (粤B + D or F + five) and a Tesla Shanghai VIN (LRW…, check digit computed), as its
guides do at the counter. Stored as the vehicles service stores them: encrypted, keyed hash, masked."""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.kit import crypto
from lianmeng.members.domain import PENDING
from lianmeng.members.models import Member
from lianmeng.merchants.models import Staff
from lianmeng.vehicles import repository
from lianmeng.vehicles.domain import normalize_plate, normalize_vin, vin_check_digit
from lianmeng.vehicles.models import MemberVehicle

SHARE = 0.4  # of the centre's members, those whose car the centre has recorded
MODELS = ("3E7", "YGC")  # Model 3, Model Y (the VIN's 4th–6th characters, after the maker's LRW)


def _vin(rng: random.Random, serial: int) -> str:
    """LRW (Tesla Shanghai), the model, the restraint, the engine, the check digit, the year, the plant (C), the
    serial."""
    vin = f"LRW{rng.choice(MODELS)}{rng.choice('EF')}K0{rng.choice('NPR')}C{serial:06d}"
    return vin[:8] + vin_check_digit(vin) + vin[9:]


def add_vehicles(session: Session, alliance_id: int, centre_id: int, rng: random.Random) -> dict[str, int]:
    members = list(session.scalars(select(Member.id).where(
        Member.alliance_id == alliance_id, Member.origin_merchant_id == centre_id, Member.status != PENDING)
        .order_by(Member.id)))
    guides = list(session.scalars(select(Staff.id).where(Staff.merchant_id == centre_id).order_by(Staff.id)))
    chosen = sorted(rng.sample(members, int(len(members) * SHARE)))
    numbers = rng.sample(range(100_000), len(chosen))  # distinct: the demo plants no shared cars
    serials = rng.sample(range(100_000, 1_000_000), len(chosen))
    rows = []
    for member_id, number, serial in zip(chosen, numbers, serials, strict=True):
        plate = normalize_plate(f"粤B{rng.choice('DF')}{number:05d}")
        vin = normalize_vin(_vin(rng, serial))
        assert plate is not None and vin is not None  # built to the rules
        rows.append(MemberVehicle(
            alliance_id=alliance_id, member_id=member_id, merchant_id=centre_id,
            staff_id=rng.choice(guides) if guides else None,
            plate_enc=crypto.encrypt(plate), plate_hash=repository.plate_hash(alliance_id, plate),
            plate_masked=crypto.mask_plate(plate),
            vin_enc=crypto.encrypt(vin), vin_hash=repository.vin_hash(alliance_id, vin),
            vin_masked=crypto.mask_vin(vin)))
    session.add_all(rows)
    session.flush()
    return {"vehicles": len(rows)}
