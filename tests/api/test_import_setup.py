"""``medspa-api import-setup``: a practice's reference data from one YAML file, as an operator runs it.

The command runs as a real process against the live API's database (both
databases); a real workstation then pulls what it wrote through the ordinary
sync.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from medspa_api.db import tables as t
from medspa_desk.desk import practice
from medspa_desk.records import new_id
from tests.support.live_api import LiveApi
from tests.support.sync_desks import open_desk, secret_service  # noqa: F401 (the keychain the desk needs)

REPO = Path(__file__).resolve().parents[2]


def _setup_file(folder: Path, tag: str, *, botox_minutes: int = 30, friday_shift: bool = True) -> Path:
    friday = f"""
      - {{location: "Midtown {tag}", weekday: friday, starts: "10:00", ends: "16:00"}}""" if friday_shift else ""
    path = folder / f"setup-{tag}-{botox_minutes}-{friday_shift}.yaml"
    path.write_text(f"""
locations:
  - name: "Midtown {tag}"
    time_zone: America/New_York
    address: "120 W 57th St, New York, NY 10019"
    phone: "212-555-0140"
    opening_hours: {{monday: "09:00-19:00", tuesday: "09:00-19:00", friday: "10:00-16:00", sunday: closed}}
    idle_lock_minutes: 5
    intake_valid_months: 12
    rooms:
      - {{name: "Room 1 {tag}", kind: treatment}}
      - {{name: "Laser suite {tag}", kind: laser}}
  - name: "Uptown {tag}"
    time_zone: America/New_York
    rooms:
      - {{name: "Lounge {tag}", kind: iv lounge}}
providers:
  - display_name: "Maya Patel {tag}"
    credentials: NP
    kind: injector
    color: "#3a7bd5"
    shifts:
      - {{location: "Midtown {tag}", weekday: monday, starts: "09:00", ends: "17:00"}}{friday}
services:
  - {{name: "Botox {tag}", category: neurotoxin, duration_min: {botox_minutes}, buffer_after_min: 10,
     provider_kinds: [injector], consents: [{{template_key: neurotoxin, valid_days: 365}}], price_cents: 45000}}
  - {{name: "Laser hair removal {tag}", category: laser, duration_min: 45, room_kinds: [laser]}}
products:
  - {{name: "Botox 100U {tag}", manufacturer: Allergan, category: neurotoxin, unit: units}}
""")
    return path


def _import(api: LiveApi, path: Path, *apply: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MEDSPA_API_DATABASE_URL": api.database_url, "MEDSPA_API_SECRET_KEY": api.settings.secret_key,
           "MEDSPA_API_ENV": api.settings.environment}
    return subprocess.run([sys.executable, "-m", "medspa_api.cli", "import-setup", "--tenant", api.tenant.name,
                           str(path), *apply], capture_output=True, text=True, timeout=120, cwd=REPO, env=env)


def _reference(api: LiveApi, tag: str) -> dict[str, int]:
    with api.database.transaction(api.tenant.id, write=False) as conn:
        rows = conn.execute(sa.select(t.records.c.entity, t.records.c.data, t.records.c.deleted).where(
            t.records.c.tenant_id == api.tenant.id)).all()
    counts: dict[str, int] = {}
    for entity, data, deleted in rows:
        if tag in data or (entity == "shift" and not deleted and _shift_of(api, data, tag)):
            key = entity + (" (removed)" if deleted else "")
            counts[key] = counts.get(key, 0) + 1
    return counts


def _shift_of(api: LiveApi, data: str, tag: str) -> bool:
    with api.database.transaction(api.tenant.id, write=False) as conn:
        names = conn.execute(sa.select(t.records.c.id).where(
            t.records.c.tenant_id == api.tenant.id, t.records.c.entity == "provider",
            t.records.c.data.contains(tag))).scalars().all()
    return any(str(n) in data for n in names)


def test_a_setup_file_is_a_dry_run_until_applied_then_imports_once_and_a_desk_pulls_it(
        live_api: LiveApi, tmp_path: Path, secret_service: None) -> None:  # noqa: F811
    tag = new_id().hex[-6:]
    path = _setup_file(tmp_path, tag)

    dry = _import(live_api, path)
    assert dry.returncode == 0, dry.stderr
    assert "dry run, nothing written" in dry.stdout and "2 locations" in dry.stdout and "3 rooms" in dry.stdout
    assert _reference(live_api, tag) == {}

    applied = _import(live_api, path, "--apply")
    assert applied.returncode == 0, applied.stderr
    assert _reference(live_api, tag) == {"location": 2, "room": 3, "provider": 1, "shift": 2, "service": 2,
                                         "product": 1}
    again = _import(live_api, path, "--apply")
    assert "nothing to do" in again.stdout
    assert _reference(live_api, tag)["service"] == 2

    corrected = _import(live_api, _setup_file(tmp_path, tag, botox_minutes=45, friday_shift=False), "--apply")
    assert corrected.returncode == 0, corrected.stderr
    assert "change 1 service" in corrected.stdout and "remove 1 shift" in corrected.stdout

    desk = open_desk(live_api, tmp_path / "desk", who="manager")
    try:
        desk.engine.run_once()
        services = {s.name: s for s in desk.read(lambda store: store.services())}
        assert services[f"Botox {tag}"].duration_min == 45
        assert services[f"Botox {tag}"].price_cents == 45000
        midtown = next(loc for loc in desk.read(lambda store: store.locations()) if loc.name == f"Midtown {tag}")
        assert {h.weekday for h in midtown.opening_hours} == {0, 1, 4}
        shifts = [s for s in desk.read(lambda store: store.shifts()) if s.location_id == midtown.id]
        assert [(s.weekday, s.starts.hour, s.ends.hour) for s in shifts] == [(0, 9, 17)]
    finally:
        desk.close()
    with live_api.database.transaction(live_api.tenant.id, write=False) as conn:
        details = conn.execute(sa.select(t.audit.c.detail).where(
            t.audit.c.tenant_id == live_api.tenant.id, t.audit.c.entity == "setup")).scalars().all()
    assert sum(path.name in d or f"setup-{tag}" in d for d in details) == 2  # the two that wrote something


def test_a_file_with_any_bad_entry_writes_nothing_and_names_each_problem(live_api: LiveApi, tmp_path: Path) -> None:
    tag = new_id().hex[-6:]
    path = tmp_path / "bad.yaml"
    path.write_text(f"""
