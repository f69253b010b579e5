"""A real action server and Rasa server on free loopback ports, with throwaway stores (for e2e tests)."""

from __future__ import annotations

import httpx

from actions.db import prepare_database
from stack import settings
from stack.__main__ import server_services
from stack.supervisor import Supervisor, free_port

# The knowledge clock of the action server; tests that need another date restart the action server.
DEFAULT_TODAY = "2026-11-26"


class LiveStack:
    def __init__(self, tmp_path, tracker_store_url: str | None = None):
        self.tmp_path = tmp_path
        self.cfg = settings.Settings(
            rasa_port=free_port(),
            action_port=free_port(),
            tracker_store_url=tracker_store_url or f"sqlite:///{tmp_path / 'tracker.db'}",
            startup_timeout=240,
        )
        self.tracker_db = tmp_path / "tracker.db"
        self.database_url = f"sqlite:///{tmp_path / 'app.db'}"
        self.supervisor = Supervisor()
        self.actions, self.rasa = None, None
        self.today = DEFAULT_TODAY

    def _services(self):
        env = self.cfg.child_env()
        env["VAE_TODAY"] = self.today
        env["DATABASE_URL"] = self.database_url
        return server_services(self.cfg, log_dir=self.tmp_path / "logs", env=env)

    def start(self):
        prepare_database(self.database_url)
        self.actions, self.rasa = self._services()
        for service in (self.actions, self.rasa):
            self.supervisor.start(service)
        for service in (self.actions, self.rasa):
            self.supervisor.wait_ready(service, self.cfg.startup_timeout)

    def restart_rasa(self):
        self.supervisor.stop(self.rasa)
        self.rasa = self._services()[1]
        self.supervisor.start(self.rasa)
        self.supervisor.wait_ready(self.rasa, self.cfg.startup_timeout)

    def restart_actions(self, today: str):
        self.today = today
        self.supervisor.stop(self.actions)
        self.actions = self._services()[0]
        self.supervisor.start(self.actions)
        self.supervisor.wait_ready(self.actions, self.cfg.startup_timeout)

    def say(self, sender: str, text: str) -> list[dict]:
        response = httpx.post(self.cfg.rest_webhook_url, json={"sender": sender, "message": text}, timeout=60)
        response.raise_for_status()
        return response.json()

    def reply_text(self, sender: str, text: str) -> str:
        return "\n".join(m.get("text", "") for m in self.say(sender, text))
