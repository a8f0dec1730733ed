"""The practice's compliance evidence through the desk's use cases on a real SQLCipher store.

Restore drills come from the server (``medspa-api restore-check``); here they arrive as a pulled page, the way
the desk's sync applies them.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from medspa_desk.compliance.policies import POLICIES
from medspa_desk.desk import compliance, evidence
from medspa_desk.desk.evidence import EvidenceRefused
from medspa_desk.protocol import Change
from medspa_desk.records import (
    AssetKind,
    AuditAction,
    BreachFinding,
    Level,
    PolicyKind,
    RestoreDrill,
    RiskItem,
)
from medspa_desk.rules import NotPermitted
from medspa_desk.scheduling import local_day
from medspa_desk.store import Immutable
from medspa_desk.store.pulled import pulled_from_changes


def _words(path) -> str:
    return " ".join(
        " ".join(
            page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages
        ).split()
    )


def _now() -> datetime:
    return datetime.now(UTC)  # the suite's clock (--clock-at shifts it)


def _disclose(store, demo, actor, **changes):
    fields = dict(
        location=demo.location,
        client_id=demo.clients[0].id,
        disclosed_on=local_day(_now(), demo.location.zone) - timedelta(days=2),
        recipient="Harbor County Court",
        recipient_address="1 Court Street",
        what="Visit dates",
        purpose="Subpoena no. 4471",
        now=_now(),
    )
    return evidence.record_disclosure(store, actor=actor, **{**fields, **changes})


def _refusals(store, before):
    return [
        (e.action, e.outcome, e.detail)
        for e in store.audit.events(after_position=before, limit=100)
        if e.outcome == "refused"
    ]


def test_a_disclosure_is_recorded_once_listed_in_the_accounting_and_printed_in_the_access_report(
    store, demo, manager, tmp_path
):
    made = _disclose(store, demo, manager)

    assert [
        d.id
        for d in evidence.client_disclosures(
            store, actor=manager, location=demo.location, client_id=demo.clients[0].id
        )
    ] == [made.id]
    assert (
        evidence.client_disclosures(
            store, actor=manager, location=demo.location, client_id=demo.clients[1].id
        )
        == ()
    )
    with pytest.raises(Immutable, match="record a new one to correct it"):
        store.put_evidence(
            made.model_copy(update={"recipient": "Someone else"}),
            actor=manager,
            kind=evidence.MutationKind.DISCLOSURE_RECORD,
        )
    until = _now() + timedelta(days=1)
    report = compliance.view_access_report(
        store,
        actor=manager,
        link=None,
        client_id=demo.clients[0].id,
        since=until - timedelta(days=6 * 365),
        until=until,
        location=demo.location,
    )
    assert [d.id for d in report.disclosures] == [made.id]
    assert any(r.record_id == made.id and r.action is AuditAction.CREATE for r in report.rows)
    words = _words(
        compliance.save_access_report(
            store,
            actor=manager,
            report=report,
            location=demo.location,
            path=tmp_path / "access.pdf",
        )
    )
    assert "Disclosures outside treatment, payment and operations" in words
    assert "Harbor County Court, 1 Court Street" in words and "Subpoena no. 4471" in words
    queued = [
        k
        for (k,) in store.connection.execute("SELECT kind FROM outbox WHERE entity = 'disclosure'")
    ]
    assert queued == ["disclosure.record"]


def test_a_disclosure_that_cannot_be_kept_says_what_to_fix_and_the_refusal_is_audited(
    store, demo, manager, front_desk
):
    before = store.audit.count()
    with pytest.raises(EvidenceRefused, match="Recipient is empty; fill it in"):
        _disclose(store, demo, manager, recipient="  ")
    with pytest.raises(EvidenceRefused, match="date is in the future"):
        _disclose(
            store,
            demo,
            manager,
            disclosed_on=local_day(_now(), demo.location.zone) + timedelta(days=1),
        )
    with pytest.raises(
        EvidenceRefused, match="What was disclosed is too long \\(at most 4,000 characters\\)"
    ):
        _disclose(store, demo, manager, what="x" * 4001)
    with pytest.raises(NotPermitted, match="Only a manager or an admin can record a disclosure"):
        _disclose(store, demo, front_desk)
    assert _refusals(store, before) == [
        (AuditAction.UPDATE, "refused", "invalid:recipient"),
        (AuditAction.UPDATE, "refused", "date_in_future"),
        (AuditAction.UPDATE, "refused", "invalid:what"),
        (AuditAction.ACCESS_DENIED, "refused", "record_disclosure"),
    ]
    assert store.evidence(evidence.Disclosure) == []


def test_the_reminders_count_down_the_deadlines_and_warn_of_an_old_restore_drill(
    store, demo, manager
):
    now, zone = _now(), demo.location.zone
    today = local_day(now, zone)
    start = evidence.view_evidence(store, actor=manager, location=demo.location, now=now)
    assert any("No risk assessment is recorded" in r for r in start.reminders)
    assert any("No restore drill is recorded" in r for r in start.reminders)

    evidence.save_risk_assessment(
        store,
        actor=manager,
        location=demo.location,
        assessed_on=today - timedelta(days=350),
        items=[
            RiskItem(
                asset="Front desk PC",
                asset_kind=AssetKind.WORKSTATION,
                threats="Theft",
                likelihood=Level.MEDIUM,
                impact=Level.HIGH,
            )
        ],
        now=now,
    )
    evidence.save_incident(
        store,
        actor=manager,
        location=demo.location,
        now=now,
        what="A letter went to the wrong address.",
        discovered_at=now - timedelta(days=50),
        reported_by="Front desk",
        phi_involved=True,
    )
    evidence.record_access_request(
        store,
        actor=manager,
        location=demo.location,
        client_id=demo.clients[2].id,
        requested_on=today - timedelta(days=31),
        now=now,
    )
    old = RestoreDrill(checked_at=now - timedelta(days=95), ok=True, report="audit chain ok", seq=1)
    store.apply_pulled(
        pulled_from_changes(
            [Change(seq=1, entity=old.entity, entity_id=old.id, version=1, data=old.to_json())],
            cursor=1,
        )
    )

    reminders = evidence.view_evidence(
        store, actor=manager, location=demo.location, now=now
    ).reminders
    assert any("due for its yearly review: 15 days left" in r for r in reminders), reminders
    assert any("notification 10 days left" in r for r in reminders), reminders
    assert any("1 days overdue" in r for r in reminders), reminders
    assert any("more than 90 days ago" in r for r in reminders), reminders
    assert not any("No restore drill" in r for r in reminders)

    incident = store.evidence(evidence.Incident)[0]
    evidence.save_incident(
        store,
        actor=manager,
        location=demo.location,
        incident=incident,
        now=now,
        finding=BreachFinding.NOT_A_BREACH,
        assessment="Returned unopened.",
    )
    after = evidence.view_evidence(store, actor=manager, location=demo.location, now=now).reminders
    assert not any("notification" in r for r in after)
    assert [r.version for r in store.evidence(evidence.Incident)] == [
        1
    ]  # the server numbers versions


def test_each_person_signs_the_policies_themself_by_typing_their_name(store, demo, front_desk):
    me = demo.user("frontdesk")
    before = store.audit.count()
    with pytest.raises(
        EvidenceRefused,
        match=f"Type your own name as it is on your account \\({me.display_name}\\)",
    ):
        evidence.acknowledge_policy(
            store, actor=front_desk, kind=PolicyKind.SANCTION_POLICY, typed_name="Someone"
        )
    signed = evidence.acknowledge_policy(
        store,
        actor=front_desk,
        kind=PolicyKind.SANCTION_POLICY,
        typed_name=f"  {me.display_name.upper()} ",
        now=_now(),
    )

    policy = POLICIES[PolicyKind.SANCTION_POLICY]
    assert (signed.user_id, signed.policy_version, signed.text_sha256) == (
        me.id,
        policy.version,
        policy.sha256,
    )
    events = [
        (e.action, e.entity, e.outcome) for e in store.audit.events(after_position=before, limit=10)
    ]
    assert events == [
        (AuditAction.UPDATE, "acknowledgment", "refused"),
        (AuditAction.CREATE, "acknowledgment", "ok"),
    ]
    with pytest.raises(NotPermitted):
        evidence.view_evidence(store, actor=front_desk, location=demo.location)


def test_the_risk_assessment_starts_from_the_workstations_the_server_and_the_systems_added_before(
    store, demo, manager
):
    assert evidence.risk_assets(store, workstations=["Front desk", "Room 2 laptop"]) == (
        ("Front desk", AssetKind.WORKSTATION),
        ("Room 2 laptop", AssetKind.WORKSTATION),
        (evidence.SERVER_ASSET, AssetKind.SERVER),
    )
    evidence.save_risk_assessment(
        store,
        actor=manager,
        location=demo.location,
        assessed_on=local_day(_now(), demo.location.zone),
        now=_now(),
        items=[
            RiskItem(
                asset="Card reader", threats="Skimming", likelihood=Level.LOW, impact=Level.MEDIUM
            )
        ],
    )
    assert evidence.risk_assets(store, workstations=["Front desk"])[-1] == (
        "Card reader",
        AssetKind.OTHER,
    )
    with pytest.raises(EvidenceRefused, match="Threats is empty"):
        evidence.save_risk_assessment(
            store,
            actor=manager,
            location=demo.location,
            assessed_on=local_day(_now(), demo.location.zone),
            now=_now(),
            items=[{"asset": "Fax", "threats": "", "likelihood": "low", "impact": "low"}],
        )
