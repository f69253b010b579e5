"""Talk to Rasa's REST channel (POST /webhooks/rest/webhook) and turn its replies into plain objects."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import httpx

DEFAULT_TIMEOUT = 30.0


class RasaUnavailable(Exception):
    """Rasa did not answer (down, timeout, HTTP error): the user gets an apology, not a traceback."""


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class BotMessage:
    text: str = ""
    buttons: list[Button] = field(default_factory=list)


def webhook_url_from_env() -> str:
    base = os.environ.get("RASA_URL") or (
        f"http://{os.environ.get('RASA_HOST', '127.0.0.1')}:{os.environ.get('RASA_PORT', '5005')}"
    )
    return base.rstrip("/") + "/webhooks/rest/webhook"


def build_payload(sender: str, text: str, metadata: dict | None = None) -> dict:
    payload = {"sender": sender, "message": text}
    if metadata:
        payload["metadata"] = metadata
    return payload


# A turn where Rasa says nothing still gets an answer and a way on. Rasa's restart speaks through utter_restart
# (domain.yml); this covers any other silent turn, and a domain without that response.
SILENT_TURN = BotMessage(text="C'est noté. Que souhaitez-vous faire maintenant ?",
                         buttons=[Button(title="Voir le menu", payload="/help")])


def parse_reply(data) -> list[BotMessage]:
    """Rasa answers a list of {recipient_id, text?, buttons?, image?, custom?}; keep what we can show."""
    if not isinstance(data, list):
        raise RasaUnavailable(f"unexpected reply from Rasa: {type(data).__name__}")
    messages = []
    for item in data:
        if not isinstance(item, dict):
            continue
        buttons = [
            Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
            for b in item.get("buttons") or []
            if isinstance(b, dict) and b.get("payload")
        ]
        text = item.get("text") or ""
        if item.get("image"):
            text = f"{text}\n{item['image']}".strip()
        if text or buttons:
            messages.append(BotMessage(text=text, buttons=buttons))
    return messages or [SILENT_TURN]


class RasaClient:
    """Synchronous client (console chat)."""

    def __init__(self, webhook_url: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.webhook_url = webhook_url or webhook_url_from_env()
        self._http = httpx.Client(timeout=timeout)

    def send(self, sender: str, text: str, metadata: dict | None = None) -> list[BotMessage]:
        try:
            response = self._http.post(self.webhook_url, json=build_payload(sender, text, metadata))
            response.raise_for_status()
            return parse_reply(response.json())
        except (httpx.HTTPError, ValueError) as error:
            raise RasaUnavailable(str(error)) from error

    def close(self) -> None:
        self._http.close()


class AsyncRasaClient:
    """Asynchronous client (Telegram bot)."""

    def __init__(self, webhook_url: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.webhook_url = webhook_url or webhook_url_from_env()
        self._http = httpx.AsyncClient(timeout=timeout)

    async def send(self, sender: str, text: str, metadata: dict | None = None) -> list[BotMessage]:
        try:
            response = await self._http.post(self.webhook_url, json=build_payload(sender, text, metadata))
            response.raise_for_status()
            return parse_reply(response.json())
        except (httpx.HTTPError, ValueError) as error:
            raise RasaUnavailable(str(error)) from error

    async def close(self) -> None:
        await self._http.aclose()
