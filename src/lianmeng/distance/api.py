from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from lianmeng.distance import service
from lianmeng.distance.domain import DecayScope
from lianmeng.distance.schemas import DecayOut
from lianmeng.kit.types import MAX_ID
from lianmeng.web.deps import CurrentPrincipal, SessionDep

AllianceChoice = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Platform admins: the alliance "
                                                                           "(required)")]

router = APIRouter(tags=["distance 距离衰减"])


@router.get("/distance-decay", response_model=DecayOut,
            summary="距离衰减: conversion against the distance between referring and receiving store, fitted with a "
                    "95% band (the seed's prior until there is enough data)")
def distance_decay(
    session: SessionDep, principal: CurrentPrincipal, scope: DecayScope = DecayScope.ALLIANCE,
    alliance_id: AllianceChoice = None,
) -> DecayOut:
    return service.report(session, principal, scope=scope, alliance_id=alliance_id)
