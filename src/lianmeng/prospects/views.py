"""Shaping the service's results for the API and the pages (the same figures, the same "< 10")."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from lianmeng.kit.clock import format_local
from lianmeng.kit.errors import AppError
from lianmeng.kit.exports import Column, Kind, Sheet
from lianmeng.kit.i18n import LANGUAGES
from lianmeng.overlap.domain import K_MIN
from lianmeng.prospects import domain, repository, service
from lianmeng.prospects.domain import UPLOAD_PROBLEM_LABELS, UploadProblem
from lianmeng.prospects.models import OverlapInvitation
from lianmeng.prospects.schemas import (
    CellOut,
    ComputationOut,
    InvitationIssued,
    InvitationOut,
    ProspectOverlapOut,
    UploadOut,
)
from lianmeng.tenancy import Principal

ALLIANCE_WIDE = ("全联盟", "Whole alliance")


def link_of(token: str) -> str:
    return f"/p/overlap/{token}"


def command_of(salt: str) -> str:
    return f"lianmeng overlap hash customers.csv --salt {salt} -o hashes.csv"


def invitations_out(session: Session, invitations: Sequence[OverlapInvitation]) -> list[InvitationOut]:
    return [InvitationOut(
        id=v.invitation.id, candidate_id=v.invitation.candidate_id, candidate_name=v.candidate_name,
        inviter_merchant_id=v.invitation.inviter_merchant_id, invited_by=v.invitation.invited_by,
        created_at=v.invitation.created_at, expires_at=v.invitation.expires_at, status=v.status,
        members_indexed=v.invitation.members_indexed, index_purged=v.invitation.index_purged_at is not None,
        budget_left=v.budget_left) for v in service.describe(session, list(invitations))]


def issued_out(session: Session, issued: service.IssuedInvitation) -> InvitationIssued:
    base = invitations_out(session, [issued.invitation])[0]
    return InvitationIssued(**base.model_dump(), token=issued.token, salt=issued.salt,
                            link=link_of(issued.token), command=command_of(issued.salt))


def cell_out(cell: service.CellView, lang: str = LANGUAGES[0]) -> CellOut:
    name = cell.merchant_name if cell.merchant_id is not None else ALLIANCE_WIDE[1 if lang == "en" else 0]
    return CellOut(merchant_id=cell.merchant_id, merchant_name=name, shared=cell.shared, shown=cell.shown,
                   base=cell.base, share_pct=cell.share_pct)


def overlap_out(session: Session, actor: Principal, candidate_id: int, lang: str = LANGUAGES[0]
                ) -> ProspectOverlapOut:
    computations = service.results(session, actor, candidate_id)
    names = repository.candidate_names(session, [candidate_id])
    return ProspectOverlapOut(
        candidate_id=candidate_id, candidate_name=names.get(candidate_id, ""), k=K_MIN, budget=domain.QUERY_BUDGET,
        budget_left=service.budget_left_of(session, candidate_id),
        computations=[ComputationOut(
            id=v.computation.id, computed_at=v.computation.computed_at, distinct_hashes=v.computation.distinct_hashes,
            epsilon=v.computation.epsilon, noise_scale=v.computation.noise_scale,
            cells=[cell_out(c, lang) for c in v.cells]) for v in computations])


def upload_out(result: service.UploadResult) -> UploadOut:
    return UploadOut(computation_id=result.computation.id, computed_at=result.computation.computed_at,
                     distinct_hashes=result.computation.distinct_hashes, shared=result.alliance.shared,
                     shown=result.alliance.shown, share_of_upload_pct=result.share_of_upload_pct,
                     budget_left=result.budget_left)


def problem_message(problem: str, lang: str) -> str:
    zh, en = UPLOAD_PROBLEM_LABELS[UploadProblem(problem)]
    return en if lang == "en" else zh


def localize_problems(error: AppError, lang: str) -> None:
    """Each line of a malformed upload's report gets its message in the reader's language."""
    if error.code != "overlap_upload_malformed" or not isinstance(error.details, dict):
        return
    for item in error.details.get("problems", []):
        item["message"] = problem_message(item["problem"], lang)


OVERLAP_COLUMNS = (
    Column("computed_at", "计算时间", "Computed at"),
    Column("merchant", "商户", "Merchant"),
    Column("shown", "共同客户", "Customers in common"),
    Column("base", "会员数", "Members", Kind.COUNT, total=False),
    Column("share", "占比", "Share"),
)


def overlap_sheet(overlap: ProspectOverlapOut) -> Sheet:
    """The export: every cell as shown on the page ("< 10" below k); no totals row sums a suppressed cell (the
    alliance-wide figure is its own released cell)."""
    rows = [{"computed_at": format_local(c.computed_at), "merchant": cell.merchant_name,
             "shown": cell.shown, "base": cell.base,
             "share": "—" if cell.share_pct is None else f"{cell.share_pct:.1f}%"}
            for c in overlap.computations for cell in c.cells]
    return Sheet(title=f"潜在伙伴客户重合度 Prospect overlap: {overlap.candidate_name}",
                 period=f"k = {overlap.k}; ε = {domain.EPSILON} / computation", columns=OVERLAP_COLUMNS, rows=rows)
