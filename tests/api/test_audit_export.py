"""The audit CSV a manager opens in a spreadsheet runs no formula, whatever a desk wrote into a cell."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from medspa_desk.records import Role, new_id
from tests.api.desk import Desk
from tests.support.live_api import LiveApi

FORMULAS = {
    "equals": "=HYPERLINK(\"http://x\")", "plus": "+1+1", "minus": "-1+1", "at": "@SUM(A1)",
    "tab": "\t=1+1", "carriage_return": "\r=1+1", "spaces_then_equals": "   =1+1", "newline_then_at": "\n@x",
}


@pytest.mark.parametrize("name", list(FORMULAS))
def test_an_audit_cell_that_could_start_a_formula_is_exported_as_text(live_api: LiveApi, name: str) -> None:
    detail = FORMULAS[name]
    with Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        event_id = str(new_id())
        event = {"id": event_id, "at": datetime.now(UTC).isoformat(), "actor_user_id": manager.tokens["user"]["id"],
                 "action": "view", "entity": "client", "detail": detail}
        assert manager.push(audit_events=[event]).json()["audit_stored"] == 1
        exported = manager.get("/audit/export.csv", params={"user_id": manager.tokens["user"]["id"]})
    assert exported.status_code == 200, exported.text
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(exported.text, newline=""))}
    assert rows[event_id]["detail"] == "'" + detail


def test_plain_text_and_numbers_are_exported_unchanged(live_api: LiveApi) -> None:
    with Desk.sign_in(live_api, live_api.fresh(Role.MANAGER)) as manager:
        event_id = str(new_id())
        event = {"id": event_id, "at": datetime.now(UTC).isoformat(), "actor_user_id": manager.tokens["user"]["id"],
                 "action": "view", "entity": "client", "detail": "rows=12 a=b"}
        manager.push(audit_events=[event])
        exported = manager.get("/audit/export.csv", params={"user_id": manager.tokens["user"]["id"]})
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(exported.text, newline=""))}
    assert rows[event_id]["detail"] == "rows=12 a=b"
