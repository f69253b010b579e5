"""Operator commands: `python -m bot admin <command>` (database: $DATABASE_URL or var/app.db).

  invite KEY [--days N]          one-time code a sponsor sends to the bot as /porteur CODE
  sponsors                       sponsors, their Telegram link and remaining capacity
  leads [--status S] [--sponsor KEY] [--csv FILE|-]   leads (pseudonymous), optionally as CSV
  outbox [--all]                 notification counts and the failing / failed ones
  purge [--days N] [--dry-run]   erase people inactive for N days (default $RETENTION_DAYS or 180), and the
                                 conversation histories of Rasa's tracker store ($TRACKER_STORE_URL) as old
  sync-sponsors                  copy the sponsor directory of knowledge/ into the database
"""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import timedelta

from sqlalchemy import func, select

from bot.retention import DEFAULT_RETENTION_DAYS, purge_inactive, retention_days, tracker_store_url
from storage import (
    Lead,
    Outbox,
    Sponsor,
    Store,
    create_sponsor_invite,
    list_sponsors,
    outbox_problems,
    sync_sponsors_from_directory,
    utcnow,
)

LEAD_COLUMNS = [
    "id", "status", "verdict", "sponsor_key", "sponsor_name", "created_at", "updated_at", "expires_at",
    "situation", "certification", "sector", "department", "age_bracket", "anonymised",
]


