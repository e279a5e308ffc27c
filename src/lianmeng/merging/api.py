"""API of merging: merge two members, list and read merges, undo within the window."""

from __future__ import annotations

from typing import TypeVar

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from lianmeng.kit.pagination import Page, page_of
from lianmeng.merging import repository, service
from lianmeng.merging.domain import MergeStatus, PlaceKind
from lianmeng.merging.models import MemberMerge, PlaceMerge
from lianmeng.merging.schemas import MemberMergeIn, MemberMergeOut, MergeEventOut, PlaceMergeIn, PlaceMergeOut, UndoIn
from lianmeng.web.deps import CurrentPrincipal, Paging, SessionDep, WriterDep
from lianmeng.web.openapi import may_answer

router = APIRouter(tags=["merging 合并"])


Out = TypeVar("Out", MemberMergeOut, PlaceMergeOut)


def _out(session: SessionDep, merge: MemberMerge | PlaceMerge, shape: type[Out]) -> Out:
    out = shape.model_validate(merge)
    out.events = [MergeEventOut.model_validate(e) for e in repository.events(session, merge)]
    return out


def merge_out(session: SessionDep, merge: MemberMerge) -> MemberMergeOut:
    return _out(session, merge, MemberMergeOut)


@router.post("/members/merges", response_model=MemberMergeOut, status_code=201, responses=may_answer(409),
             summary="Merge a duplicate member into a survivor: balances by ledger postings, a tombstone card")
def merge_members(body: MemberMergeIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: merge_out(writer.session, service.merge_members(
        writer.session, writer.principal, body.survivor_id, body.absorbed_id, body.reason)), body, 201)


@router.get("/members/merges", response_model=Page[MemberMergeOut],
            summary="Merges the caller may see: the operator all, a merchant admin those of its members")
def list_merges(session: SessionDep, principal: CurrentPrincipal, paging: Paging, member_id: int | None = None,
                status: MergeStatus | None = None) -> Page[MemberMergeOut]:
    return page_of(session, repository.list_merges(principal, MemberMerge, involving=member_id, status=status),
                   paging, MemberMergeOut)


@router.get("/members/merges/{merge_id}", response_model=MemberMergeOut)
def get_merge(merge_id: int, session: SessionDep, principal: CurrentPrincipal) -> MemberMergeOut:
    return merge_out(session, repository.get_merge(session, principal, MemberMerge, merge_id))


@router.post("/members/merges/{merge_id}/undo", response_model=MemberMergeOut, responses=may_answer(409),
             summary="Undo a merge within the window by reversing postings; 409 with the reason when it cannot be")
def undo_merge(merge_id: int, body: UndoIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: merge_out(writer.session, service.unmerge(
        writer.session, writer.principal, merge_id, body.reason)), body)


# --- places: stores, prospects, merchants ------------------------------------------------------------------------


def place_merge_out(session: SessionDep, merge: PlaceMerge) -> PlaceMergeOut:
    return _out(session, merge, PlaceMergeOut)


def _merge_places(kind: PlaceKind, body: PlaceMergeIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: place_merge_out(writer.session, service.merge_places(
        writer.session, writer.principal, kind, body.survivor_id, body.absorbed_id, body.reason)), body, 201)


@router.post("/merges/stores", response_model=PlaceMergeOut, status_code=201, responses=may_answer(409),
             summary="Merge a duplicate store into a survivor of the same merchant (operator or its merchant admin)")
def merge_stores(body: PlaceMergeIn, writer: WriterDep) -> JSONResponse:
    return _merge_places(PlaceKind.STORE, body, writer)


@router.post("/merges/prospects", response_model=PlaceMergeOut, status_code=201, responses=may_answer(409),
             summary="Merge a duplicate prospect into a survivor on the same candidate list (its keeper)")
def merge_prospects(body: PlaceMergeIn, writer: WriterDep) -> JSONResponse:
    return _merge_places(PlaceKind.PROSPECT, body, writer)


@router.post("/merges/merchants", response_model=PlaceMergeOut, status_code=201, responses=may_answer(409),
             summary="Merge a duplicate merchant into a survivor (operator only); 409 naming what blocks it")
def merge_merchants(body: PlaceMergeIn, writer: WriterDep) -> JSONResponse:
    return _merge_places(PlaceKind.MERCHANT, body, writer)


@router.get("/merges", response_model=Page[PlaceMergeOut],
            summary="Place merges the caller may see: the operator all, a merchant admin its stores' and prospects'")
def list_place_merges(session: SessionDep, principal: CurrentPrincipal, paging: Paging, kind: PlaceKind | None = None,
                      place_id: int | None = None, status: MergeStatus | None = None) -> Page[PlaceMergeOut]:
    return page_of(session, repository.list_merges(principal, PlaceMerge, involving=place_id, status=status,
                                                   kind=kind), paging, PlaceMergeOut)


@router.get("/merges/{merge_id}", response_model=PlaceMergeOut)
def get_place_merge(merge_id: int, session: SessionDep, principal: CurrentPrincipal) -> PlaceMergeOut:
    return place_merge_out(session, repository.get_merge(session, principal, PlaceMerge, merge_id))


@router.post("/merges/{merge_id}/undo", response_model=PlaceMergeOut, responses=may_answer(409),
             summary="Undo a place merge within the window; 409 with the reason when it could not be exact")
def undo_place_merge(merge_id: int, body: UndoIn, writer: WriterDep) -> JSONResponse:
    return writer.run(lambda: place_merge_out(writer.session, service.unmerge_place(
        writer.session, writer.principal, merge_id, body.reason)), body)
