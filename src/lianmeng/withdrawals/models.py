from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lianmeng.db import Base, UTCDateTime


class Withdrawal(Base):
    __tablename__ = "withdrawals"
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("fee_fen >= 0 AND fee_fen < amount_fen", name="fee_below_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    payee_type: Mapped[str] = mapped_column(String(12))  # staff | merchant
    payee_id: Mapped[int] = mapped_column(Integer, index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)  # the payee's merchant
    payout_account_id: Mapped[int | None] = mapped_column(ForeignKey("payout_accounts.id"))  # None: before 0028
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    fee_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(12), index=True)  # requested | approved | rejected | paid
    reason: Mapped[str] = mapped_column(String(200), default="")
    payout_reference: Mapped[str] = mapped_column(String(100), default="")
    requested_by: Mapped[str] = mapped_column(String(80))
    decided_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PayoutAccount(Base):
    """Where a payee's withdrawals are paid: WeChat Pay, Alipay or a bank card. The account number is stored
    encrypted (AES-GCM, kit.crypto) with a masked copy for display, like a member's phone; only the payee adds or
    removes its own. Removed accounts stay (withdrawals name them) but cannot be chosen again."""

    __tablename__ = "payout_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    owner_type: Mapped[str] = mapped_column(String(12))  # staff | merchant
    owner_id: Mapped[int] = mapped_column(Integer, index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)  # the owner's merchant
    method: Mapped[str] = mapped_column(String(12))
    holder_name: Mapped[str] = mapped_column(String(60))
    bank_name: Mapped[str] = mapped_column(String(60), default="")
    account_enc: Mapped[str] = mapped_column(String(300))
    account_masked: Mapped[str] = mapped_column(String(80))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
