"""Paths and environment variables of the stack, each with its default, in one place.

The README's configuration table mirrors this file.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VAR_DIR = ROOT / "var"
LOG_DIR = VAR_DIR / "logs"
MODELS_DIR = ROOT / "models"
MODEL_NAME = "vae"
MODEL_PATH = MODELS_DIR / f"{MODEL_NAME}.tar.gz"
FINGERPRINT_PATH = MODELS_DIR / f"{MODEL_NAME}.fingerprint"
# How long the last `make train` took, and whether it started from an empty Rasa training cache (see training.py).
TRAINING_RECORD_PATH = MODELS_DIR / f"{MODEL_NAME}.training.json"
# Rasa's training cache: its own default (relative to the working directory, which is ROOT) unless set.
RASA_CACHE_DIR = ROOT / ".rasa" / "cache"

RASA_BIN = ROOT / ".venvs" / "rasa" / "bin" / "rasa"
RASA_PYTHON = ROOT / ".venvs" / "rasa" / "bin" / "python"
# The Rasa server runs through this wrapper: same CLI, jsonschema's schema self-check done once (see the file).
RASA_RUN_SCRIPT = ROOT / "scripts" / "rasa_run.py"
APP_PYTHON = ROOT / ".venvs" / "app" / "bin" / "python"

CONFIG_FILE = ROOT / "config.yml"
DOMAIN_FILE = ROOT / "domain.yml"
ENDPOINTS_FILE = ROOT / "endpoints.yml"
CREDENTIALS_FILE = ROOT / "credentials.yml"
NLU_DIR = ROOT / "nlu"


@dataclass(frozen=True)
class Settings:
    """Values read from the environment once, at start-up."""

    rasa_host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_host: str = "127.0.0.1"
    action_port: int = 5055
    tracker_store_url: str = field(default_factory=lambda: f"sqlite:///{VAR_DIR / 'tracker.db'}")
    startup_timeout: float = 180.0
    telegram_token: str = ""
    # Guards Rasa's HTTP API, which the action server uses to read each question of a message that asks several
    # (actions/readings.py); random at each start unless set.
    rasa_api_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        defaults = cls()
        return cls(
            rasa_host=env.get("RASA_HOST", defaults.rasa_host),
            rasa_port=_port(env, "RASA_PORT", defaults.rasa_port),
            action_host=env.get("ACTION_HOST", defaults.action_host),
            action_port=_port(env, "ACTION_PORT", defaults.action_port),
            tracker_store_url=env.get("TRACKER_STORE_URL", defaults.tracker_store_url),
            startup_timeout=float(env.get("RASA_STARTUP_TIMEOUT", defaults.startup_timeout)),
            telegram_token=env.get("TELEGRAM_BOT_TOKEN", ""),
            rasa_api_token=env.get("RASA_API_TOKEN") or defaults.rasa_api_token,
        )

    @property
    def rasa_url(self) -> str:
        return f"http://{self.rasa_host}:{self.rasa_port}"

    @property
    def rest_webhook_url(self) -> str:
        return f"{self.rasa_url}/webhooks/rest/webhook"

    @property
    def action_url(self) -> str:
        return f"http://{self.action_host}:{self.action_port}/webhook"

    def child_env(self) -> dict[str, str]:
        """Environment for the three processes: endpoints.yml reads these variables."""
        env = dict(os.environ)
        env.update(
            RASA_URL=self.rasa_url,
            ACTION_SERVER_URL=self.action_url,
            TRACKER_STORE_URL=self.tracker_store_url,
            RASA_API_TOKEN=self.rasa_api_token,
            SANIC_HOST=self.action_host,  # rasa-sdk binds to SANIC_HOST (0.0.0.0 otherwise)
            PYTHONUNBUFFERED="1",
            # Rasa must never phone home or download anything at run time.
            RASA_TELEMETRY_ENABLED="false",
            TF_CPP_MIN_LOG_LEVEL="2",
        )
        return env


def _port(env, name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        port = int(raw)
    except ValueError:
        raise SystemExit(f"ERROR: {name}={raw!r} is not a port number (expected 1-65535).")
    if not 0 < port < 65536:
        raise SystemExit(f"ERROR: {name}={raw!r} is not a port number (expected 1-65535).")
    return port
