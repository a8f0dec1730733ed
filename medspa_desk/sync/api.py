"""The central API's sync and sign-in endpoints as typed calls.

Each call sends a protocol model and returns one, or raises a
:class:`~medspa_desk.sync.errors.SyncError` sorted by what the desk should do:
the server's own words (its ``ErrorBody.message``) are passed on, since the
API writes them for people.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

import httpx
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from medspa_desk.protocol import (
    PHOTO_CHUNK_SHA256_HEADER,
    PROTOCOL_HEADER,
    PROTOCOL_MAX,
    PROTOCOL_MIN,
    PULL_CURSOR_HEADER,
    PULL_HAS_MORE_HEADER,
    CertificateRequest,
    ChangesSince,
    DestructionCertificate,
    DeviceReport,
    ErrorBody,
    EscrowDeposit,
    EscrowRelease,
    LoginRequest,
    PhotoUpload,
    PhotoUploadStart,
    PushRequest,
    PushResponse,
    RefreshRequest,
    TokenResponse,
    WipeConfirmation,
    WipeRecorded,
)
from medspa_desk.sync.audit_wire import AuditCheckpoint, AuditPage, AuditVerification
from medspa_desk.sync.errors import (
    ClockSkew,
    DeviceRevoked,
    EnrolmentRequired,
    PracticeDestroyed,
    ServerRefused,
    ServerTrouble,
    SignInNeeded,
    SyncError,
    TotpRequired,
)
from medspa_desk.sync.transport import explain_connection_failure

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
UNREADABLE_ANSWER = ("The sync server sent an answer this version of Medspa Desk cannot read. "
                     "It will try again; if this stays, update the app.")

PREFIX = "/api/v1"
LOGIN = f"{PREFIX}/auth/login"
REFRESH = f"{PREFIX}/auth/refresh"
LOGOUT = f"{PREFIX}/auth/logout"
ENROLMENT = f"{PREFIX}/auth/enrolment"
PUSH = f"{PREFIX}/sync/push"
PULL = f"{PREFIX}/sync/pull"
CHANGES = f"{PREFIX}/sync/changes"
CHANGES_STREAM = f"{PREFIX}/sync/changes/stream"
ESCROW = f"{PREFIX}/devices/escrow"
DEVICE_REPORT = f"{PREFIX}/devices/me/report"
DESTRUCTION_WIPED = f"{PREFIX}/destructions/wiped"
DESTRUCTION_CERTIFICATE = f"{PREFIX}/destructions/certificate"
SERVER_HALF = f"{PREFIX}/devices/escrow/server-half"
PHOTOS = f"{PREFIX}/photos"
AUDIT = f"{PREFIX}/audit"
AUDIT_CSV = f"{PREFIX}/audit/export.csv"
AUDIT_CHECKPOINT = f"{PREFIX}/audit/checkpoint"
AUDIT_VERIFY = f"{PREFIX}/audit/verify"
LONG_POLL_SLACK_S = 10.0
# The server writes to an open change stream at least every 30 s (heartbeats); silence for longer
# means the connection is gone without a word (a sleeping laptop, a dropped Wi-Fi link).
STREAM_SILENCE_S = 45.0


class ServerHalf(BaseModel):
    """The server's half of this device's escrow key (base64), asked for before the first deposit."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    server_half: str


class EnrolmentRequest(BaseModel):
    """The person whose waiting authenticator enrolment is asked for, proven by their password."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    tenant: str = Field(min_length=1, max_length=64)
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class EnrolmentAnswer(BaseModel):
    """Given out once: the secret (base32, to type by hand) and its otpauth:// address (for a QR code)."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    secret: str = Field(min_length=16, max_length=128, pattern=r"^[A-Z2-7]+=*$")
    totp_uri: str = Field(min_length=1, max_length=2048, pattern=r"^otpauth://totp/")


def _server_words(response: httpx.Response) -> ErrorBody | None:
    try:
        body = response.json()
    except ValueError:
        return None
    detail = body.get("detail", body) if isinstance(body, dict) else None
    if isinstance(detail, dict):
        try:
            return ErrorBody.model_validate({"code": detail.get("code", ""), "message": detail.get("message", "")})
        except ValidationError:
            return None
    return None


