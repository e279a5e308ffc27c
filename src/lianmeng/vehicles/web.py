"""The "车辆 Vehicles" section of a member's console page: the member's cars, plate and VIN masked, seen by
whoever may see the member; a merchant's staff (or the operator) record one and remove the ones they recorded.
Every write is the vehicles service's, committed once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import ValidationError

from lianmeng.kit.i18n import translate
from lianmeng.vehicles import repository, service
from lianmeng.vehicles.models import MemberVehicle
from lianmeng.vehicles.schemas import VehicleCreate
from lianmeng.web.console import Page, StaffPage, form_of, run_write

router = APIRouter(include_in_schema=False)
KNOWN_ERRORS = ("invalid_plate", "invalid_vin", "vehicle_required")


@dataclass(frozen=True)
class VehicleRow:
    vehicle: MemberVehicle
    removable: bool


def member_section(page: Page, member_id: int) -> dict[str, Any]:
    """What the member page's Vehicles section shows (the page has already answered 404 for a member outside the
    caller's scope)."""
    me = page.me
    may_add = me.is_operator or (me.is_merchant_side and not me.promoter and me.merchant_id is not None)
    rows = [VehicleRow(v, may_add and (me.is_operator or v.merchant_id == me.merchant_id))
            for v in repository.vehicles_of(page.session, me, member_id)]
    return {"rows": rows, "may_add": may_add}


def _back(member_id: int) -> str:
    return f"/console/members/{member_id}#vehicles"


def _invalid(page: Page, error: ValidationError) -> str:
    text = str(error)
    code = next((c for c in KNOWN_ERRORS if c in text), "validation_error")
    return translate(code, page.lang)


@router.post("/console/members/{member_id}/vehicles")
async def add_vehicle(member_id: int, page: StaffPage) -> Response:
    values = await form_of(page)
    try:
        data = VehicleCreate(plate=values.get("plate", "")[:32] or None, vin=values.get("vin", "")[:32] or None)
    except ValidationError as error:
        return _member_error(page, member_id, _invalid(page, error))
    _, error_text = run_write(page, lambda: service.add_vehicle(page.session, page.me, member_id, data))
    if error_text is not None:
        return _member_error(page, member_id, error_text)
    return page.redirect(_back(member_id))


@router.post("/console/members/{member_id}/vehicles/{vehicle_id}/delete")
async def remove_vehicle(member_id: int, vehicle_id: int, page: StaffPage) -> Response:
    await form_of(page)
    _, error_text = run_write(page, lambda: service.remove_vehicle(page.session, page.me, member_id, vehicle_id))
    if error_text is not None:
        return _member_error(page, member_id, error_text)
    return page.redirect(_back(member_id))


def _member_error(page: Page, member_id: int, message: str) -> Response:
    """The member's page again, with what went wrong above its Vehicles section."""
    from lianmeng.members.web import detail

    response = detail(page, member_id, vehicle_error=message)
    response.status_code = 422
    return response
