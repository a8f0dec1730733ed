"""Schemathesis against the live app's /openapi.json, over TLS, signed in as an admin.

Every operation in the document gets a bounded number of generated requests:
schema-valid ones (the point is what the server does with anything the
contract allows; the document's date-time parameters and the protocol header
every operation declares are generated too), then a few schema-invalid ones.
No answer may be a 5xx, every 4xx must be ``{code, message}`` and nothing
else, and a schema-valid request's answer must match the response schema the
document declares for its status code. Two smaller property tests send what
the document cannot describe: any bytes as the protocol header, and zoned
times from year 1 to 9999 with any offset, where UTC conversion overflows at
both ends. The run is bounded by its example counts and a pytest-timeout.

Left out of the generated calls: sign-out (it would end the session the rest
of the run uses) and device revocation (it would revoke the workstation the
run signs in on if the generator ever named it), and the change stream (an event
stream that stays open until the sign-in ends, so a request/response check would
wait for it; its document entry is still checked here, and
tests/api/test_change_notices.py tests the stream). Generated sign-ins fail, and
failures from one address are throttled, so the throttle is cleared after the
run for the other tests sharing this server.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode

from medspa_api.db import tables as t
from medspa_desk.records import Role
from tests.api.desk import Desk
from tests.support.live_api import LiveApi

EXAMPLES_PER_OPERATION = 15
INVALID_EXAMPLES_PER_OPERATION = 5
LEFT_OUT = {("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/devices/{device_id}/revoke"),
            ("GET", "/api/v1/sync/changes/stream")}


def error_body_on_every_4xx(ctx: object, response: schemathesis.Response, case: schemathesis.Case) -> bool:
    """A refusal is {code, message}: a code a program tests and words a person reads, nothing else."""
    if 400 <= response.status_code < 500:
        body = response.json()
        assert isinstance(body, dict) and set(body) == {"code", "message"}, (response.status_code, body)
        assert body["code"] and body["message"], body
    return True


def _exercise(operation: schemathesis.APIOperation, *, session: requests.Session, base_url: str,
              headers: dict[str, str], ca_path: str) -> None:
    valid = [schemathesis.checks.not_a_server_error, schemathesis.checks.response_schema_conformance,
             error_body_on_every_4xx]
    invalid = [schemathesis.checks.not_a_server_error, error_body_on_every_4xx]
    for mode, examples, checks in ((GenerationMode.POSITIVE, EXAMPLES_PER_OPERATION, valid),
                                   (GenerationMode.NEGATIVE, INVALID_EXAMPLES_PER_OPERATION, invalid)):
        _generate(operation, mode=mode, examples=examples, checks=checks, session=session, base_url=base_url,
                  headers=headers, ca_path=ca_path)


def _generate(operation: schemathesis.APIOperation, *, mode: GenerationMode, examples: int, checks: list,
              session: requests.Session, base_url: str, headers: dict[str, str], ca_path: str) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def exercise(case: schemathesis.Case) -> None:
        case.call_and_validate(base_url=base_url, session=session, headers=headers, checks=checks,
                               verify=ca_path, timeout=30)

    exercise()


def _failures(schema: schemathesis.schemas.BaseSchema, *, session: requests.Session, base_url: str,
              token: str, ca_path: str) -> list[str]:
    found: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in LEFT_OUT:
            continue
        headers = {} if "/auth/" in operation.path else {"Authorization": f"Bearer {token}"}
        try:
            _exercise(operation, session=session, base_url=base_url, headers=headers, ca_path=ca_path)
        except Exception as failure:  # each operation's finding is collected and reported together
            found.append(f"{operation.method.upper()} {operation.path}: {str(failure)[:800]}")
    return found


@pytest.mark.timeout(900)
def test_every_operation_answers_within_its_documented_schema_and_never_5xx(live_api: LiveApi) -> None:
    token = live_api.login(live_api.fresh(Role.ADMIN))["access_token"]
    session = requests.Session()
    session.verify = live_api.ca_path
    try:
        schema = schemathesis.openapi.from_url(f"{live_api.base_url}/openapi.json", verify=live_api.ca_path)
        operations = sum(1 for _ in schema.get_all_operations())
        assert operations >= 15, "the OpenAPI document lost its operations"
        stream = schema["/api/v1/sync/changes/stream"]["GET"].definition.raw["responses"]["200"]
        assert "text/event-stream" in stream["content"], "the change stream must be described as an event stream"
        failures = _failures(schema, session=session, base_url=live_api.base_url, token=token,
                             ca_path=live_api.ca_path)
    finally:
        session.close()
        with live_api.database.transaction() as conn:
            conn.execute(t.address_throttle.delete())
    assert not failures, "\n\n".join(failures)




def _refusal_or_answer(answer: requests.Response, allowed: set[int]) -> None:
    assert answer.status_code in allowed, (answer.status_code, answer.text)
    if answer.status_code >= 400:
        assert set(answer.json()) == {"code", "message"}, answer.text


# Any value HTTP allows in a header (RFC 9110 field-value: visible ASCII, bytes 0x80-0xFF, spaces and tabs).
# Other control bytes are not HTTP: uvicorn's parser refuses the request before the app sees it.
HEADER_BYTES = st.binary(max_size=12).filter(
    lambda v: all(b == 0x09 or 0x20 <= b != 0x7F for b in v)).map(bytes.strip)


@pytest.mark.timeout(300)
def test_any_protocol_header_is_answered_without_a_5xx(live_api: LiveApi) -> None:
    with live_api.client() as http:

        @given(value=HEADER_BYTES)
        @settings(max_examples=40, deadline=None, database=None, derandomize=True)
        def probe(value: bytes) -> None:
            answer = http.get(f"{live_api.base_url}/healthz", headers={"X-Medspa-Protocol": value})
            _refusal_or_answer(answer, {200, 400, 426})  # type: ignore[arg-type]

        probe()


ZONED_TIMES = st.builds(
    lambda moment, minutes: moment.replace(tzinfo=timezone(timedelta(minutes=minutes))),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
    st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1))


@pytest.mark.timeout(300)
def test_any_zoned_time_in_an_audit_query_or_a_push_is_answered_without_a_5xx(live_api: LiveApi) -> None:
    with Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:

        @given(moment=ZONED_TIMES | st.sampled_from([datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))),
                                                      datetime(9999, 12, 31, 23, 59, tzinfo=timezone(-timedelta(hours=1)))]))
        @settings(max_examples=30, deadline=None, database=None, derandomize=True)
        def probe(moment: datetime) -> None:
            _refusal_or_answer(manager.get("/audit", params={"from": moment.isoformat()}), {200, 422})
            _refusal_or_answer(manager.push(client_time=moment), {200, 409, 422})

        probe()
