"""A fake Telegram Bot API server (aiohttp, 127.0.0.1, random port) for python-telegram-bot's real client.

Tests feed updates (served by getUpdates long polling), read what the bot called, and inject faults:
HTTP 500, 429 with retry_after, a hang longer than the client's timeout, or 403 "bot was blocked".
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field

from aiohttp import web

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "VAE inversée", "username": "vae_test_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}
JSON_FIELDS = {"reply_markup", "allowed_updates", "commands", "scope", "link_preview_options", "entities",
               "reply_parameters"}


@dataclass
class Fault:
    method: str
    kind: str  # "500", "429", "403", "hang"
    times: int = 1
    chat_id: int | None = None
    retry_after: int = 1
    hang_seconds: float = 30.0


@dataclass
class Call:
    method: str
    params: dict
    at: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self):
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return self.params.get("text", "")


class FakeBotAPI:
    token = "123456:TEST-TOKEN"

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.commands: dict[str, list] = {}
        self.webhook: dict = {}
        self._updates: list[dict] = []
        self._new_update = asyncio.Event()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(100)
        self.send_delay = 0.0  # seconds before answering sendMessage (a slow Telegram)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- server -------------------------------------------------------------------------------------

    async def start(self) -> FakeBotAPI:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- what tests use --------------------------------------------------------------------------------

    def fail(self, method: str, kind: str, times: int = 1, chat_id: int | None = None, **kw) -> Fault:
        fault = Fault(method, kind, times, chat_id, **kw)
        self.faults.append(fault)
        return fault

    def push(self, update: dict) -> int:
        update = {"update_id": next(self._update_ids), **update}
        self._updates.append(update)
        self._new_update.set()
        return update["update_id"]

    def sent(self, chat_id: int | None = None, method: str = "sendMessage") -> list[Call]:
        return [c for c in self.calls if c.method == method and (chat_id is None or c.chat_id == chat_id)]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [c.text for c in self.sent(chat_id)]

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    # --- protocol ----------------------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict:
        if request.content_type == "application/json":
            return await request.json()
        params = dict(await request.post()) if request.can_read_body else {}
        params.update(request.query)
        for key in JSON_FIELDS & params.keys():
            try:
                params[key] = json.loads(params[key])
            except (TypeError, ValueError):
                pass
        return params

    def _fault_for(self, method: str, params: dict) -> Fault | None:
        for fault in self.faults:
            if fault.times <= 0 or fault.method != method:
                continue
            if fault.chat_id is not None and str(fault.chat_id) != str(params.get("chat_id")):
                continue
            fault.times -= 1
            return fault
        return None

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        if method != "getUpdates":
            self.calls.append(Call(method, params))
        fault = self._fault_for(method, params)
        if fault is not None:
            if fault.kind == "hang":
                await asyncio.sleep(fault.hang_seconds)
            elif fault.kind == "500":
                return web.json_response({"ok": False, "error_code": 500, "description": "Internal Server Error"},
                                         status=500)
            elif fault.kind == "429":
                return web.json_response(
                    {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after "
                     f"{fault.retry_after}", "parameters": {"retry_after": fault.retry_after}}, status=429)
            elif fault.kind == "403":
                return web.json_response(
                    {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
                    status=403)
        handler = getattr(self, "m_" + method, None)
        if handler is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        result = await handler(params)
        return web.json_response({"ok": True, "result": result})

    async def m_getMe(self, params):
        return BOT_USER

    async def m_deleteWebhook(self, params):
        self.webhook = {}
        return True

    async def m_setWebhook(self, params):
        self.webhook = params
        return True

    async def m_getUpdates(self, params):
        offset = int(params.get("offset") or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates:
            self._new_update.clear()
            timeout = min(float(params.get("timeout") or 0), 0.2)
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout)
            except asyncio.TimeoutError:
                pass
        limit = int(params.get("limit") or 100)
        return self._updates[:limit]

    def _message(self, params, text=None) -> dict:
        chat_id = int(params["chat_id"])
        return {"message_id": next(self._message_ids), "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group", "first_name": "X"},
                "from": BOT_USER, "text": text if text is not None else params.get("text", "")}

    async def m_sendMessage(self, params):
        if self.send_delay:
            await asyncio.sleep(self.send_delay)
        return self._message(params)

    async def m_editMessageText(self, params):
        return self._message(params)

    async def m_editMessageReplyMarkup(self, params):
        return self._message(params, text="")

    async def m_answerCallbackQuery(self, params):
        return True

    async def m_sendChatAction(self, params):
        return True

    async def m_setMyCommands(self, params):
        scope = params.get("scope") or {"type": "default"}
        key = scope["type"] + (f":{scope['chat_id']}" if "chat_id" in scope else "")
        self.commands[key] = params.get("commands", [])
        return True

    async def m_getMyCommands(self, params):
        return self.commands.get("default", [])

    async def m_deleteMyCommands(self, params):
        self.commands.pop("default", None)
        return True


# --- update builders ---------------------------------------------------------------------------------------

_ids = itertools.count(1)


def user(chat_id: int, language_code: str = "fr") -> dict:
    return {"id": chat_id, "is_bot": False, "first_name": "Test", "language_code": language_code}


def private_chat(chat_id: int) -> dict:
    return {"id": chat_id, "type": "private", "first_name": "Test"}


def message(chat_id: int, text: str | None = None, **extra) -> dict:
    msg = {"message_id": next(_ids), "date": int(time.time()), "chat": private_chat(chat_id), "from": user(chat_id)}
    if text is not None:
        msg["text"] = text
        if text.startswith("/"):
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    msg.update(extra)
    return {"message": msg}


def callback(chat_id: int, data: str, message_id: int = 1, keyboard: list[dict] | None = None) -> dict:
    """A button pressed under message `message_id`, whose inline keyboard (one button per row) is `keyboard`."""
    markup = {"reply_markup": {"inline_keyboard": [[button] for button in keyboard]}} if keyboard else {}
    return {"callback_query": {
        "id": f"cb{next(_ids)}", "from": user(chat_id), "chat_instance": "ci", "data": data,
        "message": {"message_id": message_id, "date": int(time.time()), "chat": private_chat(chat_id),
                    "from": BOT_USER, "text": "…", **markup},
    }}


def my_chat_member(chat_id: int, old: str, new: str) -> dict:
    return {"my_chat_member": {
        "chat": private_chat(chat_id), "from": user(chat_id), "date": int(time.time()),
        "old_chat_member": {"user": BOT_USER, "status": old, **({"until_date": 0} if old == "kicked" else {})},
        "new_chat_member": {"user": BOT_USER, "status": new, **({"until_date": 0} if new == "kicked" else {})},
    }}