def error_for(response: httpx.Response) -> SyncError:
    """The desk's error for a refused request, in the server's words where it gave some."""
    words = _server_words(response)
    code = words.code if words else ""
    message = words.message if words and words.message else ""
    status = response.status_code
    if status == 401:
        if code == "totp_required":
            return TotpRequired(message or "Enter the six-digit code from your authenticator app.")
        if code == "totp_enrolment_required":
            return EnrolmentRequired(message or "Set up your authenticator app to finish signing in.")
        return SignInNeeded(message or "The server no longer accepts this sign-in; sign in again.", code=code)
    if code == "practice_destroyed":
        return PracticeDestroyed(message or "This practice's records were destroyed at the end of its contract; "
                                            "this workstation erases its own copy now.")
    if code == "device_revoked":
        return DeviceRevoked(message or "This workstation has been revoked by the practice; its local data "
                                        "has been erased. Ask a manager to set it up again.")
    if code == "clock_skew":
        return ClockSkew((message or "This computer's clock is wrong; correct it and sync again.")
                         + " Nothing has been lost: changes wait on this computer until then.")
    if status == 426:
        return _other_protocol(response, code=code)
    if status == 423:
        return SignInNeeded(message or "This account is locked for now; try again later.", code=code)
    if status == 429 or status >= 500:
        return ServerTrouble(message or f"The sync server is having trouble (error {status}). "
                                        "The desk keeps working offline and will try again.")
    return ServerRefused(message or f"The sync server refused the request (error {status}).",
                         code=code, status=status)


def _other_protocol(response: httpx.Response, *, code: str) -> SyncError:
    """The server speaks another sync protocol: say which side is older and who updates it.

    A server states the version it speaks in ``X-Medspa-Protocol`` on every answer; its own
    words are not used, since an older server's words may blame the wrong side.
    """
    stated = response.headers.get(PROTOCOL_HEADER, "")
    theirs = int(stated) if stated.isdigit() and len(stated) < 6 else None
    if theirs is not None and theirs < PROTOCOL_MIN:
        words = (f"The sync server is older than this app (it speaks sync protocol {theirs}; this app needs "
                 f"{PROTOCOL_MIN}). Ask your IT administrator to update the server.")
    else:
        words = ("This app is older than the sync server (it speaks sync protocol "
                 f"{theirs if theirs is not None else 'another version'}; this app {PROTOCOL_MAX}). "
                 "Update the app on this workstation.")
    return ServerRefused(f"{words} Nothing was lost: changes wait on this computer until then.",
                         code=code or "protocol_unsupported", status=426)


@dataclass(frozen=True)
class RawPage:
    """A pull page as it arrived; the server's hints say where the next page starts, if it sent them."""

    content: bytes
    next_after: int | None  # the page's cursor, from its header
    has_more: bool | None


def _typed(answer: type[M], response: httpx.Response) -> M:
    try:
        return answer.model_validate_json(response.content)
    except (ValidationError, ValueError):
        raise ServerTrouble(UNREADABLE_ANSWER) from None


def _raw_page(response: httpx.Response) -> RawPage:
    cursor, more = response.headers.get(PULL_CURSOR_HEADER), response.headers.get(PULL_HAS_MORE_HEADER)
    if cursor is None or more not in ("0", "1") or not cursor.isdigit():
        return RawPage(response.content, None, None)  # an older server: the body alone says
    return RawPage(response.content, int(cursor), more == "1")


