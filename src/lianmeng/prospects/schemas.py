"""What the API takes and answers. No answer holds a phone, a hash or a member id: cells are counts (None and
"< 10" below k) and shares; the token and salt appear once, in the answer that makes an invitation."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from lianmeng.kit.types import Id, Whole
from lianmeng.prospects import domain
from lianmeng.prospects.domain import AuditEvent, InvitationStatus, UploadProblem


class InvitationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    candidate_id: Id = Field(description="A prospect: a partner candidate outside the alliance")
    hours: Whole = Field(default=domain.INVITATION_HOURS, ge=1, le=domain.INVITATION_HOURS,
                         description="How long the prospect may upload (its hashes are purged within 24 h)")


class InvitationOut(BaseModel):
    id: int
    candidate_id: int
    candidate_name: str
    inviter_merchant_id: int | None
    invited_by: str
    created_at: datetime
    expires_at: datetime
    status: InvitationStatus
    members_indexed: int
    index_purged: bool
    budget_left: int


class InvitationIssued(InvitationOut):
    """Shown once: the link's token and the salt the prospect hashes with. Neither is kept in clear."""

    token: str
    salt: str
    link: str = Field(description="The prospect's page (upload from a phone or a computer)")
    command: str = Field(description="What the prospect runs on its own machine")


class ProblemOut(BaseModel):
    line: int = Field(description="1-based line of the file; 0 for the file as a whole")
    problem: UploadProblem
    message: str
    first_line: int | None = None


class CellOut(BaseModel):
    merchant_id: int | None = Field(description="None: the alliance as a whole")
    merchant_name: str
    shared: int | None = Field(description="Customers in common, noised; None when below k")
    shown: str = Field(description='The count as every view prints it: "< 10" below k')
    base: int = Field(description="The merchant's (or alliance's) members when the invitation was made")
    share_pct: float | None = Field(description="shared / base, %; None when suppressed")


class ComputationOut(BaseModel):
    id: int
    computed_at: datetime
    distinct_hashes: int
    epsilon: float
    noise_scale: float
    cells: list[CellOut]


class ProspectOverlapOut(BaseModel):
    candidate_id: int
    candidate_name: str
    k: int
    budget: int
    budget_left: int
    computations: list[ComputationOut]


class UploadOut(BaseModel):
    """The prospect's own view: its overlap with the alliance as a whole."""

    computation_id: int
    computed_at: datetime
    distinct_hashes: int
    shared: int | None
    shown: str
    share_of_upload_pct: float | None
    budget_left: int


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    event: AuditEvent
    actor: str
    candidate_id: int
    invitation_id: int | None
    computation_id: int | None
    detail: dict[str, object]