locations:
  - name: "Good {tag}"
    time_zone: America/New_York
  - name: "Nowhere {tag}"
    time_zone: Mars/Olympus_Mons
    opening_hours: {{funday: "09:00-17:00", monday: "nine to five"}}
providers:
  - display_name: "Dr. Who {tag}"
    kind: timelord
    shifts:
      - {{location: "Atlantis", weekday: monday, starts: "09:00", ends: "17:00"}}
services:
  - {{name: "Botox {tag}", category: neurotoxin, duration_min: 2}}
  - {{name: "Botox {tag}", category: neurotoxin, duration_min: 30, id: 7}}
products:
  - "just a string"
""")
    done = _import(live_api, path, "--apply")
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    message = done.stderr
    for where in ("locations[1].time_zone", "locations[1].opening_hours.funday", "locations[1].opening_hours.monday",
                  "providers[0].kind", "services[0].duration_min", "services[1]: may not set id", "products[0]"):
        assert where in message, (where, message)
    assert "Nothing was imported" in message
    assert _reference(live_api, tag) == {}


@pytest.mark.parametrize("content, says", [
    ("locations: [\n  - name: x\n    bad: [", "not valid YAML at line"),
    ("clients:\n  - name: x\n", "unknown section 'clients'"),
    ("- just\n- a list\n", "must hold a mapping"),
])
def test_a_file_that_is_not_a_setup_is_refused_plainly(live_api: LiveApi, tmp_path: Path, content: str,
                                                       says: str) -> None:
    path = tmp_path / "setup.yaml"
    path.write_text(content)
    done = _import(live_api, path)
    assert done.returncode != 0 and says in done.stderr and "Traceback" not in done.stderr


def test_a_day_a_manager_took_off_on_the_desk_is_not_kept_by_the_next_file(
        live_api: LiveApi, tmp_path: Path, secret_service: None) -> None:  # noqa: F811
    """The desk takes a shift off as the shift saved ``deleted``; the file reads it as absent, not as kept."""
    tag = new_id().hex[-6:]
    path = _setup_file(tmp_path, tag)
    assert _import(live_api, path, "--apply").returncode == 0
    desk = open_desk(live_api, tmp_path / "desk", who="manager")
    try:
        desk.engine.run_once()
        provider = next(p for p in desk.read(lambda store: store.providers()) if tag in p.display_name)
        lists = desk.read(lambda store: practice.setup_lists(store, actor=desk.actor))
        form = practice.form_of(provider, lists)
        midtown = next(loc for loc in lists.locations if loc.name == f"Midtown {tag}")
        assert form["shift_location_id"] == midtown.id and form["shift_friday"] == "10:00-16:00"
        desk.write(lambda store: practice.save_setup(store, actor=desk.actor, entity="provider", record_id=provider.id,
                                                     form={**form, "shift_friday": ""}))
        desk.engine.run_once()
        assert desk.read(lambda store: store.outbox_batch(100)) == []
    finally:
        desk.close()
    again = _import(live_api, path)
    assert again.returncode == 0, again.stderr
    assert "create 1 shift; change nothing; remove nothing" in again.stdout
