from __future__ import annotations

from dataclasses import dataclass

from lianmeng.auth.domain import Role


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: a user login, a merchant API key or a member."""

    kind: str  # "user" | "api_key" | "member" | "system"
    id: int
    role: Role
    alliance_id: int | None = None
    merchant_id: int | None = None
    store_id: int | None = None
    staff_id: int | None = None
    member_id: int | None = None
    label: str = ""
    promoter: bool = False  # a store-staff login of an independent promoter (recruiting): shares, never serves

    @property
    def idempotency_scope(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def is_platform(self) -> bool:
        return self.role is Role.PLATFORM_ADMIN

    @property
    def is_operator(self) -> bool:
        return self.role in (Role.PLATFORM_ADMIN, Role.OPERATOR_ADMIN)

    @property
    def is_merchant_side(self) -> bool:
        return self.role in (Role.MERCHANT_ADMIN, Role.STORE_STAFF, Role.INTEGRATION)

    @property
    def manages_merchant(self) -> bool:
        """Merchant admins and integrations manage their merchant's data; store staff only serve members."""
        return self.role in (Role.MERCHANT_ADMIN, Role.INTEGRATION)


SYSTEM = Principal(kind="system", id=0, role=Role.PLATFORM_ADMIN, label="system")
