"""What key rotation touches, as data: every stored column sealed with a key from the master secret, and the
keyed lookup hash kept beside it. Pure: no database, no key material.

A sealed value and its lookup hash are rewritten together, in one UPDATE, so a row's key id (the ciphertext's
'k<id>.' prefix, `kit.crypto.key_id_of`) tells the state of its hash too: no extra column is needed to know what
is left to rotate.

Keyed hashes deliberately NOT re-hashed (no plaintext is kept to re-hash from), looked up under every key on hand
instead until they are gone:
- `one_time_codes.code_hash`: a code lives LIANMENG_OTP_MINUTES (5); one sent before the switch is checked with
  the retired key.
- `prospect_invitations.token_hash`: the link's token is shown once and never stored; old links are found by their
  retired-key hash. Keep the retired secret until such invitations are used or withdrawn.
- `staff.phone_hash` (self-referral checks): the staff table keeps no phone, only the hash; it is carried along
  when the member or application row of the same phone and alliance is rotated (same transaction), so the two
  still compare equal. A staff hash matching no member or application stays under the retired key.
- Throttle counters (`kit.throttle`): minutes-long, in memory or Redis; they restart empty under the new key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PII = "pii"
PHONE_LOOKUP = "phone-lookup"
PLATE_LOOKUP = "plate-lookup"
VIN_LOOKUP = "vin-lookup"
PAYOUT_ACCOUNT = "pii"  # withdrawals.service.PAYOUT_PURPOSE
OVERLAP_SALT = "overlap-salt"  # prospects.service.SALT_PURPOSE
WEBHOOK_SECRET = "webhook-secret"  # webhooks.service.SECRET_PURPOSE


@dataclass(frozen=True)
class SealedColumn:
    """One encrypted column, and the lookup hash kept with it (if any): the hash is HMAC of
    '<alliance id>:<plaintext>' under `hash_purpose` (members.repository.phone_hash and its siblings)."""

    column: str
    purpose: str = PII
    hash_column: str | None = None
    hash_purpose: str | None = None


@dataclass(frozen=True)
class SealedTable:
    """A table holding sealed columns. `alliance_column` None: a platform table, rotated after the alliances.
    `carries_staff_hash`: a rewritten phone hash is also rewritten on the same alliance's staff rows holding it."""

    name: str
    columns: tuple[SealedColumn, ...]
    alliance_column: str | None = "alliance_id"
    carries_staff_hash: bool = False
    label: tuple[str, str] = field(default=("", ""))  # zh-CN, en


def hashed_text(alliance_id: int, plaintext: str) -> str:
    """What a lookup hash is computed over: the alliance scopes it, so the same phone in two alliances never
    matches across them."""
    return f"{alliance_id}:{plaintext}"


SEALED_TABLES: tuple[SealedTable, ...] = (
    SealedTable("members", (SealedColumn("phone_enc", PII, "phone_hash", PHONE_LOOKUP),),
                carries_staff_hash=True, label=("会员手机号", "member phones")),
    SealedTable("recruit_applications", (SealedColumn("phone_enc", PII, "phone_hash", PHONE_LOOKUP),),
                carries_staff_hash=True, label=("招募申请手机号", "recruiting applications' phones")),
    SealedTable("member_vehicles", (SealedColumn("plate_enc", PII, "plate_hash", PLATE_LOOKUP),
                                    SealedColumn("vin_enc", PII, "vin_hash", VIN_LOOKUP)),
                label=("会员车辆车牌与车架号", "member vehicles' plates and VINs")),
    SealedTable("payout_accounts", (SealedColumn("account_enc", PAYOUT_ACCOUNT),),
                label=("提现收款账号", "payout accounts")),
    SealedTable("prospect_invitations", (SealedColumn("salt_enc", OVERLAP_SALT),),
                label=("潜在伙伴邀请的盐", "prospect invitations' salts")),
    SealedTable("webhook_endpoints", (SealedColumn("secret_enc", WEBHOOK_SECRET),
                                      SealedColumn("previous_secret_enc", WEBHOOK_SECRET)),
                label=("事件推送签名密钥", "webhook signing secrets")),
    SealedTable("platform_outbox_messages", (SealedColumn("recipient_enc", PII),), alliance_column=None,
                label=("短信发件箱收件人", "SMS outbox recipients")),
)


@dataclass(frozen=True)
class KeyCount:
    """How many stored values of one column one key holds ('legacy': written before key ids)."""

    table: str
    column: str
    key_id: str
    rows: int
    current: bool
    on_hand: bool  # the current key or a retired one still configured: it decrypts


@dataclass
class RotationReport:
    """What one rotation run did: values moved to the current key, rows changed meanwhile by the app (left alone:
    the app wrote them with the current key), values no key on hand opens (left alone, counted)."""

    rotated: dict[str, int] = field(default_factory=dict)
    skipped_changed: int = 0
    unreadable: int = 0
    batches: int = 0

    def add(self, table: str, rows: int) -> None:
        self.rotated[table] = self.rotated.get(table, 0) + rows

    @property
    def total(self) -> int:
        return sum(self.rotated.values())
