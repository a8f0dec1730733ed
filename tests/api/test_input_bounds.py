"""What the server does with input no desk sends: oversized bodies, odd headers, impossible times, NaN.

Each refusal is a 4xx with ``{code, message}``; none is a 500. Oversized bodies are sent over a raw TLS
socket so the test controls what is sent and when: the server must answer before the body's end.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest
import sqlalchemy as sa

from medspa_api.api.body_limits import PUSH_BODY_LIMIT, SIGN_IN_BODY_LIMIT
from medspa_api.db import tables as t
from medspa_desk.records import IntakeForm, Role, Signature, content_hash, new_id
from tests.api.desk import Desk, create_client, mutation, new_client
from tests.support.live_api import LiveApi

OVERFLOWING = "0001-01-01T00:00:00+01:00"  # before the first instant once converted to UTC
PAST_THE_END = "9999-12-31T23:59:59-01:00"


def _raw_exchange(api: LiveApi, head: bytes, body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """Send a request head and part of a body, then read whatever the server answers (without sending more)."""
    with (socket.create_connection(("127.0.0.1", api.port), timeout=20) as plain,
          api.ssl_context().wrap_socket(plain, server_hostname="127.0.0.1") as tls):
        tls.sendall(head + body)
        received = b""
        while b"\r\n\r\n" not in received:
            received += tls.recv(65536)
        header_block, _, rest = received.partition(b"\r\n\r\n")
        status_line, *lines = header_block.decode("latin-1").split("\r\n")
        headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
        while len(rest) < int(headers.get("content-length", "0")):
            rest += tls.recv(65536)
    return int(status_line.split()[1]), headers, rest


def _head(path: str, *framing: str) -> bytes:
    lines = [f"POST /api/v1{path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json", *framing]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def test_a_16_mb_sign_in_body_is_refused_from_its_length_before_it_is_sent(live_api: LiveApi) -> None:
    status, headers, body = _raw_exchange(live_api, _head("/auth/login", f"Content-Length: {16 * 1024 * 1024}"),
                                          b'{"tenant": "')
    assert status == 413
    answer = json.loads(body)
    assert answer["code"] == "body_too_large" and "16 KiB" in answer["message"]
    assert headers["connection"] == "close"


def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit_without_waiting_for_its_end(
        live_api: LiveApi) -> None:
    chunk = b"x" * 4096
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(SIGN_IN_BODY_LIMIT // 4096 + 2))
    # No final zero-length chunk: a server that waited for the whole body would never answer.
    status, _headers, answer = _raw_exchange(live_api, _head("/auth/login", "Transfer-Encoding: chunked"), body)
    assert status == 413
    assert json.loads(answer)["code"] == "body_too_large"


def test_push_accepts_a_body_larger_than_other_routes_but_not_past_its_own_limit(desk: Desk,
                                                                                  live_api: LiveApi) -> None:
    token = desk.tokens["access_token"]
    status, _headers, answer = _raw_exchange(
        live_api, _head("/sync/push", f"Authorization: Bearer {token}", f"Content-Length: {PUSH_BODY_LIMIT + 1}"))
    assert status == 413 and json.loads(answer)["code"] == "body_too_large"
    padding = "x" * 500
    events = [{"id": str(new_id()), "at": datetime.now(UTC).isoformat(), "actor_user_id": desk.tokens["user"]["id"],
               "action": "view", "entity": "client", "detail": padding} for _ in range(300)]
    bigger_than_sign_in = desk.push(audit_events=events)  # about 200 KiB: over 64 KiB, well under push's limit
    assert bigger_than_sign_in.status_code == 200, bigger_than_sign_in.text


@pytest.mark.parametrize("value", [b"\xb2", b"1.5", b"two", b"", b"-1", b"99999999999999999999"])
def test_a_protocol_header_that_is_not_a_plain_number_is_refused_on_every_route(
        live_api: LiveApi, value: bytes) -> None:
    with live_api.client() as http:
        for url in (f"{live_api.base_url}/healthz", live_api.url("/sync/changes"), live_api.url("/auth/login")):
            answer = http.request("GET" if "login" not in url else "POST", url,
                                  headers={"X-Medspa-Protocol": value}, json=None)
            assert answer.status_code == 400, (url, value, answer.text)
            assert answer.json()["code"] == "protocol_header_invalid"
            assert set(answer.json()) == {"code", "message"}


@pytest.mark.parametrize("moment", [OVERFLOWING, PAST_THE_END])
def test_a_push_whose_client_time_overflows_in_utc_is_refused_naming_the_field(desk: Desk, moment: str) -> None:
    body = {"device_id": str(desk.device_id), "client_time": moment, "mutations": [], "audit_events": []}
    answer = desk.post("/sync/push", json=body)
    assert answer.status_code == 422, answer.text
    assert "client_time" in answer.json()["message"]


# Year 1 in UTC would be stored, then read back as year 0 (which Python cannot hold) by a PostgreSQL
# session in any time zone west of UTC: times stay within years 1900 to 2999.
OUT_OF_RANGE = "0001-01-01T00:00:00Z"


@pytest.mark.parametrize("moment", [OVERFLOWING, OUT_OF_RANGE, "3000-01-01T00:00:00Z", "1899-12-31T23:59:59Z"])
def test_an_audit_event_time_that_overflows_or_is_out_of_range_is_refused_naming_the_field(
        desk: Desk, moment: str) -> None:
    event = {"id": str(new_id()), "at": moment, "actor_user_id": desk.tokens["user"]["id"], "action": "view"}
    answer = desk.push(audit_events=[event])
    assert answer.status_code == 422, answer.text
    assert "audit_events.0.at" in answer.json()["message"]


def test_a_record_time_that_overflows_rejects_that_mutation_and_no_more(desk: Desk) -> None:
    broken = {**new_client().to_json(), "updated_at": OVERFLOWING}
    kept = new_client()
    answer = desk.push(mutation("client.create", "client", new_id(), broken), create_client(kept))
    assert answer.status_code == 200, answer.text
    rejected, applied = answer.json()["results"]
    assert (rejected["outcome"], applied["outcome"]) == ("rejected", "applied")


def test_a_sign_in_whose_client_time_overflows_is_refused_naming_the_field(live_api: LiveApi) -> None:
    user = live_api.users["front_desk"]
    body = {"tenant": live_api.tenant.name, "username": user.username, "password": "not checked",
            "client_time": OVERFLOWING}
    with live_api.client() as http:
        answer = http.post(live_api.url("/auth/login"), json=body)
    assert answer.status_code == 422
    assert "client_time" in answer.json()["message"]


@pytest.fixture(scope="module")
def manager(live_api: LiveApi) -> Iterator[Desk]:
    signed_in = Desk.sign_in(live_api, live_api.fresh(Role.MANAGER))
    yield signed_in
    signed_in.http.close()


@pytest.mark.parametrize("query", [{"from": OVERFLOWING}, {"to": PAST_THE_END}, {"to": "0.5"}, {"from": "1700000000"},
                                   {"from": OUT_OF_RANGE},
                                   {"to": "2026-13-01T00:00:00Z"}])
def test_an_audit_query_time_that_is_not_a_date_or_overflows_is_refused_naming_it(
        manager: Desk, query: dict[str, str]) -> None:
    for path in ("/audit", "/audit/export.csv"):
        answer = manager.get(path, params=query)
        assert answer.status_code == 422, (path, query, answer.text)
        assert f"query.{next(iter(query))}" in answer.json()["message"]


def test_an_audit_query_with_a_zoned_iso_time_still_works(manager: Desk) -> None:
    answer = manager.get("/audit", params={"from": "2020-01-01T00:00:00-05:00", "to": "2999-01-01T00:00:00Z"})
    assert answer.status_code == 200, answer.text


def _raw_push(desk: Desk, text: str) -> dict[str, object]:
    answer = desk.post("/sync/push", content=text.encode("utf-8"), headers={"Content-Type": "application/json"})
    assert answer.status_code == 422, answer.text
    return answer.json()


@pytest.mark.parametrize("word", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_anywhere_in_a_body_are_refused_naming_the_field(desk: Desk, word: str) -> None:
    client = new_client()
    payload = json.dumps({"changes": {"notes": "__X__"}, "base": {}}).replace('"__X__"', word)
    text = json.dumps({"device_id": str(desk.device_id), "client_time": datetime.now(UTC).isoformat(),
                       "mutations": [{**mutation("client.update", "client", client.id, {}), "payload": "__P__"}],
                       "audit_events": []}).replace('"__P__"', payload)
    answer = _raw_push(desk, text)
    assert answer["code"] == "invalid_request"
    assert "mutations.0.payload.changes.notes" in answer["message"]


def test_a_signature_with_an_infinite_or_overflowing_coordinate_is_never_stored(desk: Desk) -> None:
    client = new_client()
    good = Signature(width=300, height=100, strokes=(((1.0, 2.0), (3.0, 4.0)),))
    form = IntakeForm(client_id=client.id, questionnaire_id="general", questionnaire_version=1,
                      answers={"pregnant": False}, submitted_at=datetime.now(UTC), signer_name="M O",
                      signature=good, content_sha256="0" * 64)
    text = json.dumps({"device_id": str(desk.device_id), "client_time": datetime.now(UTC).isoformat(),
                       "mutations": [create_client(client),
                                     mutation("intake.submit", "intake", form.id, form.to_json())],
                       "audit_events": []})
    infinite = _raw_push(desk, text.replace("[3.0, 4.0]", "[3.0, Infinity]"))
    assert "mutations.1.payload.signature.strokes.0.1.1" in infinite["message"]
    overflowing = desk.post("/sync/push", content=text.replace("[3.0, 4.0]", "[3.0, 1e999]").encode(),
                            headers={"Content-Type": "application/json"})
    assert overflowing.status_code == 200, overflowing.text
    assert [r["outcome"] for r in overflowing.json()["results"]] == ["applied", "rejected"]


def test_a_signature_with_too_many_points_or_an_intake_with_too_many_answers_is_rejected(desk: Desk) -> None:
    client = new_client()
    base = {"client_id": str(client.id), "questionnaire_id": "general", "questionnaire_version": 1,
            "submitted_at": datetime.now(UTC).isoformat(), "signer_name": "M O", "content_sha256": "0" * 64}
    many_points = {**base, "id": str(new_id()), "answers": {},
                   "signature": {"width": 300, "height": 100, "strokes": [[[1, 1]] * 3000, [[2, 2]] * 3001]}}
    many_answers = {**base, "id": str(new_id()), "answers": {f"q{i}": "yes" for i in range(301)}}
    long_answer = {**base, "id": str(new_id()), "answers": {"notes": "x" * 4001}}
    results = desk.push_ok(create_client(client), *(mutation("intake.submit", "intake", form["id"], form)
                                                    for form in (many_points, many_answers, long_answer)))
    assert [r["outcome"] for r in results] == ["applied", "rejected", "rejected", "rejected"]


def test_pull_serves_strict_json_only(desk: Desk) -> None:
    pulled = desk.get("/sync/pull", params={"after": 0, "limit": 5000})
    json.loads(pulled.text, parse_constant=lambda word: pytest.fail(f"the pull served {word}"))


@pytest.mark.parametrize(("content", "code"), [(b'{"tenant": ', "invalid_json"), (b'{"tenant": "\xff\xfe"}',
                                                                                    "invalid_body"),
                                               (b"\xff" * 10, "invalid_body")])
def test_an_unreadable_body_answers_code_and_message_not_detail(live_api: LiveApi, content: bytes,
                                                                code: str) -> None:
    with live_api.client() as http:
        answer = http.post(live_api.url("/auth/login"), content=content, headers={"Content-Type": "application/json"})
    assert answer.status_code in (400, 422), answer.text
    assert set(answer.json()) == {"code", "message"}
    assert answer.json()["code"] == code


def test_an_unknown_address_and_a_wrong_method_answer_code_and_message(live_api: LiveApi) -> None:
    with live_api.client() as http:
        missing = http.get(live_api.url("/no-such-thing"))
        wrong_method = http.get(live_api.url("/auth/login"))
    assert missing.status_code == 404 and set(missing.json()) == {"code", "message"}
    assert wrong_method.status_code == 405 and wrong_method.json()["code"] == "method_not_allowed"


def test_every_answer_carries_hsts_and_no_server_header(live_api: LiveApi, desk: Desk) -> None:
    with live_api.client() as http:
        answers = [http.get(f"{live_api.base_url}/healthz"), http.get(live_api.url("/no-such-thing")),
                   http.get(f"{live_api.base_url}/healthz", headers={"X-Medspa-Protocol": "99"})]
    # The second long-poll is answered by the fast path in front of the stack (its token is cached).
    answers += [desk.get("/sync/changes"), desk.get("/sync/changes")]
    for answer in answers:
        assert answer.headers["strict-transport-security"].startswith("max-age=31536000"), answer.request.url
        assert "server" not in answer.headers, answer.request.url


def test_a_document_with_a_version_too_large_for_the_server_is_one_rejected_mutation(desk: Desk) -> None:
    client = new_client()
    fields = {"client_id": client.id, "questionnaire_id": "general", "questionnaire_version": 1,
              "answers": {"pregnant": False}, "submitted_at": datetime.now(UTC), "signer_name": "M O"}
    unsealed = IntakeForm(**fields, content_sha256="0" * 64)
    form = unsealed.model_copy(update={"content_sha256": content_hash(unsealed.signed_content())})
    huge_version = {**form.to_json(), "version": 2**40}  # the version columns are 32-bit
    results = desk.push_ok(create_client(client), mutation("intake.submit", "intake", form.id, huge_version))
    assert [r["outcome"] for r in results] == ["applied", "rejected"]


def test_half_a_surrogate_pair_is_refused_naming_the_field_and_a_whole_escaped_pair_is_kept(desk: Desk) -> None:
    client = new_client()
    desk.push_ok(create_client(client))

    def update_notes(escaped_notes: str) -> str:
        update = mutation("client.update", "client", client.id, {"changes": {"notes": "__N__"}, "base": {}})
        return json.dumps({"device_id": str(desk.device_id), "client_time": datetime.now(UTC).isoformat(),
                           "mutations": [update], "audit_events": []}).replace('"__N__"', f'"{escaped_notes}"')

    refused = _raw_push(desk, update_notes("a\\udc00b"))
    assert "mutations.0.payload.changes.notes" in refused["message"] and "surrogate" in refused["message"]
    kept = desk.post("/sync/push", content=update_notes("likes \\ud83d\\ude00").encode(),
                     headers={"Content-Type": "application/json"})
    assert kept.status_code == 200 and kept.json()["results"][0]["outcome"] == "applied", kept.text


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_served_process_sends_hsts_and_no_server_header(tmp_path: Path, backend: str) -> None:
    """``medspa-api serve`` as operators run it, not the test's in-process server."""
    with LiveApi.start(tmp_path, backend=backend, in_subprocess=True) as served, served.client() as http:
        answer = http.get(f"{served.base_url}/healthz")
    assert answer.status_code == 200
    assert "server" not in answer.headers
    assert answer.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


def test_an_invalid_request_from_a_signed_in_person_is_audited_with_them(desk: Desk, live_api: LiveApi) -> None:
    answer = desk.post("/sync/push", json={"device_id": str(desk.device_id), "mutations": "not a list"})
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_request"
    with live_api.database.transaction(live_api.tenant.id, write=False) as conn:
        rows = conn.execute(sa.select(t.audit.c.actor_user_id, t.audit.c.outcome, t.audit.c.detail).where(
            t.audit.c.tenant_id == live_api.tenant.id, t.audit.c.outcome == "invalid_request")).all()
    assert (UUID(desk.tokens["user"]["id"]), "invalid_request", "POST /sync/push") in [tuple(r) for r in rows]