class CentralApi:
    """Typed calls over one httpx client (made by :func:`medspa_desk.sync.transport.make_client`)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self._open_stream: Any = None  # the network stream under a change stream being followed

    def close(self) -> None:
        self.client.close()

    def interrupt(self) -> None:
        """End a change stream being followed on another thread: its blocked read returns at once.

        Closing the client does not wake a thread blocked reading a socket; shutting the socket
        down does.
        """
        stream = self._open_stream
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                # The plain socket's shutdown: an SSLSocket's own would drop its TLS state under the reader.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def _call(self, method: str, path: str, answer: type[M], *, access_token: str | None = None,
              body: BaseModel | None = None, params: dict[str, Any] | None = None,
              timeout: float | None = None) -> M:
        response = self._send(method, path, access_token=access_token, body=body, params=params, timeout=timeout)
        return _typed(answer, response)

    def _send(self, method: str, path: str, *, access_token: str | None = None, body: BaseModel | None = None,
              params: dict[str, Any] | None = None, timeout: float | None = None) -> httpx.Response:
        """The server's answer when it is a success; a :class:`SyncError` that says what went wrong if not."""
        headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
        content = body.model_dump_json().encode() if body is not None else None
        if content is not None:
            headers["Content-Type"] = "application/json"
        extra: dict[str, Any] = {}
        if timeout is not None:
            extra["timeout"] = httpx.Timeout(timeout, connect=min(timeout, 10.0))
        return self._exchange(method, path, headers=headers, content=content, params=params, **extra)

    def _exchange(self, method: str, path: str, *, headers: dict[str, str], content: bytes | None = None,
                  **options: Any) -> httpx.Response:
        """One request; the answer when it is a success, else the :class:`SyncError` that says what went wrong."""
        try:
            response = self.client.request(method, path, headers=headers, content=content, **options)
        except httpx.TransportError as exc:
            raise explain_connection_failure(exc, server="the sync server") from None
        if response.status_code >= 400:
            error = error_for(response)
            log.info("%s %s refused: %s %s", method, path, response.status_code,
                     type(error).__name__)
            raise error
        return response

    def call_json(self, method: str, path: str, answer: type[M], *, access_token: str,
                  body: BaseModel | None = None) -> M:
        """One JSON request and its typed answer (for routes typed outside this module: staff, devices)."""
        return self._call(method, path, answer, access_token=access_token, body=body)

    def call_json_list(self, method: str, path: str, item: type[M], *, access_token: str) -> list[M]:
        """One JSON request whose answer is a list of ``item`` (the staff and workstation lists)."""
        response = self._send(method, path, access_token=access_token)
        try:
            return TypeAdapter(list[item]).validate_json(response.content)  # type: ignore[valid-type]
        except (ValidationError, ValueError):
            raise ServerTrouble(UNREADABLE_ANSWER) from None

    # --- sign-in -------------------------------------------------------------------

    def login(self, request: LoginRequest) -> TokenResponse:
        return self._call("POST", LOGIN, TokenResponse, body=request)

    def refresh(self, request: RefreshRequest) -> TokenResponse:
        return self._call("POST", REFRESH, TokenResponse, body=request)

    def sign_out(self, *, access_token: str) -> None:
        self._send("POST", LOGOUT, access_token=access_token)

    def fetch_enrolment(self, request: EnrolmentRequest) -> EnrolmentAnswer:
        """The authenticator secret a manager's enrolment left waiting for this person (given out once)."""
        return self._call("POST", ENROLMENT, EnrolmentAnswer, body=request)

    # --- escrow --------------------------------------------------------------------

    def escrow_server_half(self, *, access_token: str) -> ServerHalf:
        return self._call("GET", SERVER_HALF, ServerHalf, access_token=access_token)

    def deposit_escrow(self, deposit: EscrowDeposit, *, access_token: str) -> None:
        self._send("POST", ESCROW, body=deposit, access_token=access_token)

    def fetch_escrow(self, *, access_token: str) -> EscrowRelease:
        return self._call("GET", ESCROW, EscrowRelease, access_token=access_token)

    # --- photo bytes ---------------------------------------------------------------

    def start_photo_upload(self, start: PhotoUploadStart, *, access_token: str) -> PhotoUpload:
        """Open (or resume) a photo's upload: the answer lists the chunks the server already holds."""
        return self._call("POST", f"{PHOTOS}/uploads", PhotoUpload, body=start, access_token=access_token)

    def put_photo_chunk(self, photo_id: UUID, index: int, data: bytes, *, access_token: str) -> PhotoUpload:
        """One chunk of a photo's bytes, with its SHA-256 (the server checks it and keeps it once)."""
        response = self._exchange("PUT", f"{PHOTOS}/{photo_id}/chunks/{index}", content=data, headers={
            "Authorization": f"Bearer {access_token}", "Content-Type": "application/octet-stream",
            PHOTO_CHUNK_SHA256_HEADER: hashlib.sha256(data).hexdigest()})
        return _typed(PhotoUpload, response)

    def complete_photo_upload(self, photo_id: UUID, *, access_token: str) -> PhotoUpload:
        return self._call("POST", f"{PHOTOS}/{photo_id}/complete", PhotoUpload, access_token=access_token)

    def photo_bytes(self, photo_id: UUID, *, first: int, last: int, access_token: str) -> bytes:
        """Bytes ``first`` to ``last`` of a photo (fewer when the server cuts the range at its limit)."""
        response = self._exchange("GET", f"{PHOTOS}/{photo_id}/content", headers={
            "Authorization": f"Bearer {access_token}", "Range": f"bytes={first}-{last}"})
        if response.status_code != 206 or not response.headers.get("content-range", "").startswith(f"bytes {first}-"):
            raise ServerTrouble(UNREADABLE_ANSWER)
        return response.content

    # --- sync ----------------------------------------------------------------------

    def confirm_wipe(self, confirmation: WipeConfirmation) -> WipeRecorded:
        """A destroyed practice's workstation says it wiped itself (no sign-in: its device secret proves it)."""
        return self._call("POST", DESTRUCTION_WIPED, WipeRecorded, body=confirmation)

    def destruction_certificate(self, request: CertificateRequest) -> DestructionCertificate:
        """The certificate of a destroyed practice as it stands now, for the holder of its key (no sign-in)."""
        return self._call("POST", DESTRUCTION_CERTIFICATE, DestructionCertificate, body=request)

    def report_device(self, report: DeviceReport, *, access_token: str) -> None:
        """This workstation's version and whose changes wait on it (after a sync; any signed-in person)."""
        self._send("PUT", DEVICE_REPORT, body=report, access_token=access_token)

    def push(self, request: PushRequest, *, access_token: str) -> PushResponse:
        return self._call("POST", PUSH, PushResponse, body=request, access_token=access_token)

    def pull(self, *, after: int, limit: int, access_token: str) -> RawPage:
        """One page of changes, unparsed: :func:`medspa_desk.store.pulled.read_page` reads it."""
        return _raw_page(self._send("GET", PULL, params={"after": after, "limit": limit},
                                    access_token=access_token))

    def changes_since(self, *, after: int, wait_s: float, access_token: str) -> ChangesSince:
        """The cheap check; with ``wait_s`` > 0 the server holds the answer until something changes."""
        return self._call("GET", CHANGES, ChangesSince, params={"after": after, "wait": wait_s},
                          access_token=access_token, timeout=wait_s + LONG_POLL_SLACK_S)

    def follow_changes(self, *, after: int, heard: Callable[[ChangesSince | None], bool],
                       access_token: str) -> None:
        """Hold the change stream open and call ``heard`` with each notice (None for a heartbeat).

        Returns when ``heard`` returns False or the server ends the stream (its
        sign-in ended or expired, or it is restarting: open it again, and any
        problem is then told like any refused request). A server without the
        stream (older than this desk) answers 404: ServerRefused with ``status``
        404, and :meth:`changes_since` is the way to wait there.
        """
        headers = {"Authorization": f"Bearer {access_token}", "Accept": "text/event-stream"}
        timeout = httpx.Timeout(STREAM_SILENCE_S, connect=10.0)
        try:
            with self.client.stream("GET", CHANGES_STREAM, params={"after": after}, headers=headers,
                                    timeout=timeout) as response:
                if response.status_code >= 400:
                    response.read()
                    error = error_for(response)
                    log.info("GET %s refused: %s %s", CHANGES_STREAM, response.status_code, type(error).__name__)
                    raise error
                self._open_stream = response.extensions.get("network_stream")
                try:
                    _follow_events(response.iter_lines(), heard)
                finally:
                    self._open_stream = None
        except httpx.TransportError as exc:
            raise explain_connection_failure(exc, server="the sync server") from None

    # --- the practice's audit trail (managers) -------------------------------------------

    def audit_page(self, *, params: dict[str, Any], access_token: str) -> AuditPage:
        """One page of the practice's trail, filtered as ``params`` say (see docs/api.md)."""
        return self._call("GET", AUDIT, AuditPage, params=params, access_token=access_token)

    def audit_csv(self, *, params: dict[str, Any], access_token: str) -> bytes:
        """The filtered trail as the server's CSV (cells a spreadsheet could run are neutralised)."""
        return self._send("GET", AUDIT_CSV, params=params, access_token=access_token).content

    def audit_checkpoint(self, *, access_token: str) -> AuditCheckpoint:
        return self._call("GET", AUDIT_CHECKPOINT, AuditCheckpoint, access_token=access_token)

    def audit_verify(self, *, access_token: str) -> AuditVerification:
        """The server walks the practice's whole chain (slow on a long trail: the long-request timeout)."""
        return self._call("GET", AUDIT_VERIFY, AuditVerification, access_token=access_token)


def _follow_events(lines: Any, heard: Callable[[ChangesSince | None], bool]) -> None:
    """Read ``text/event-stream`` lines until the stream or the listener is done."""
    data = None
    for line in lines:
        if line.startswith("data:"):
            data = line[5:].strip()
        elif line.startswith("event:"):
            if line[6:].strip() == "end":
                return
        elif line.startswith(":"):
            if not heard(None):
                return
        elif not line and data is not None:
            try:
                notice = ChangesSince.model_validate_json(data)
            except ValidationError:
                raise ServerTrouble("The sync server sent a change notice this version of Medspa Desk cannot "
                                    "read. It will try again; if this stays, update the app.") from None
            data = None
            if not heard(notice):
                return
