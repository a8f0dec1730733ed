"""A real desk session (the app's own sign-in, store and sync) signed in to a live API."""

from __future__ import annotations

import time
from pathlib import Path

from medspa_desk.session import DeskSession
from medspa_desk.signing_in import SignInOptions, sign_in
from tests.support.live_api import LiveApi
from tests.support.store_workers import store_worker


def signed_in_desk(live: LiveApi, directory: Path, username: str) -> DeskSession:
    """``username`` signed in online on a new workstation in ``directory``, after its first sync brought the
    location."""
    user = live._user(username)
    session = sign_in(directory, username=username, password=user.password, totp=live.totp(username),
                      worker=store_worker(),
                      options=SignInOptions(server_url=live.base_url, tenant=live.tenant.name, ca_path=live.ca_path))
    return after_first_sync(session)


def after_first_sync(session: DeskSession) -> DeskSession:
    """``session`` once its first sync brought the practice's location (what every screen reads)."""
    deadline = time.monotonic() + 30
    assert session.sync is not None
    while not session.sync.with_store(lambda _s: session.reload_location()):
        assert time.monotonic() < deadline, "the first sync did not bring the location"
        time.sleep(0.05)
    return session
