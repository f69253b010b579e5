"""`python -m bot admin …`: invites, sponsors and capacity, leads and CSV, outbox failures, purge."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from db_testlib import BACKENDS, fresh_database
from tgseed import PHONE, add_lead, add_sponsor, outbox_rows, tracker_events, tracker_senders

from bot.__main__ import main as bot_main
from bot.admin import main as admin_main
from bot.admin import retention_days
from storage import (
    find_person,
    get_or_create_person,
    mark_failed,
    redeem_sponsor_invite,
    utcnow,
)
from storage.service import claim_due_notifications

ROOT = Path(__file__).resolve().parents[2]


def run(store, *argv) -> str:
    out = io.StringIO()
    assert admin_main(["--url", store.url, *argv], out=out) == 0
    return out.getvalue()


def test_invite_prints_a_code_that_works_once(store):
    now = utcnow()
    add_sponsor(store, now, "geiq93", name="GEIQ 93")
    output = run(store, "invite", "geiq93", "--days", "3")
    code = output.split("/porteur ")[1].strip()
    assert "GEIQ 93" in output and len(code) == 10
    with store.transaction() as s:
        assert redeem_sponsor_invite(s, code, 555, now).key == "geiq93"
    out = io.StringIO()
    assert admin_main(["--url", store.url, "invite", "nobody"], out=out) == 1
    assert "unknown sponsor" in out.getvalue()


def test_sponsors_show_link_and_remaining_capacity(store):
    now = utcnow()
    linked = add_sponsor(store, now, "a-linked", capacity=3, chat_id=42)
    add_sponsor(store, now, "b-unlinked", capacity=5)
    add_lead(store, now, linked, 1001)
    lines = run(store, "sponsors").splitlines()
    assert lines[0].split() == ["key", "name", "active", "telegram", "capacity", "used", "remaining"]
    assert lines[1].split()[0] == "a-linked" and lines[1].split()[-4:] == ["linked", "3", "1", "2"]
    assert lines[2].split()[0] == "b-unlinked" and lines[2].split()[-4:] == ["-", "5", "0", "5"]


def test_leads_list_and_csv_export_without_personal_data(store, tmp_path):
    now = utcnow()
    sponsor = add_sponsor(store, now, "sp1")
    first = add_lead(store, now, sponsor, 1001)
    add_lead(store, now, sponsor, 1002)
    listing = run(store, "leads")
    assert listing.splitlines()[0].split()[:3] == ["id", "status", "verdict"]
    assert str(first) in listing and "Porteur sp1" in listing

    target = tmp_path / "leads.csv"
    assert "2 lead(s)" in run(store, "leads", "--csv", str(target))
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert len(rows) == 2 and int(rows[0]["id"]) == first
    assert rows[0]["department"] == "93" and rows[0]["age_bracket"] == "26-44"
    assert rows[0]["certification"] == "RNCP4495" and rows[0]["sponsor_key"] == "sp1"
    content = target.read_text(encoding="utf-8")
    assert PHONE not in content and "Mariam" not in content

    stdout_csv = run(store, "leads", "--csv", "-", "--status", "accepted")
    assert stdout_csv.strip() == ",".join(list(rows[0]))


def test_outbox_shows_counts_and_failures(store):
    now = utcnow()
    sponsor = add_sponsor(store, now, "sp1")
    add_lead(store, now, sponsor, 1001)
    add_lead(store, now, sponsor, 1002)
    with store.transaction() as s:
        claimed = claim_due_notifications(s, now, 1)
        mark_failed(s, claimed[0].id, claimed[0].lease_token, "NetworkError: Bad Gateway", now)
    output = run(store, "outbox")
    assert "2 notification(s), 0 delivered, 2 pending, 0 failed" in output
    assert "NetworkError: Bad Gateway" in output and "lead_new" in output
    assert len(run(store, "outbox", "--all").splitlines()) == 1 + 2 + 2


def test_purge_uses_the_retention_period(store, monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'no-tracker.db'}")  # never the repo's var/
    now = utcnow()
    with store.transaction() as s:
        for chat, age in (("old", 200), ("middle", 100), ("new", 1)):
            person = get_or_create_person(s, "telegram", chat, now - timedelta(days=age))
            person.first_name = chat
    monkeypatch.delenv("RETENTION_DAYS", raising=False)
    assert retention_days() == 180
    assert "dry run: 1 person(s)" in run(store, "purge", "--dry-run")
    assert "1 person(s) inactive for more than 180 days" in run(store, "purge")
    monkeypatch.setenv("RETENTION_DAYS", "30")
    assert "1 person(s) inactive for more than 30 days" in run(store, "purge")
    assert "1 person(s) inactive for more than 0 days" in run(store, "purge", "--days", "0")
    assert "0 conversation(s)" in run(store, "purge")  # no tracker store yet: nothing to erase, no file created
    assert not (tmp_path / "no-tracker.db").exists()
    with store.transaction() as s:
        assert all(find_person(s, "telegram", chat) is None for chat in ("old", "middle", "new"))
    assert outbox_rows(store) == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_purge_erases_whole_conversations_inactive_for_the_retention_period(store, backend, tmp_path):
    now = utcnow().timestamp()
    day = 24 * 3600
    conversations = {"tg:old": [now - 200 * day, now - 190 * day], "tg:recent": [now - 200 * day, now - 2 * day],
                     "tg:new": [now - 60]}
    with fresh_database(backend, tmp_path) as url:
        tracker_events(url, conversations)
        rasa_url = url.replace("postgresql+psycopg://", "postgresql://")  # as TRACKER_STORE_URL names it
        assert "dry run: 1 conversation(s)" in run(store, "purge", "--dry-run", "--tracker-url", rasa_url)
        assert tracker_senders(url) == ["tg:new", "tg:old", "tg:recent"]
        assert "1 conversation(s) inactive for more than 180 days erased" in run(
            store, "purge", "--tracker-url", rasa_url)
        assert tracker_senders(url) == ["tg:new", "tg:recent"]  # a recent conversation keeps its old turns too
        assert "1 conversation(s)" in run(store, "purge", "--days", "1", "--tracker-url", rasa_url)
        assert tracker_senders(url) == ["tg:new"]


def test_sync_sponsors_from_the_knowledge_directory(store):
    output = run(store, "sync-sponsors")
    assert "created" in output
    assert "demo-geiq-aisne" in run(store, "sponsors")


def test_python_m_bot_dispatches_admin_and_keeps_the_console(store, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", store.url)
    assert bot_main(["admin", "sponsors"]) == 0
    assert "no sponsor" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        bot_main(["admin", "--help"])
    result = subprocess.run([sys.executable, "-m", "bot", "admin", "--help"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0 and "invite" in result.stdout
