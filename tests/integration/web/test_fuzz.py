"""No input makes any endpoint answer 5xx: schemathesis generates requests (valid and invalid) from our own
OpenAPI document and fires them as an operator, a merchant admin, store staff and an anonymous caller."""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import World

EXAMPLES = int(os.environ.get("LIANMENG_FUZZ_EXAMPLES", "12"))


def test_no_endpoint_answers_5xx(world: World) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.client.app)
    callers = [
        {},
        world.a.actors["operator"].headers,
        world.a.actors["admin1"].headers,
        world.a.actors["staff2"].headers,
        world.b.actors["operator"].headers,
    ]
    failures: list[str] = []
    seen: list[int] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    # logout ends the caller's token by design (tests/integration/auth/test_sessions.py): fired here, it would log
    # the fuzzer's callers out for every later operation
    operations = [op for op in operations if op.path != "/api/v1/auth/logout"]

    for operation in operations:

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(), caller=st.sampled_from(callers))
        def fire(case: schemathesis.Case, caller: dict[str, str]) -> None:
            headers = {k: v for k, v in (case.headers or {}).items() if k.lower() not in ("authorization", "x-api-key")}
            case.headers = {**headers, **caller}
            response = case.call()
            seen.append(response.status_code)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:200]}")

        fire()
    assert failures == []
    assert sum(200 <= status < 300 for status in seen) >= 20, "the fuzzer must reach past authentication"
