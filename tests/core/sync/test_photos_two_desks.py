"""Photos that sync (issue 16 item 14), two real desks over TLS, on both databases.

Desk A (a provider) reaches the API through the fault proxy; desk B (a manager) goes straight to it.
A photo added on A through the charting screen's use case is sent on its own (the outbox watch wakes
the engine), in chunks, and B pulls its record and fetches its bytes in chunks into its own encrypted
store. Nothing nudges sync, and no clear copy of the photo lands in a file anywhere.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from uuid import UUID

import httpx

from medspa_desk.desk.photos import import_photo
from medspa_desk.records import PhotoKind, new_id
from medspa_desk.store.photos import photo_image, photos_for
from tests.core.sync.test_waitlist_two_desks import (  # both databases, A behind the fault proxy
    live,
    proxy,
)
from tests.support.fault_proxy import Fault, FaultProxy, proxy_in_front_of
from tests.support.live_api import LiveApi
from tests.support.sync_desks import Desk, new_client, open_desk, wait_until

MB = 1024 * 1024
__all__ = ["live", "proxy"]


def _photo_file(folder: Path, size: int) -> tuple[Path, bytes]:
    """A JPEG-headed file of random (incompressible) bytes: the photo a provider picks."""
    image = b"\xff\xd8\xff\xe0" + os.urandom(size - 4)
    path = folder / "before.jpg"
    path.write_bytes(image)
    return path, image


def _desks(live: LiveApi, proxy: FaultProxy, folder: Path, *, heard: list[httpx.Request] | None = None,
           b_through: FaultProxy | None = None, b_heard: list[httpx.Request] | None = None) -> tuple[Desk, Desk]:
    a = open_desk(live, folder / "a", who="provider", name="A", server_url=proxy.url, interval_s=120.0,
                  on_request=heard.append if heard is not None else None)
    b = open_desk(live, folder / "b", who="manager", name="B", interval_s=120.0,
                  server_url=b_through.url if b_through is not None else None,
                  on_request=b_heard.append if b_heard is not None else None)
    for desk in (a, b):
        wait_until(lambda d=desk: d.engine.status.last_success_at is not None, timeout_s=30,
                   what=f"desk {desk.name}'s first sync")
    return a, b


def _add_photo(a: Desk, path: Path) -> tuple[UUID, UUID]:
    client, treatment_id = new_client("Noor", "Haddad"), new_id()
    a.write(lambda store: store.create_client(client, actor=a.actor))
    info = a.write(lambda store: import_photo(store, path, client_id=client.id, treatment_id=treatment_id,
                                              kind=PhotoKind.BEFORE, actor=a.actor))
    return info.id, treatment_id


def _arrived_on(b: Desk, photo_id: UUID, treatment_id: UUID, *, timeout_s: float = 60) -> bytes:
    wait_until(lambda: [p.id for p in b.read(lambda store: photos_for(store, treatment_id))] == [photo_id],
               timeout_s=timeout_s, what="the photo on desk B")
    return b.read(lambda store: photo_image(store, photo_id, actor=b.actor))


def _clear_copies(probe: bytes, *, folders: list[Path], since: float, leave_out: Path) -> list[str]:
    """Files holding ``probe`` in clear: the desks' own files and anything new in the temp folder."""
    found = []
    candidates = [p for folder in folders for p in folder.rglob("*")]
    candidates += [p for p in Path(tempfile.gettempdir()).glob("*") if p.is_file()]
    for path in candidates:
        try:
            if path == leave_out or not path.is_file() or path.stat().st_size > 200 * MB:
                continue
            if path.stat().st_mtime >= since or any(path.is_relative_to(folder) for folder in folders):
                found += [str(path)] if probe in path.read_bytes() else []
        except OSError:
            continue
    return found


