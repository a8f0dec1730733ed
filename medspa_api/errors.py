"""The API's one error type: a status, a code programs test, words a person can act on."""

from __future__ import annotations

from datetime import datetime


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def not_found(what: str = "record") -> ApiError:
    return ApiError(404, "not_found", f"No such {what} in this practice.")


def forbidden(action: str) -> ApiError:
    return ApiError(403, "forbidden", f"Your role may not {action}. Ask a manager if you need it.")


def clock_skew(client_time: datetime, server_time: datetime, limit_s: int) -> ApiError | None:
    skew = (client_time - server_time).total_seconds()
    if abs(skew) <= limit_s:
        return None
    minutes = max(1, round(abs(skew) / 60))
    return ApiError(409, "clock_skew", f"This computer's clock is {minutes} minutes off; correct it and sync again.")
