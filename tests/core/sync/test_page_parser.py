"""Pulled pages read into rows: here or on the helper process, from the real central API's answers."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from medspa_desk.protocol import PULL_CURSOR_HEADER, PULL_HAS_MORE_HEADER, Change
from medspa_desk.store.errors import InvalidServerData
from medspa_desk.store.pulled import UnreadablePage, pulled_from_changes, read_page
from medspa_desk.store.rows import CLIENTS as CLIENT_ROWS
from medspa_desk.sync.api import PULL, CentralApi
from medspa_desk.sync.page_parser import PageParser
from tests.support.live_api import LiveApi
from tests.support.sync_desks import (
    Desk,
    client_factory,
    clients_on_server,
    open_desk,
    page_readers,
    process_alive,
)

ROOT = Path(__file__).resolve().parents[3]
CLIENTS = 12


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveApi]:
    with LiveApi.start(tmp_path / "api") as api:
        yield api


@pytest.fixture
def reader(live: LiveApi, tmp_path: Path, secret_service: None) -> Iterator[Desk]:
    clients_on_server(live, tmp_path / "writer", count=CLIENTS, last_name="Reader")
    desk = open_desk(live, tmp_path / "reader", who="manager", start=False)
    yield desk
    desk.close()


def page_from_server(live: LiveApi, desk: Desk, *, limit: int = 500) -> tuple[bytes, dict[str, str]]:
    api = CentralApi(client_factory(live.base_url, live.ca_path)())
    try:
        answer = desk.session.call(lambda access_token: api.client.get(
            PULL, params={"after": 0, "limit": limit}, headers={"Authorization": f"Bearer {access_token}"}))
    finally:
        api.close()
    assert answer.status_code == 200
    return answer.content, dict(answer.headers)


def test_the_server_repeats_a_pages_cursor_and_has_more_in_headers(live: LiveApi, reader: Desk) -> None:
    content, headers = page_from_server(live, reader, limit=5)
    body = json.loads(content)

    assert headers[PULL_CURSOR_HEADER.lower()] == str(body["cursor"])
    assert headers[PULL_HAS_MORE_HEADER.lower()] == ("1" if body["has_more"] else "0")
    assert body["has_more"] is True


def test_a_page_read_from_the_wire_gives_the_rows_its_parsed_changes_give(live: LiveApi, reader: Desk) -> None:
    content, _ = page_from_server(live, reader)
    body = json.loads(content)
    parsed = [Change.model_validate(item) for item in body["changes"]]

    page = read_page(content)

    assert page.records == pulled_from_changes(parsed, cursor=body["cursor"]).records
    assert (page.cursor, page.has_more, page.size) == (body["cursor"], False, len(parsed))
    assert page.lowest_seq == min(change.seq for change in parsed)
    clients = [row for entity, _id, row in page.records if entity == "client"]
    assert len(clients) == CLIENTS
    last_name = CLIENT_ROWS.columns.index("last_name")
    assert [row[last_name] for row in clients] == ["Reader"] * CLIENTS


def test_an_answer_that_is_not_a_page_or_holds_a_bad_record_is_named(live: LiveApi, reader: Desk) -> None:
    content, _ = page_from_server(live, reader)
    body = json.loads(content)
    client = next(item for item in body["changes"] if item["entity"] == "client")
    client["data"]["birth_date"] = "not a date"

    for garbage in (b"<html>gateway</html>", b'{"changes": 3}', b'{"changes": [7], "cursor": 1}'):
        with pytest.raises(UnreadablePage):
            read_page(garbage)
    with pytest.raises(InvalidServerData, match=r"client record .* not valid"):
        read_page(json.dumps(body).encode())


def test_the_helper_process_reads_pages_as_this_one_does_and_ends_with_the_parser(
        live: LiveApi, reader: Desk) -> None:
    content, _ = page_from_server(live, reader)

    with PageParser(offload=True) as parser:
        on_helper = parser.submit(content).result(timeout=60)
        helpers = page_readers()
        assert len(helpers) == 1
        assert parser.offloading

    assert on_helper == read_page(content)
    assert not process_alive(helpers[0])


def test_a_bad_record_read_on_the_helper_raises_the_same_error(live: LiveApi, reader: Desk) -> None:
    content, _ = page_from_server(live, reader)
    body = json.loads(content)
    next(item for item in body["changes"] if item["entity"] == "client")["data"]["first_name"] = ""

    with PageParser(offload=True) as parser:
        reading = parser.submit(json.dumps(body).encode())
        with pytest.raises(InvalidServerData, match="not valid"):
            reading.result(timeout=60)
        # The helper lives on for the next page.
        assert parser.submit(content).result(timeout=60) == read_page(content)


def test_a_helper_that_dies_leaves_the_pages_to_be_read_here(live: LiveApi, reader: Desk) -> None:
    content, _ = page_from_server(live, reader)

    with PageParser(offload=True) as parser:
        parser.submit(content).result(timeout=60)
        (helper,) = page_readers()
        os.kill(helper, signal.SIGKILL)

        pages = [parser.submit(content).result(timeout=60) for _ in range(3)]

        assert not parser.offloading
    assert pages == [read_page(content)] * 3


KILLED_PARENT = """
import sys, time
from medspa_desk.sync.page_parser import PageParser
parser = PageParser(offload=True)
parser.submit(open(sys.argv[1], "rb").read()).result(timeout=60)
print(parser._started[0].pid, flush=True)
time.sleep(600)
"""


def test_the_helper_ends_when_the_desks_process_is_killed(live: LiveApi, reader: Desk, tmp_path: Path) -> None:
    content, _ = page_from_server(live, reader)
    (tmp_path / "page.json").write_bytes(content)
    desk = subprocess.Popen([sys.executable, "-c", KILLED_PARENT, str(tmp_path / "page.json")], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    try:
        helper_pid = int(desk.stdout.readline())  # type: ignore[union-attr]
        desk.kill()
        desk.wait(timeout=10)
        for _ in range(100):
            if not process_alive(helper_pid):
                break
            time.sleep(0.1)
        assert not process_alive(helper_pid), "the page reader outlived the desk's process"
    finally:
        if desk.poll() is None:
            desk.kill()


def test_the_helper_can_never_write_a_core_dump(live: LiveApi, reader: Desk) -> None:
    content, _ = page_from_server(live, reader)
    with PageParser(offload=True) as parser:
        parser.submit(content).result(timeout=60)
        (helper,) = page_readers()
        limits = Path(f"/proc/{helper}/limits").read_text()
    core = next(line for line in limits.splitlines() if line.startswith("Max core file size"))
    assert core.split()[4:6] == ["0", "0"]


def test_two_readers_read_pages_side_by_side_and_each_answer_is_its_own_page(
        live: LiveApi, reader: Desk) -> None:
    content, _ = page_from_server(live, reader)
    body = json.loads(content)
    variants = []
    for _ in range(6):
        body["cursor"] += 1  # each page told apart by its cursor
        variants.append(json.dumps(body).encode())

    with PageParser(offload=True, readers=2) as parser:
        readings = [parser.submit(page) for page in variants]
        pages = [reading.result(timeout=60) for reading in readings]
        assert 1 <= len(page_readers()) <= 2

    assert [page.cursor for page in pages] == [json.loads(v)["cursor"] for v in variants]
    assert all(page.records == pages[0].records for page in pages)


def test_closing_does_not_wait_forever_for_a_hung_helper_and_its_page_is_read_here(
        live: LiveApi, reader: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    from medspa_desk.sync import page_parser

    monkeypatch.setattr(page_parser, "CLOSE_WAIT_S", 0.5)
    content, _ = page_from_server(live, reader)
    parser = PageParser(offload=True, readers=1)
    parser.submit(content).result(timeout=60)
    (helper,) = page_readers()
    os.kill(helper, signal.SIGSTOP)  # alive, never answering
    try:
        stuck = parser.submit(content)
        for _ in range(100):  # in the helper's hands (a page not yet started is just cancelled)
            if stuck.running():
                break
            time.sleep(0.05)
        started = time.monotonic()
        parser.close()
        assert time.monotonic() - started < 30  # bounded: killed after the wait, not waited on
        assert stuck.result(timeout=30) == read_page(content)
        assert not process_alive(helper)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(helper, signal.SIGKILL)