def test_a_photo_added_on_desk_a_reaches_desk_b_whole_and_never_in_clear_in_a_file(
        live: LiveApi, proxy: FaultProxy, tmp_path: Path, secret_service: None) -> None:
    started = time.time()
    a, b = _desks(live, proxy, tmp_path / "desks")
    try:
        path, image = _photo_file(tmp_path, 3 * MB + 12_345)
        photo_id, treatment_id = _add_photo(a, path)

        assert _arrived_on(b, photo_id, treatment_id) == image
        wait_until(lambda: a.read(lambda store: store.select("SELECT count(*) FROM photo_uploads"))[0][0] == 0,
                   timeout_s=30, what="desk A's upload list to empty")
        for desk in (a, b):
            desk.read(lambda store: store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)"))
            assert desk.read(lambda store: store.select("SELECT count(*) FROM photo_parts"))[0][0] == 0
        # (The server's database is its at-rest store, as for every record it keeps; not a desk's file.)
        probe = image[2 * MB:2 * MB + 64]
        assert _clear_copies(probe, folders=[tmp_path / "desks"], since=started, leave_out=path) == []
    finally:
        a.close()
        b.close()


def test_a_photo_added_offline_is_sent_once_the_line_is_back(
        live: LiveApi, proxy: FaultProxy, tmp_path: Path, secret_service: None) -> None:
    a, b = _desks(live, proxy, tmp_path / "desks")
    try:
        proxy.go_offline()
        path, image = _photo_file(tmp_path, 2 * MB + 1)
        photo_id, treatment_id = _add_photo(a, path)
        wait_until(lambda: a.engine.status.online is False, timeout_s=30, what="desk A to find itself offline")
        assert a.read(lambda store: store.select("SELECT count(*) FROM photo_uploads"))[0][0] == 1

        proxy.go_online()  # the engine's own retry finds the line back
        assert _arrived_on(b, photo_id, treatment_id) == image
    finally:
        a.close()
        b.close()


def test_an_upload_cut_mid_way_resumes_without_sending_again_what_the_server_holds(
        live: LiveApi, proxy: FaultProxy, tmp_path: Path, secret_service: None) -> None:
    heard: list[httpx.Request] = []
    a, b = _desks(live, proxy, tmp_path / "desks", heard=heard)
    try:
        # The third chunk's answer is lost after the server kept it; the fourth chunk's connection is cut
        # before the server sees it. Each fails a sync cycle; the retries send only what is missing.
        proxy.inject_at("PUT", "/api/v1/photos/", Fault.NONE, Fault.NONE, Fault.LOSE_RESPONSE, Fault.RESET)
        path, image = _photo_file(tmp_path, 3 * MB + 500_000)  # four chunks of 1 MiB, the last one short
        photo_id, treatment_id = _add_photo(a, path)

        assert _arrived_on(b, photo_id, treatment_id) == image
        sent = Counter(request.url.path.rsplit("/", 1)[1] for request in heard
                       if request.method == "PUT" and f"/photos/{photo_id}/chunks/" in request.url.path)
        assert sent == {"0": 1, "1": 1, "2": 1, "3": 2}, sent
        assert proxy.counts[Fault.LOSE_RESPONSE] == 1 and proxy.counts[Fault.RESET] == 1
    finally:
        a.close()
        b.close()


def test_a_download_cut_mid_way_resumes_from_the_bytes_desk_b_already_keeps(
        live: LiveApi, proxy: FaultProxy, tmp_path: Path, secret_service: None) -> None:
    asked: list[httpx.Request] = []
    with proxy_in_front_of(live, delay_s=0.2, black_hole_s=6.0) as b_line:
        a, b = _desks(live, proxy, tmp_path / "desks", b_through=b_line, b_heard=asked)
        try:
            # The second range's answer is cut half-way: B keeps the first MiB and asks only for the rest.
            b_line.inject_at("GET", "/api/v1/photos/", Fault.NONE, Fault.CUT_MID_RESPONSE)
            path, image = _photo_file(tmp_path, 2 * MB + 777)
            photo_id, treatment_id = _add_photo(a, path)

            assert _arrived_on(b, photo_id, treatment_id) == image
            ranges = Counter(request.headers["range"] for request in asked
                             if request.method == "GET" and f"/photos/{photo_id}/content" in request.url.path)
            assert ranges == {f"bytes=0-{MB - 1}": 1, f"bytes={MB}-{2 * MB - 1}": 2,
                              f"bytes={2 * MB}-{2 * MB + 776}": 1}, ranges
            assert b_line.counts[Fault.CUT_MID_RESPONSE] == 1
        finally:
            a.close()
            b.close()
