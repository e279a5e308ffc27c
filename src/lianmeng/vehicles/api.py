from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from lianmeng.vehicles import service
from lianmeng.vehicles.schemas import VehicleCreate, VehicleOut
from lianmeng.web.deps import CurrentPrincipal, SessionDep, WriterDep
from lianmeng.web.openapi import may_answer

router = APIRouter(tags=["members 会员·联盟卡"])


@router.get("/members/{member_id}/vehicles", response_model=list[VehicleOut],
            summary="A member's vehicles, plate and VIN masked; seen by whoever may see the member")
def list_vehicles(member_id: int, session: SessionDep, principal: CurrentPrincipal) -> list[VehicleOut]:
    return [VehicleOut.model_validate(v) for v in service.vehicles_of(session, principal, member_id)]


@router.post("/members/{member_id}/vehicles", response_model=VehicleOut, status_code=201,
             responses=may_answer(403, 404, 409, 422),
             summary="Record a member's vehicle (plate and/or VIN); 409 when it is on another member")
def add_vehicle(member_id: int, body: VehicleCreate, writer: WriterDep) -> JSONResponse:
    return writer.run(
        lambda: VehicleOut.model_validate(service.add_vehicle(writer.session, writer.principal, member_id, body)),
        body, 201,
    )


@router.delete("/members/{member_id}/vehicles/{vehicle_id}", status_code=204, responses=may_answer(403, 404),
               summary="Remove a vehicle: the operator, or the merchant that recorded it")
def remove_vehicle(member_id: int, vehicle_id: int, writer: WriterDep) -> Response:
    done = writer.run(lambda: service.remove_vehicle(writer.session, writer.principal, member_id, vehicle_id),
                      None, 204)
    return Response(status_code=204) if done.status_code == 204 else done
