from __future__ import annotations

import io

from pypdf import PdfReader

from medspa_desk.compliance.binder import MISSING
from medspa_desk.desk.compliance import BINDER_ENTITY, save_compliance_binder
from medspa_desk.records import AuditAction


def _words(path) -> str:
    """The PDF's text with its line breaks as spaces (where a line wraps depends on the time format)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages).split())


def test_the_binder_shows_the_ten_line_items_with_evidence_and_says_missing_where_the_practice_has_none(
        store, demo, manager, tmp_path):
    before = store.audit.count()

    path = save_compliance_binder(store, actor=manager, location=demo.location, path=tmp_path / "binder.pdf")

    words = _words(path)
    for number, title in enumerate(("A documented risk assessment", "Audit controls",
                                    "Access controls and unique user IDs", "Encryption at rest and in transit",
                                    "Backup and disaster recovery", "Workforce training", "A sanction policy",
                                    "Incident response procedures", "A business associate agreement",
                                    "Physical safeguards"), start=1):
        assert f"{number}. {title}" in words, title
    assert "hash chain was checked link by link for this binder and holds" in words
    assert f"after {demo.location.idle_lock_minutes} minutes" in words
    assert f"{sum(u.active for u in demo.users)} active staff accounts" in words
    assert "SQLCipher 4." in words
    # risk assessment, restore drill, training and the security policy, sanctions, BAAs; an empty incident log
    # beside the written procedure is evidence
    assert words.count(f"{MISSING}:") == 6
    assert "5 of 10 line items are fully evidenced" in words
    assert "Incident log: kept in the app; no incidents recorded." in words
    exports = [(e.action, e.entity, e.actor_user_id) for e in store.audit.events(after_position=before)
               if e.action is AuditAction.EXPORT]
    assert exports == [(AuditAction.EXPORT, BINDER_ENTITY, manager.user_id)]


def test_the_binder_says_plainly_when_the_audit_trail_fails_its_check(store, demo, manager, tmp_path):
    # Tampering the way an attacker with the key would: the desk's triggers refuse UPDATE, so drop
    # them first, as only someone holding the open database could.
    store.client(demo.clients[0].id, actor=manager)  # an audited view to tamper with
    conn = store.connection
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'"
                                ).fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    changed = conn.execute("UPDATE audit SET event = replace(event, '\"view\"', '\"update\"') WHERE position = "
                           "(SELECT max(position) FROM audit)").rowcount
    conn.commit()
    assert changed == 1 and not store.audit.verify().ok

    words = _words(save_compliance_binder(store, actor=manager, location=demo.location, path=tmp_path / "b.pdf"))

    assert "FAILED its check" in words and "Report it as a security incident" in words


def test_only_a_manager_or_admin_makes_the_binder_and_a_refusal_is_audited(store, demo, front_desk, tmp_path):
    import pytest

    from medspa_desk.rules import NotPermitted

    before = store.audit.count()
    with pytest.raises(NotPermitted, match="Only a manager or an admin can make the compliance binder"):
        save_compliance_binder(store, actor=front_desk, location=demo.location, path=tmp_path / "b.pdf")
    assert not (tmp_path / "b.pdf").exists()
    assert [e.action for e in store.audit.events(after_position=before)] == [AuditAction.ACCESS_DENIED]


def test_the_binder_shows_the_practices_records_and_nothing_missing_once_they_are_kept(store, demo, manager, tmp_path):
    from datetime import UTC, datetime, timedelta

    from medspa_desk.compliance.policies import POLICIES
    from medspa_desk.desk import evidence
    from medspa_desk.protocol import Change
    from medspa_desk.records import AssetKind, Level, RestoreDrill, RiskItem
    from medspa_desk.scheduling import local_day
    from medspa_desk.store.pulled import pulled_from_changes
    from tests.core.clinical.conftest import actor_for

    now = datetime.now(UTC)
    today = local_day(now, demo.location.zone)
    evidence.save_risk_assessment(store, actor=manager, location=demo.location, assessed_on=today, now=now, items=[
        RiskItem(asset="Front desk PC", asset_kind=AssetKind.WORKSTATION, threats="Theft of the laptop",
                 controls="Encrypted cache, idle lock", likelihood=Level.HIGH, impact=Level.HIGH,
                 treatment="Cable lock", owner="Practice manager", due_on=today + timedelta(days=30),
                 residual=Level.LOW)])
    evidence.save_business_associate(store, actor=manager, vendor="Harbor Hosting", service="Server host",
                                     baa_signed_on=today - timedelta(days=100))
    for user in (u for u in demo.users if u.active):
        for kind in POLICIES:
            evidence.acknowledge_policy(store, actor=actor_for(demo, user.username), kind=kind,
                                        typed_name=user.display_name, now=now)
    drill = RestoreDrill(checked_at=now - timedelta(days=10), ok=True, report="audit chain of 'Glow': 9 rows, ok",
                         seq=1)
    store.apply_pulled(pulled_from_changes([Change(seq=1, entity=drill.entity, entity_id=drill.id, version=1,
                                                   data=drill.to_json())], cursor=1))

    words = _words(save_compliance_binder(store, actor=manager, location=demo.location, path=tmp_path / "b.pdf",
                                          now=now))

    assert f"{MISSING}:" not in words
    assert "10 of 10 line items are fully evidenced" in words
    assert "Front desk PC (workstation): risk high (likelihood high, impact high); threats: Theft of the laptop" in words
    assert "1 assets assessed, 1 at high risk" in words
    assert "Harbor Hosting (Server host): BAA signed" in words
    active = sum(u.active for u in demo.users)
    assert f"Sanction policy, version 2026.1: signed in the app by {active} of {active} active staff" in words
    assert "the restored copy verified" in words
