"""A refused request becomes the desk's error, sorted by what to do, in the server's words."""

from __future__ import annotations

import httpx
import pytest

from medspa_desk.sync.api import error_for
from medspa_desk.sync.errors import (
    ClockSkew,
    DeviceRevoked,
    ServerRefused,
    ServerTrouble,
    SignInNeeded,
    SyncError,
    TotpRequired,
)


def answer(status: int, code: str = "", message: str = "") -> httpx.Response:
    return httpx.Response(status, json={"code": code, "message": message})


def test_totp_required_asks_for_the_code() -> None:
    error = error_for(answer(401, "totp_required", "Enter the 6-digit code from your authenticator app."))
    assert isinstance(error, TotpRequired)
    assert "6-digit code" in error.message
    assert not error.retry


def test_an_ended_session_asks_to_sign_in_again_with_the_servers_reason() -> None:
    error = error_for(answer(401, "session_expired", "Your session has ended; sign in again."))
    assert type(error) is SignInNeeded
    assert error.code == "session_expired"
    assert error.reason == "Your session has ended; sign in again."


def test_a_revoked_device_is_not_retried() -> None:
    error = error_for(answer(403, "device_revoked", "This workstation has been revoked by the practice."))
    assert isinstance(error, DeviceRevoked)
    assert not error.retry


def test_clock_skew_is_a_plain_message_and_retried_on_the_timer() -> None:
    error = error_for(answer(409, "clock_skew", "This computer's clock is 12 minutes off; correct it."))
    assert isinstance(error, ClockSkew)
    assert "12 minutes" in error.message
    assert error.retry


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_trouble_is_retried(status: int) -> None:
    error = error_for(answer(status))
    assert isinstance(error, ServerTrouble)
    assert error.retry
    assert "try again" in error.message


def test_an_unreadable_error_body_still_gives_a_sentence() -> None:
    error = error_for(httpx.Response(502, text="<html>Bad gateway</html>"))
    assert isinstance(error, ServerTrouble)
    assert "error 502" in error.message


def test_other_refusals_carry_the_code_and_are_not_retried() -> None:
    error = error_for(answer(422, "invalid_request", "The request is not valid at mutations.0.kind."))
    assert isinstance(error, ServerRefused)
    assert (error.status, error.code) == (422, "invalid_request")
    assert not error.retry


def test_every_error_has_words_for_a_person() -> None:
    for status, code in [(401, ""), (403, "forbidden"), (404, ""), (423, "locked"), (500, "")]:
        error = error_for(answer(status, code))
        assert isinstance(error, SyncError)
        assert error.message.strip()


def test_a_server_speaking_only_protocol_1_is_named_as_the_older_side() -> None:
    """What a version-1 server answers a version-2 desk: 426, its own version in the header, words that blame the app."""
    old_server = httpx.Response(426, headers={"X-Medspa-Protocol": "1"}, json={
        "code": "protocol_unsupported",
        "message": "This app speaks sync protocol 2; the server speaks 1 to 1. Update the app (or the server) and "
                   "try again."})
    error = error_for(old_server)
    assert type(error) is ServerRefused and not error.retry
    assert error.code == "protocol_unsupported"
    assert error.message == ("The sync server is older than this app (it speaks sync protocol 1; this app needs 2). "
                             "Ask your IT administrator to update the server. Nothing was lost: changes wait on "
                             "this computer until then.")


def test_a_newer_server_asks_for_the_app_to_be_updated() -> None:
    error = error_for(httpx.Response(426, headers={"X-Medspa-Protocol": "3"}, json={"code": "protocol_unsupported"}))
    assert error.message.startswith("This app is older than the sync server (it speaks sync protocol 3; this app 2). "
                                    "Update the app on this workstation.")
