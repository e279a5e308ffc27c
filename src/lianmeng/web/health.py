from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from lianmeng import __version__
from lianmeng.db import get_engine

router = APIRouter(tags=["health"])


@router.get("/health", summary="Version and database reachability")
def health(request: Request) -> JSONResponse:
    engine = get_engine(request.app.state.database_url)
    reachable = True
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        reachable = False
    body = {
        "status": "ok" if reachable else "degraded",
        "version": __version__,
        "database": {"dialect": engine.dialect.name, "reachable": reachable},
    }
    return JSONResponse(body, status_code=200 if reachable else 503)
