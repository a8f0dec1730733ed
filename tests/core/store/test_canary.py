"""Canary scan: PHI written, searched, sorted and exported never appears in clear under the data dir."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

from medspa_desk.compliance.right_of_access import export_right_of_access
from medspa_desk.logs import configure
from medspa_desk.records import Client, Location, Role, new_id
from medspa_desk.store import Actor, Store

WRITER = Path(__file__).with_name("writer.py")


def encodings(marker: str) -> list[bytes]:
    return [marker.encode("ascii"), marker.lower().encode("ascii"), marker.encode("utf-16-le"),
            marker.encode("utf-16-be"), marker.lower().encode("utf-16-le")]


def files_holding(folder: Path, marker: str) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.name}: {needle!r}" for needle in encodings(marker) if needle in data]
    return found


def test_no_marker_reaches_any_file_under_the_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    (data_dir / "tmp").mkdir(parents=True)
    (data_dir / "logs").mkdir()
    outside = tmp_path / "exports"
    outside.mkdir()
    marker = "CANARY" + os.urandom(6).hex().upper()
    key = bytearray(os.urandom(32))
    db = data_dir / "desk.db"
    actor = Actor(user_id=new_id(), device_id=new_id(), role=Role.FRONT_DESK)
    env = {**os.environ, "TMPDIR": str(data_dir / "tmp"), "SQLITE_TMPDIR": str(data_dir / "tmp")}

    # A writer killed with SIGKILL in the middle of a transaction full of the marker.
    writer = subprocess.Popen([sys.executable, str(WRITER), "canary", str(db), key.hex(), marker,
                               str(data_dir / "logs")], stdout=subprocess.PIPE, text=True, env=env)
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "mid"
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    assert Path(f"{db}-wal").exists(), "the killed writer's WAL is left behind and scanned"
    assert files_holding(data_dir, marker) == []

    log_file = configure(data_dir / "logs")
    try:
        use_the_store(db, key, actor, marker, outside, data_dir)
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "baseFilename", "") == str(log_file)]:
            root.removeHandler(handler)
            handler.close()

    assert not db.read_bytes().startswith(b"SQLite format 3")
    assert oct(db.stat().st_mode & 0o777) == "0o600"
    assert log_file.read_text("utf-8"), "the log was written to and scanned"
    assert files_holding(data_dir, marker) == []


def use_the_store(db: Path, key: bytearray, actor: Actor, marker: str, outside: Path,
                  data_dir: Path) -> None:
    """Write, change, search, sort and export clients holding ``marker``."""
    with Store.open(db, key) as store:
        client = Client(first_name=f"{marker}Ann", last_name=f"{marker}Zed", birth_date=date(1975, 7, 7),
                        phone="555 123 4567", email=f"{marker.lower()}@example.com",
                        notes=f"{marker} " * 50, allergies=f"{marker} latex")
        store.create_client(client, actor=actor)
        store.update_client(client.id, {"notes": f"{marker} changed " * 30}, actor=actor)
        hits = store.search_clients(marker[:4].lower(), limit=50)
        assert client.id in {h.id for h in hits}
        # A sort with no index behind it: SQLite's sorter, held in memory by temp_store.
        by_notes = store.connection.execute(
            "SELECT id FROM clients ORDER BY data, last_name DESC").fetchall()
        assert str(client.id) in {row[0] for row in by_notes}
        assert store.search_clients(f"{marker}zed".lower())[0].id == client.id
        export = outside / "client.fhir.json"
        export_right_of_access(store, client_id=client.id, actor=actor, pdf_path=outside / "client.pdf",
                               fhir_path=export, location=Location(name="Canary Spa", time_zone="America/New_York"))
        assert marker in export.read_text("utf-8")
        assert oct(export.stat().st_mode & 0o777) == "0o600"
        assert oct((outside / "client.pdf").stat().st_mode & 0o777) == "0o600"
        assert store.check_integrity().ok
        logging.getLogger("medspa_desk.store").info("exported client %s", client.id)
        assert files_holding(data_dir, marker) == []  # with the WAL and shared memory files present
