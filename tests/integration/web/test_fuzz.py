"""Schemathesis against our own OpenAPI document, with every check it has (`--checks all`) but one: requests valid
and invalid, fired as an operator, a merchant admin, store staff, another alliance's operator and an anonymous
caller. No answer is a 5xx, every status is documented, every body and content type is the documented one,
invalid input is refused, 405s name the allowed methods, and an operation that needs a caller refuses one without.

Left out: `positive_data_acceptance` (a schema-valid request must succeed). Many refusals are business rules that
JSON Schema cannot say, and are right: items that do not add up to the amount, an unknown phone format, a date
range over a year, the same Idempotency-Key reused with another body (422, as the IETF draft says), and integers
written `100.0`, which JSON Schema calls integers but our strict money fields refuse. docs/api-errors.md.

LIANMENG_FUZZ_EXAMPLES sets the examples per operation and mode (CI: the default, about a minute)."""

from __future__ import annotations

import os
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation import GenerationMode

from tests.conftest import World

EXAMPLES = int(os.environ.get("LIANMENG_FUZZ_EXAMPLES", "6"))
LEFT_OUT = {"positive_data_acceptance"}

load_all_checks()
CHECKED = [check for check in CHECKS.get_all() if getattr(check, "__name__", "") not in LEFT_OUT]


def _failures(error: BaseException) -> list[Failure]:
    if isinstance(error, FailureGroup):
        return [f for e in error.exceptions for f in _failures(e)]
    return [error] if isinstance(error, Failure) else []


def test_every_check_holds_for_every_operation(world: World) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.client.app)
    callers = [
        {},
        world.a.actors["operator"].headers,
        world.a.actors["admin1"].headers,
        world.a.actors["staff2"].headers,
        world.b.actors["operator"].headers,
    ]
    failures: list[str] = []
    seen: Counter[int] = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 100
    # logout ends the caller's token by design (tests/integration/auth/test_sessions.py): fired here, it would log
    # the fuzzer's callers out for every later operation
    operations = [op for op in operations if op.path != "/api/v1/auth/logout"]

    for operation in operations:
        cases = st.one_of(*(operation.as_strategy(generation_mode=mode) for mode in GenerationMode))

        @settings(max_examples=EXAMPLES * 2, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=cases, caller=st.sampled_from(callers))
        def fire(case: schemathesis.Case, caller: dict[str, str]) -> None:
            case.headers = {k: v for k, v in (case.headers or {}).items()
                            if k.lower() not in ("authorization", "x-api-key")}
            try:  # the caller's credentials as the client's own (ignored_auth then retries without and with bad ones)
                response = case.call_and_validate(headers=caller, checks=CHECKED)
            except (Failure, FailureGroup) as error:
                for failure in _failures(error):
                    failures.append(f"{case.method} {case.formatted_path}: {failure.title} — {failure.message[:300]}")
                return
            seen[response.status_code] += 1

        fire()
    assert failures == [], "\n".join(failures)
    assert sum(n for status, n in seen.items() if 200 <= status < 300) >= 20, "the fuzzer must reach past auth"
    assert not any(status >= 500 for status in seen)
