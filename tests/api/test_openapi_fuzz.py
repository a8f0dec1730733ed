"""Schemathesis against the live app's /openapi.json, over TLS, signed in as an admin.

Every operation in the document gets a bounded number of generated requests
(schema-valid ones: the point is what the server does with anything the
contract allows). Each answer must not be a 5xx and must match the response
schema the document declares for its status code.

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

import requests
import schemathesis
from hypothesis import HealthCheck, given, settings

from medspa_api.db import tables as t
from medspa_desk.records import Role
from tests.support.live_api import LiveApi

EXAMPLES_PER_OPERATION = 15
LEFT_OUT = {("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/devices/{device_id}/revoke"),
            ("GET", "/api/v1/sync/changes/stream")}


def _exercise(operation: schemathesis.APIOperation, *, session: requests.Session, base_url: str,
              headers: dict[str, str], ca_path: str) -> None:
    checks = [schemathesis.checks.not_a_server_error, schemathesis.checks.response_schema_conformance]

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
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


