"""The catalogue of sealed columns agrees with the models and with the purposes the services seal with."""

from __future__ import annotations

import lianmeng.models  # noqa: F401
from lianmeng.db import Base
from lianmeng.keys import domain
from lianmeng.prospects import service as prospects
from lianmeng.vehicles import repository as vehicles
from lianmeng.webhooks import service as webhooks
from lianmeng.withdrawals import service as withdrawals


def test_every_sealed_column_exists_with_its_hash_column() -> None:
    for sealed in domain.SEALED_TABLES:
        table = Base.metadata.tables[sealed.name]
        assert "id" in table.c
        assert sealed.alliance_column is None or sealed.alliance_column in table.c
        for column in sealed.columns:
            assert column.column in table.c
            assert column.hash_column is None or column.hash_column in table.c


def test_every_encrypted_column_of_the_schema_is_in_the_catalogue() -> None:
    listed = {(s.name, c.column) for s in domain.SEALED_TABLES for c in s.columns}
    sealed_in_schema = {(t.name, c.name) for t in Base.metadata.sorted_tables for c in t.c if c.name.endswith("_enc")}
    assert sealed_in_schema == listed


def test_the_purposes_are_those_the_services_seal_and_hash_with() -> None:
    purposes = {(s.name, c.column): (c.purpose, c.hash_purpose) for s in domain.SEALED_TABLES for c in s.columns}
    assert purposes[("payout_accounts", "account_enc")][0] == withdrawals.PAYOUT_PURPOSE
    assert purposes[("prospect_invitations", "salt_enc")][0] == prospects.SALT_PURPOSE
    assert purposes[("member_vehicles", "plate_enc")][1] == vehicles.PLATE_PURPOSE
    assert purposes[("member_vehicles", "vin_enc")][1] == vehicles.VIN_PURPOSE
    assert purposes[("members", "phone_enc")] == ("pii", "phone-lookup")
    assert purposes[("webhook_endpoints", "secret_enc")][0] == webhooks.SECRET_PURPOSE


def test_a_rotation_report_adds_up() -> None:
    report = domain.RotationReport()
    report.add("members", 3)
    report.add("members", 2)
    report.add("member_vehicles", 1)
    assert report.rotated == {"members": 5, "member_vehicles": 1} and report.total == 6
