"""Route modules, one per resource."""

from __future__ import annotations

from typing import Any

from medspa_desk.protocol import ErrorBody

# Every route documents its error answers with the one error body.
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 404, 409, 413, 422, 423, 426, 429, 503)
}
