"""Request bodies bounded per route, and JSON without NaN or Infinity, checked at the door.

A body larger than its route accepts is refused with 413 before it is read
past the limit: at once when ``Content-Length`` says so, otherwise (chunked
bodies) as soon as the bytes received pass it. Nothing past the limit is
kept, so a 16 MB body sent to the sign-in route costs the server a few
kilobytes. Uvicorn itself reads at most its flow-control window ahead.

Python's JSON reader accepts ``NaN``, ``Infinity`` and ``-Infinity``, which
JSON does not allow; a record holding one would be stored and then served as
invalid JSON to every desk of the practice. A body that carries one of those
words outside a string is refused with 422 naming the field. The scan costs
one substring search unless the word appears at all.

These refusals come before sign-in, so no practice is known to audit them in;
each is logged (medspa_api.api.middleware logs every answer with its status).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from medspa_api.api.middleware import HttpMiddleware, answer, error_body
from medspa_desk.protocol import MAX_PHOTO_CHUNK_BYTES, MAX_PUSH_BATCH

KIB = 1024
# Sign-in and refresh carry a few short fields: a password of 1,024 characters, each escaped as \\uXXXX,
# still fits.
SIGN_IN_BODY_LIMIT = 16 * KIB
# A full push batch: MAX_PUSH_BATCH mutations of 48 KiB on average, plus up to 5,000 desk audit events.
PUSH_BODY_LIMIT = MAX_PUSH_BATCH * 48 * KIB + 5000 * KIB
OTHER_BODY_LIMIT = 64 * KIB
BODY_LIMITS: dict[str, int] = {
    "/api/v1/auth/login": SIGN_IN_BODY_LIMIT,
    "/api/v1/auth/refresh": SIGN_IN_BODY_LIMIT,
    "/api/v1/sync/push": PUSH_BODY_LIMIT,
}
# A body holding none of these is passed on after a few substring searches (about 2 % of parsing it);
# one that does is read a second time with the culprits marked, to name the field. A number too large
# for a float (1e999) is read as infinity; the records' fields refuse it with their bounds
# (allow_inf_nan=False where unbounded).
_NOT_NUMBERS = (b"NaN", b"Infinity")
# "\ud800" to "\udfff": half of a UTF-16 surrogate pair. A whole pair (an emoji written escaped) is one
# character once read; a lone half is not text, and neither UTF-8 nor PostgreSQL can store it.
_SURROGATE_ESCAPES = (b"\\ud", b"\\uD")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


# One chunk of a photo's bytes (PUT /api/v1/photos/{id}/chunks/{index}): the chunk and nothing else.
PHOTO_CHUNK_BODY_LIMIT = MAX_PHOTO_CHUNK_BYTES
_PHOTO_CHUNK_PATH = re.compile(r"^/api/v1/photos/[^/]{1,64}/chunks/[^/]{1,12}$")
BYTES_TYPE = b"application/octet-stream"


def body_limit(path: str) -> int:
    if _PHOTO_CHUNK_PATH.match(path):
        return PHOTO_CHUNK_BODY_LIMIT
    return BODY_LIMITS.get(path, OTHER_BODY_LIMIT)


def too_large(limit: int) -> bytes:
    return error_body("body_too_large", f"The request is larger than this address accepts ({limit // KIB:,} KiB). "
                      "Send less at once; if the app sent it, sync again after updating the app.")


class _NotANumber:
    """Stands in for NaN or Infinity while the body is searched for where it was written."""


def strict_json_refusal(body: bytes) -> bytes | None:
    """A 422 answer naming the first field holding NaN, Infinity or half a surrogate pair; None if none does."""
    if not any(word in body for word in (*_NOT_NUMBERS, *_SURROGATE_ESCAPES)):
        return None
    marker = _NotANumber()

    def finite_or_marker(text: str) -> float | _NotANumber:
        number = float(text)
        return number if math.isfinite(number) else marker

    try:
        document = json.loads(body, parse_constant=lambda _word: marker, parse_float=finite_or_marker)
    except (ValueError, RecursionError):  # not JSON the route can read: its own parsing says so
        return None
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        path, value = stack.pop()
        if value is marker:
            return _refused(path, "NaN, Infinity and numbers too large for a float are not numbers JSON "
                                  "allows. Send a finite number there.")
        if isinstance(value, str) and _LONE_SURROGATE.search(value):
            return _refused(path, "it holds half of a UTF-16 surrogate pair, which is not text. Send whole "
                                  "characters.")
        if isinstance(value, dict):
            for key, item in value.items():
                where = f"{path}.{key}" if path else str(key)
                if _LONE_SURROGATE.search(key):
                    return _refused(where, "a field name holds half of a UTF-16 surrogate pair. Send whole "
                                           "characters.")
                stack.append((where, item))
        elif isinstance(value, list):
            stack.extend((f"{path}.{index}" if path else str(index), item) for index, item in enumerate(value))
    return None


def _refused(where: str, why: str) -> bytes:
    shown = (where or "body")[:200].encode("utf-8", "replace").decode("utf-8")
    return error_body("invalid_request", f"The request is not valid at {shown}: {why}")


class BodyLimits(HttpMiddleware):
    """Reads each request body up to its route's limit, then hands it on whole."""

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if not _may_carry_body(scope):
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await answer(send, 413, too_large(limit), (b"connection", b"close"))
            return
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left: nothing to answer
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                await answer(send, 413, too_large(limit), (b"connection", b"close"))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if not _is_bytes(scope) and (refusal := strict_json_refusal(body)) is not None:
            await answer(send, 422, refusal)
            return
        await self.app(scope, _replay(body, receive), send)


def _may_carry_body(scope: dict[str, Any]) -> bool:
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" or (name == b"content-length" and value != b"0"):
            return True
    return False


def _is_bytes(scope: dict[str, Any]) -> bool:
    """A binary body (a photo's chunk): not JSON, so not searched for NaN."""
    return any(name == b"content-type" and value.split(b";")[0].strip().lower() == BYTES_TYPE
               for name, value in scope["headers"])


def _content_length(scope: dict[str, Any]) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit():
            return int(value)
    return None


def _replay(body: bytes, receive: Any) -> Any:
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return await receive()  # after the body: a disconnect, when it comes
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
