from datetime import timedelta

import pytest
from db_testlib import PROFILE
from sqlalchemy import func, select

import storage.service
from storage import (
    AuditLog,
    CapacityExhausted,
    DuplicateNotification,
    Lead,
    LeadClosed,
    LeadNotFound,
    Outbox,
    Sponsor,
    create_lead_with_notification,
    decide_lead,
    enqueue_notification,
    expire_leads,
    general_queue,
    get_lead_for_sponsor,
    get_or_create_person,
    open_leads_for_sponsor,
    record_consent,
)


def _counts(store, sponsor_id):
    with store.transaction() as s:
        return (
            s.scalar(select(func.count()).select_from(Lead)),
            s.scalar(select(func.count()).select_from(Outbox)),
            s.get(Sponsor, sponsor_id).used,
        )


def _lead(store, person, consent, sponsor_id, now, **kw):
    with store.transaction() as s:
        return create_lead_with_notification(
            s, person, PROFILE, "eligible", sponsor_id, consent, now=now, **kw
        )


def test_lead_outbox_and_capacity_written_together(store, add_sponsor, candidate, now):
    sponsor_id = add_sponsor(capacity=3)
    person, consent = candidate()
    lead = _lead(store, person, consent, sponsor_id, now, summary={"initial": "A."})
    with store.transaction() as s:
        row = s.scalars(select(Outbox)).one()
        assert (row.recipient_kind, row.recipient_id, row.kind) == ("sponsor", str(sponsor_id), "lead_new")
        assert row.payload == {"lead_id": lead.id, "verdict": "eligible", "summary": {"initial": "A."}}
        assert row.next_attempt_at == now and row.lead_id == lead.id
        stored = s.get(Lead, lead.id)
        assert stored.status == "new" and stored.consent.version == "v1"
        assert stored.expires_at == now + timedelta(days=7)
        assert s.get(Sponsor, sponsor_id).remaining == 2
    assert _counts(store, sponsor_id) == (1, 1, 1)


def test_failure_after_lead_insert_leaves_nothing(store, add_sponsor, candidate, now, monkeypatch):
    sponsor_id = add_sponsor(capacity=3)
    person, consent = candidate()

    def boom(session, lead):
        assert lead.id is not None  # the lead row really was inserted before the failure
        raise RuntimeError("injected")

    monkeypatch.setattr(storage.service, "_after_lead_insert", boom)
    with pytest.raises(RuntimeError, match="injected"):
        _lead(store, person, consent, sponsor_id, now)
    assert _counts(store, sponsor_id) == (0, 0, 0)


def test_outbox_collision_rolls_back_lead_and_capacity_but_not_the_callers_work(
    store, add_sponsor, candidate, now
):
    sponsor_id = add_sponsor(capacity=3)
    person, consent = candidate()
    with store.transaction() as s:
        enqueue_notification(s, "sponsor", str(sponsor_id), "lead_new", {}, "conv-42", now)
    with store.transaction() as s:
        other = get_or_create_person(s, "telegram", "2002", now)
        other_consent = record_consent(s, other, purpose="lead_to_sponsor", text="t", version="v1", now=now)
        with pytest.raises(DuplicateNotification):
            create_lead_with_notification(
                s, other, PROFILE, "eligible", sponsor_id, other_consent, now=now, dedup_key="conv-42"
            )
        # The savepoint was rolled back, the outer transaction goes on and commits the person.
    assert _counts(store, sponsor_id) == (0, 1, 0)
    with store.transaction() as s:
        assert get_or_create_person(s, "telegram", "2002", now).id == other.id


def test_capacity_exhausted(store, add_sponsor, candidate, now):
    sponsor_id = add_sponsor(capacity=1)
    p1, c1 = candidate("1")
    p2, c2 = candidate("2")
    _lead(store, p1, c1, sponsor_id, now)
    with pytest.raises(CapacityExhausted):
        _lead(store, p2, c2, sponsor_id, now)
    assert _counts(store, sponsor_id) == (1, 1, 1)


def test_inactive_sponsor_counts_as_full(store, add_sponsor, candidate, now):
    sponsor_id = add_sponsor(capacity=5, active=False)
    person, consent = candidate()
    with pytest.raises(CapacityExhausted):
        _lead(store, person, consent, sponsor_id, now)


def test_general_queue_lead_has_no_notification(store, candidate, now):
    person, consent = candidate()
    lead = _lead(store, person, consent, None, now)
    with store.transaction() as s:
        assert [x.id for x in general_queue(s)] == [lead.id]
        assert s.scalar(select(func.count()).select_from(Outbox)) == 0


def test_sponsor_sees_only_own_leads_and_decides_once(store, add_sponsor, candidate, now):
    mine, other = add_sponsor("mine", capacity=2), add_sponsor("other", capacity=2)
    person, consent = candidate()
    lead = _lead(store, person, consent, mine, now)
    with store.transaction() as s:
        assert [x.id for x in open_leads_for_sponsor(s, mine)] == [lead.id]
        assert open_leads_for_sponsor(s, other) == []
        with pytest.raises(LeadNotFound):
            get_lead_for_sponsor(s, other, lead.id)
        with pytest.raises(LeadNotFound):
            decide_lead(s, other, lead.id, accept=True, now=now)
    with store.transaction() as s:
        assert decide_lead(s, mine, lead.id, accept=True, now=now).status == "accepted"
    with store.transaction() as s, pytest.raises(LeadClosed):
        decide_lead(s, mine, lead.id, accept=False, now=now)
    with store.transaction() as s:
        told = s.scalars(select(Outbox).where(Outbox.kind == "lead_accepted")).one()
        assert (told.recipient_kind, told.recipient_id) == ("person", str(person.id))
        assert s.get(Sponsor, mine).used == 1  # accepted keeps the place
        assert s.scalar(select(func.count()).where(AuditLog.action == "lead.accepted")) == 1


def test_decline_gives_capacity_back(store, add_sponsor, candidate, now):
    sponsor_id = add_sponsor(capacity=1)
    person, consent = candidate()
    lead = _lead(store, person, consent, sponsor_id, now)
    with store.transaction() as s:
        decide_lead(s, sponsor_id, lead.id, accept=False, now=now)
    assert _counts(store, sponsor_id)[2] == 0


def test_expire_leads(store, add_sponsor, candidate, now):
    sponsor_id = add_sponsor(capacity=5)
    p1, c1 = candidate("1")
    p2, c2 = candidate("2")
    old = _lead(store, p1, c1, sponsor_id, now, expires_in=timedelta(days=3))
    young = _lead(store, p2, c2, sponsor_id, now, expires_in=timedelta(days=10))
    with store.transaction() as s:
        assert expire_leads(s, now + timedelta(days=3) - timedelta(seconds=1)) == []
    with store.transaction() as s:
        assert [x.id for x in expire_leads(s, now + timedelta(days=3))] == [old.id]
    with store.transaction() as s:
        assert s.get(Lead, old.id).status == "expired"
        assert s.get(Lead, young.id).status == "new"
        assert s.get(Sponsor, sponsor_id).used == 1
        told = s.scalars(select(Outbox).where(Outbox.kind == "lead_expired")).one()
        assert told.recipient_id == str(p1.id)
        # Later, only the still-open lead is expired; the expired one is not touched twice.
        assert [x.id for x in expire_leads(s, now + timedelta(days=30))] == [young.id]
    with store.transaction() as s:
        assert s.get(Sponsor, sponsor_id).used == 0
