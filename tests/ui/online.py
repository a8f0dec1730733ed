"""A desk signed in online the app's own way, for UI tests against the live API."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from medspa_desk.session import DeskSession
from tests.support.live_api import LiveApi
from ui.desk_backend import DeskBackend


def wait_for(condition: Callable[[], bool], *, what: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def sign_in_as_the_app_does(live: LiveApi, directory: Path, *, who: str = "front_desk",
                            server_url: str | None = None) -> DeskSession:
    """``who`` signed in through ``DeskBackend``: the store on the database worker, sync through it."""
    user = live.users[who]
    return DeskBackend(directory, ca_path=live.ca_path).sign_in(
        server=server_url or live.base_url, tenant=live.tenant.name, username=user.username,
        password=user.password, totp=live.totp(who))
