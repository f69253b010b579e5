"""Entry point behind the Makefile: `python -m stack run|serve|train|validate|test`."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree

from stack import settings, training
from stack.supervisor import Service, StackError, Supervisor


def server_services(
    cfg: settings.Settings, to_terminal: bool = False, log_dir=settings.LOG_DIR, env: dict | None = None
) -> list[Service]:
    env = env or cfg.child_env()
    logs = log_dir
    actions = Service(
        name="action server",
        argv=[str(settings.APP_PYTHON), "-m", "rasa_sdk", "--actions", "actions", "--port", str(cfg.action_port)],
        ready_url=f"http://{cfg.action_host}:{cfg.action_port}/health",
        log_path=None if to_terminal else logs / "actions.log",
        env=env,
        port=cfg.action_port,
        cwd=settings.ROOT,  # so that `--actions actions` imports this repository's package
    )
    rasa = Service(
        name="Rasa server",
        argv=[
            str(settings.RASA_PYTHON), str(settings.RASA_RUN_SCRIPT), "run",
            "--model", str(settings.MODEL_PATH),
            "--endpoints", str(settings.ENDPOINTS_FILE),
            "--credentials", str(settings.CREDENTIALS_FILE),
            "--interface", cfg.rasa_host,
            "--port", str(cfg.rasa_port),
            # The HTTP API, token-protected: the action server reads each question of a message that asks several
            # with /model/parse (actions/readings.py). One argument with « = »: a random token may start with « - »,
            # which argparse would take for an option (« expected one argument », about one start in 64).
            "--enable-api", f"--auth-token={cfg.rasa_api_token}",
        ],
        ready_url=f"{cfg.rasa_url}/webhooks/rest/",
        log_path=None if to_terminal else logs / "rasa.log",
        env=env,
        port=cfg.rasa_port,
        cwd=settings.ROOT,
    )
    return [actions, rasa]


def prepare_database() -> None:
    """Migrate our database and load the sponsor directory before the action server uses them."""
    from actions.db import prepare_database as prepare

    try:
        counts = prepare()
    except Exception as error:  # the message matters more than the type here
        raise StackError(f"ERROR: cannot prepare the database ({type(error).__name__}: {error}). "
                         "Check DATABASE_URL and that the database server runs.") from error
    print(f">> database ready (sponsors: {counts})", flush=True)


def check_tracker_store(url: str) -> None:
    """Rasa's SQL tracker store only logs « Could not create tables » when its database cannot be opened, then
    serves every message as the first of a new conversation: fail before starting it, with a clear message."""
    from sqlalchemy import create_engine, text

    from storage.config import database_url

    try:
        engine = create_engine(database_url(url))  # Rasa's postgresql:// URLs name psycopg2; ours use psycopg 3
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        finally:
            engine.dispose()
    except Exception as error:  # the URL may hold a password: name the variable, not its value
        raise StackError(f"ERROR: cannot open Rasa's tracker store ({type(error).__name__}). Check "
                         "TRACKER_STORE_URL and that its database exists and runs.") from error


def start_servers(supervisor: Supervisor, cfg: settings.Settings, to_terminal: bool = False) -> None:
    settings.VAR_DIR.mkdir(exist_ok=True)
    prepare_database()
    check_tracker_store(cfg.tracker_store_url)
    services = server_services(cfg, to_terminal)
    for service in services:
        supervisor.start(service)
    for service in services:
        print(f">> waiting for the {service.name}...", flush=True)
        supervisor.wait_ready(service, cfg.startup_timeout)
    print(f">> Rasa REST channel ready at {cfg.rest_webhook_url}", flush=True)


def _stop_on_sigterm() -> None:
    def handler(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def supervise(with_bot: bool) -> int:
    cfg = settings.Settings.from_env()
    training.train()
    supervisor = Supervisor(host=cfg.rasa_host)
    _stop_on_sigterm()
    try:
        start_servers(supervisor, cfg, to_terminal=not with_bot)
        if with_bot:
            bot = Service("bot", [str(settings.APP_PYTHON), "-m", "bot"], foreground=True, env=cfg.child_env())
            supervisor.start(bot)
        service, code = supervisor.watch()
        if with_bot and service.name == "bot" and code == 0:
            return 0
        print(supervisor.died_message(service, code), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n>> stopping...", flush=True)
        return 0
    except StackError as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        supervisor.stop_all()


def _pytest(label: str, marker: str) -> tuple[int, dict[str, int]]:
    report = settings.VAR_DIR / "reports" / f"{label}.xml"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.unlink(missing_ok=True)
    argv = [str(settings.APP_PYTHON), "-m", "pytest", "-m", marker, f"--junitxml={report}", "tests"]
    code = subprocess.run(argv, cwd=settings.ROOT).returncode
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    if report.exists():
        for suite in ElementTree.parse(report).getroot().iter("testsuite"):
            total = int(suite.get("tests", 0))
            failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            skipped = int(suite.get("skipped", 0))
            counts["failed"] += failed
            counts["skipped"] += skipped
            counts["passed"] += total - failed - skipped
    # pytest exits 5 when a selection holds no test: that is an empty phase, not a failure.
    return (0 if code == 5 else code), counts


def run_tests() -> int:
    timings: list[tuple[str, float, str]] = []
    totals = {"passed": 0, "failed": 0, "skipped": 0}

    def phase(name, action) -> bool:
        print(f"\n=== {name} ===", flush=True)
        started = time.monotonic()
        try:
            ok = action()
        except SystemExit as error:
            print(error, file=sys.stderr)
            ok = False
        timings.append((name, time.monotonic() - started, "ok" if ok else "FAILED"))
        return ok

    def pytest_phase(label: str, marker: str):
        def action():
            code, counts = _pytest(label, marker)
            for key in totals:
                totals[key] += counts[key]
            return code == 0

        return action

    def knowledge_check():
        return subprocess.run([str(settings.APP_PYTHON), "-m", "knowledge", "check"], cwd=settings.ROOT).returncode == 0

    steps = [
        ("knowledge data check", knowledge_check),
        ("rasa data validate", lambda: training.validate() is None),
        ("training (when needed)", lambda: training.train() in (True, False)),
        ("dialogue test stories (rasa test core)", lambda: training.test_stories() is None),
        ("unit tests", pytest_phase("unit", "not e2e")),
        ("end-to-end tests (real Rasa + action server)", pytest_phase("e2e", "e2e")),
    ]
    ok = True
    for name, action in steps:
        if not phase(name, action):
            ok = False
            break
    print("\n=== summary ===")
    for name, seconds, status in timings:
        print(f"{status:>6}  {seconds:7.1f} s  {name}")
    print(f"tests: {totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="actions + Rasa + bot (console chat without TELEGRAM_BOT_TOKEN)")
    sub.add_parser("serve", help="actions + Rasa REST server only, in the foreground")
    train_parser = sub.add_parser("train", help="train if the training inputs changed")
    train_parser.add_argument("--force", action="store_true", help="train even if nothing changed")
    sub.add_parser("validate", help="rasa data validate --fail-on-warnings")
    sub.add_parser("test", help="the whole test suite, phase by phase")
    sub.add_parser("eval", help="NLU figures on the held-out files + the FAQ sample end to end")
    args = parser.parse_args(argv)

    try:
        if args.command == "run":
            return supervise(with_bot=True)
        if args.command == "serve":
            return supervise(with_bot=False)
        if args.command == "train":
            training.train(force=args.force)
            return 0
        if args.command == "validate":
            training.validate()
            return 0
        if args.command == "eval":
            from stack.evaluate import run_eval

            return run_eval()
        return run_tests()
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