def _fmt(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def _table(rows: list[list], out) -> None:
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        out.write("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n")


def cmd_invite(store: Store, args, out) -> int:
    now = utcnow()
    try:
        with store.transaction() as s:
            code = create_sponsor_invite(s, args.key, now, ttl=timedelta(days=args.days))
            name = next(sp.name for sp in list_sponsors(s) if sp.key == args.key)
    except LookupError:
        out.write(f"unknown sponsor {args.key!r} (see: python -m bot admin sponsors)\n")
        return 1
    out.write(
        f"Invitation code for {name}: {code}\n"
        f"Valid once, until {_fmt(now + timedelta(days=args.days))} UTC.\n"
        f"The sponsor sends this to the bot in a private chat:  /porteur {code}\n"
    )
    return 0


def cmd_sponsors(store: Store, args, out) -> int:
    with store.transaction() as s:
        sponsors = list_sponsors(s)
        rows = [["key", "name", "active", "telegram", "capacity", "used", "remaining"]]
        rows += [
            [sp.key, sp.name, "yes" if sp.active else "no", "linked" if sp.telegram_chat_id else "-",
             sp.capacity, sp.used, sp.remaining]
            for sp in sponsors
        ]
    if not sponsors:
        out.write("no sponsor in the database (python -m bot admin sync-sponsors)\n")
        return 0
    _table(rows, out)
    return 0


def _lead_row(lead: Lead) -> dict:
    profile = lead.profile or {}
    age = profile.get("age")
    bracket = profile.get("age_bracket") or (
        ("16-25" if age < 26 else "26-44" if age < 45 else "45+") if isinstance(age, int) else ""
    )
    return {
        "id": lead.id,
        "status": lead.status,
        "verdict": lead.verdict,
        "sponsor_key": lead.sponsor.key if lead.sponsor else "",
        "sponsor_name": lead.sponsor.name if lead.sponsor else "(file générale)",
        "created_at": lead.created_at.isoformat(),
        "updated_at": lead.updated_at.isoformat(),
        "expires_at": lead.expires_at.isoformat() if lead.expires_at else "",
        "situation": profile.get("situation", ""),
        "certification": profile.get("certification_code") or profile.get("certification", ""),
        "sector": profile.get("sector", ""),
        "department": profile.get("department", ""),
        "age_bracket": bracket,
        "anonymised": "yes" if lead.anonymised_at else "no",
    }


def cmd_leads(store: Store, args, out) -> int:
    with store.transaction() as s:
        query = select(Lead).order_by(Lead.id)
        if args.status:
            query = query.where(Lead.status == args.status)
        if args.sponsor:
            query = query.join(Sponsor, Lead.sponsor_id == Sponsor.id).where(Sponsor.key == args.sponsor)
        rows = [_lead_row(lead) for lead in s.scalars(query)]
    if args.csv:
        handle = out if args.csv == "-" else open(args.csv, "w", newline="", encoding="utf-8")
        try:
            writer = csv.DictWriter(handle, fieldnames=LEAD_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        finally:
            if handle is not out:
                handle.close()
        if args.csv != "-":
            out.write(f"{len(rows)} lead(s) written to {args.csv}\n")
        return 0
    if not rows:
        out.write("no lead\n")
        return 0
    columns = ["id", "status", "verdict", "sponsor_name", "created_at", "expires_at", "certification", "department"]
    _table([columns] + [[r[c][:19] if c.endswith("_at") else r[c] for c in columns] for r in rows], out)
    return 0


def cmd_outbox(store: Store, args, out) -> int:
    with store.transaction() as s:
        total = s.scalar(select(func.count(Outbox.id))) or 0
        delivered = s.scalar(select(func.count(Outbox.id)).where(Outbox.delivered_at.is_not(None))) or 0
        failed = s.scalar(select(func.count(Outbox.id)).where(Outbox.failed_at.is_not(None))) or 0
        rows_source = list(s.scalars(select(Outbox).order_by(Outbox.id))) if args.all else outbox_problems(s)
        rows = [["id", "kind", "recipient", "attempts", "next_attempt", "delivered", "failed", "last_error"]]
        rows += [
            [r.id, r.kind, f"{r.recipient_kind}:{r.recipient_id}", r.attempts, _fmt(r.next_attempt_at),
             _fmt(r.delivered_at), _fmt(r.failed_at), (r.last_error or "-")[:80]]
            for r in rows_source
        ]
    pending = total - delivered - failed
    out.write(f"outbox: {total} notification(s), {delivered} delivered, {pending} pending, {failed} failed\n")
    if len(rows) > 1:
        out.write("\n" if args.all else "\nproblems (undelivered with an error):\n")
        _table(rows, out)
    return 0


def cmd_purge(store: Store, args, out) -> int:
    days = args.days if args.days is not None else retention_days()
    people, conversations = purge_inactive(store, args.tracker_url or tracker_store_url(), days, utcnow(),
                                           args.dry_run)
    if args.dry_run:
        out.write(f"dry run: {people} person(s) inactive for {days} days would be erased\n"
                  f"dry run: {conversations} conversation(s) inactive for {days} days would be erased from the "
                  "conversation history\n")
    else:
        out.write(f"{people} person(s) inactive for more than {days} days erased (leads kept anonymised)\n"
                  f"{conversations} conversation(s) inactive for more than {days} days erased from the "
                  "conversation history\n")
    return 0


def directory_entries() -> list[dict]:
    from knowledge import load_knowledge

    entries = []
    for sp in load_knowledge().sponsors.values():
        entry = sp.to_dict()
        entry["key"] = entry.pop("id")
        if isinstance(entry["departments"], str):
            entry["departments"] = [entry["departments"]]
        entries.append(entry)
    return entries


def cmd_sync(store: Store, args, out) -> int:
    with store.transaction() as s:
        counts = sync_sponsors_from_directory(s, directory_entries(), utcnow())
    out.write(", ".join(f"{n} {what}" for what, n in counts.items()) + "\n")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot admin", description=__doc__.splitlines()[0])
    p.add_argument("--url", help="database URL (default: $DATABASE_URL or var/app.db)")
    sub = p.add_subparsers(dest="command", required=True)
    invite = sub.add_parser("invite", help="one-time invitation code for a sponsor")
    invite.add_argument("key", help="sponsor key (see `sponsors`)")
    invite.add_argument("--days", type=int, default=7, help="validity in days (default 7)")
    sub.add_parser("sponsors", help="sponsors and their remaining capacity")
    leads = sub.add_parser("leads", help="list leads (no personal data), or export them as CSV")
    leads.add_argument("--status", choices=["new", "notified", "accepted", "declined", "expired", "withdrawn"])
    leads.add_argument("--sponsor", help="sponsor key")
    leads.add_argument("--csv", metavar="FILE", help="write CSV to FILE ('-' for standard output)")
    outbox = sub.add_parser("outbox", help="notification counts and failures")
    outbox.add_argument("--all", action="store_true", help="every notification, not only the problems")
    purge = sub.add_parser("purge", help="erase personal data older than the retention period")
    purge.add_argument("--days", type=int, help=f"retention in days (default $RETENTION_DAYS or {DEFAULT_RETENTION_DAYS})")
    purge.add_argument("--dry-run", action="store_true", help="count only, erase nothing")
    purge.add_argument("--tracker-url", help="Rasa's tracker store (default: $TRACKER_STORE_URL or var/tracker.db)")
    sub.add_parser("sync-sponsors", help="copy knowledge/data/sponsors.yml into the database")
    return p


COMMANDS = {
    "invite": cmd_invite,
    "sponsors": cmd_sponsors,
    "leads": cmd_leads,
    "outbox": cmd_outbox,
    "purge": cmd_purge,
    "sync-sponsors": cmd_sync,
}


def main(argv: list[str] | None = None, out=None) -> int:
    args = parser().parse_args(argv)
    out = out or sys.stdout
    store = Store(args.url)
    try:
        store.migrate()
        return COMMANDS[args.command](store, args, out)
    finally:
        store.dispose()
