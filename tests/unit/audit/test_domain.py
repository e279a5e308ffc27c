"""What the audit trail keeps of before/after values: personal data masked, secrets dropped, only changes."""

from __future__ import annotations

from datetime import UTC, date, datetime

from lianmeng.audit.domain import AuditAction, ObjectType, changed, masked, short_user_agent


def test_phones_accounts_and_names_are_masked_and_secrets_dropped() -> None:
    kept = masked({"contact_phone": "13812345678", "account": "6222020200112233445", "holder_name": "张三丰",
                   "password": "correct-horse", "secret_hash": "ab" * 32, "title": "合作", "count": 3})
    assert kept == {"contact_phone": "138****5678", "account": "622************3445", "holder_name": "张**",
                    "password": "***", "secret_hash": "***", "title": "合作", "count": 3}


def test_a_mobile_typed_into_free_text_is_masked_even_nested() -> None:
    kept = masked({"reason": "客户 13812345678 重复建档", "details": {"note": "call +86 139 1234 5678"},
                   "lines": [{"note": "13700001111"}]})
    assert kept == {"reason": "客户 138****5678 重复建档", "details": {"note": "call 139****5678"},
                    "lines": [{"note": "137****1111"}]}


def test_values_become_json_ready() -> None:
    at = datetime(2026, 12, 7, 3, tzinfo=UTC)
    assert masked({"at": at, "day": date(2026, 12, 7), "action": AuditAction.LOGIN}) == {
        "at": "2026-12-07T03:00:00+00:00", "day": "2026-12-07", "action": "auth.login"}


def test_only_changed_fields_are_kept() -> None:
    assert changed({"active": True, "display_name": "王"}, {"active": False, "display_name": "王"}) == (
        {"active": True}, {"active": False})
    assert changed({"a": 1}, {"a": 1}) == ({}, {})


def test_every_action_names_its_object_and_the_user_agent_is_short() -> None:
    assert AuditAction.STATEMENT_PAY.object_type == "statement"
    assert AuditAction.LOGIN_FAILED.object_type == "user" and AuditAction.MEMBER_UNMERGE.object_type == "member_merge"
    assert {action.object_type for action in AuditAction} == {o.value for o in ObjectType}
    assert all(action.zh and action.en and "." in action.value for action in AuditAction)
    assert len(short_user_agent("Mozilla/5.0 " * 40)) == 120
    assert short_user_agent(None) == ""
