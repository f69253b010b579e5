"""End-to-end load: simulated Telegram users feed the fake Bot API; the real bot answers through Rasa.

A *turn* is one user message (text or button press) and every bot message sent in reply to it. Its latency
runs from the moment the update is available in the fake Bot API (pushed, ready for getUpdates) to the
moment the fake Bot API receives the bot's last `sendMessage` of that turn (`first_latency`: the first one).
The bot process (bench.botproc) reports on stdout when it has finished an update, which marks the end of a
turn. A turn is:
- `timeout` when the bot has not finished it within `turn_timeout` seconds,
- `error` when the bot finished it without any reply, or with an apology / refusal text (technical
  problem, Rasa unreachable, flood refusal, unknown command),
- `ok` otherwise. Only `ok` turns count as answered and enter the latency percentiles.
After an error or a timeout the simulated user starts a fresh conversation (new chat), so that late replies
are never attributed to the next turn.
"""

from __future__ import annotations

import asyncio
import importlib.util
import itertools
import math
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

# The bot's rate limiter keeps every request that names a chat (messages, "typing…", sponsor notifications) under it.
from bot.ratelimit import TELEGRAM_CAP

ROOT = Path(__file__).resolve().parents[1]
FAKE_API_PATH = ROOT / "tests" / "telegram" / "fakebotapi.py"

# Texts that mean the turn failed (from bot/telegram_app.py and bot/console.py, compared as prefixes).
ERROR_PREFIXES = (
    "Désolé, un problème technique",  # SORRY: an exception while handling the update
    "Doucement",  # SLOW_DOWN: flood refusal
    "Je ne connais pas cette commande",  # UNKNOWN_COMMAND: the script sent something the bot does not know
)


def _load_fakebotapi():
    """tests/telegram/fakebotapi.py is not a package module: load it by path (it only needs aiohttp)."""
    name = "bench_fakebotapi"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, FAKE_API_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def error_prefixes() -> tuple[str, ...]:
    try:
        from bot.console import UNAVAILABLE

        return ERROR_PREFIXES + (UNAVAILABLE[:30],)
    except Exception:  # the accounting must stay usable without the bot package
        return ERROR_PREFIXES


# --- accounting -----------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Turn:
    user: int
    chat_id: int
    kind: str  # "text" | "button"
    text: str
    pushed_at: float
    done_at: float | None = None  # None: the bot never finished it in time
    replies: list[tuple[float, str]] = field(default_factory=list)  # (time received, text)

    @property
    def status(self) -> str:
        return classify(self)

    @property
    def latency(self) -> float | None:
        return self.replies[-1][0] - self.pushed_at if self.replies else None

    @property
    def first_latency(self) -> float | None:
        return self.replies[0][0] - self.pushed_at if self.replies else None


def classify(turn: Turn, prefixes: tuple[str, ...] = ERROR_PREFIXES) -> str:
    if turn.done_at is None:
        return "timeout"
    if not turn.replies:
        return "error"
    if any(text.startswith(prefixes) for _, text in turn.replies):
        return "error"
    return "ok"


@dataclass
class StepStats:
    users: int
    duration: float  # seconds from the step's start until its last turn ended
    turns: int
    answered: int
    errors: int
    timeouts: int
    bot_messages: int
    answered_per_s: float
    bot_messages_per_s: float
    chat_requests: int  # requests under Telegram's cap the fake Bot API received during the step
    chat_requests_per_s: float
    mean: float | None
    p50: float | None
    p95: float | None
    p99: float | None
    first_p95: float | None
    max_latency: float | None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def summarize(turns: list[Turn], users: int, started: float, ended: float,
              prefixes: tuple[str, ...] = ERROR_PREFIXES, chat_requests: int = 0) -> StepStats:
    statuses = [classify(t, prefixes) for t in turns]
    ok = [t for t, s in zip(turns, statuses, strict=True) if s == "ok"]
    latencies = [t.latency for t in ok]
    firsts = [t.first_latency for t in ok]
    duration = max(ended - started, 1e-9)
    bot_messages = sum(len(t.replies) for t in turns)
    return StepStats(
        users=users,
        duration=duration,
        turns=len(turns),
        answered=len(ok),
        errors=statuses.count("error"),
        timeouts=statuses.count("timeout"),
        bot_messages=bot_messages,
        answered_per_s=len(ok) / duration,
        bot_messages_per_s=bot_messages / duration,
        chat_requests=chat_requests,
        chat_requests_per_s=chat_requests / duration,
        mean=sum(latencies) / len(latencies) if latencies else None,
        p50=percentile(latencies, 50),
        p95=percentile(latencies, 95),
        p99=percentile(latencies, 99),
        first_p95=percentile(firsts, 95),
        max_latency=max(latencies) if latencies else None,
    )


def cap_bound(users: int, think: float, requests_per_answer: float, cap: float = TELEGRAM_CAP) -> tuple[float, float]:
    """What Telegram's cap allows `users` simulated users who each wait `think` s on average between a reply and
    their next message, when an answer costs `requests_per_answer` capped requests: (most answers per second,
    mean latency in seconds at that rate). A closed loop obeys answered/s = users / (think + mean latency), so
    once the users ask for more than the cap allows, only waiting holds them to it: the mean latency (and so the
    p95) cannot fall below that figure, less whatever other delays the users' cycle has."""
    most_answers = cap / requests_per_answer
    return most_answers, max(0.0, users / most_answers - think)


# --- conversations --------------------------------------------------------------------------------------

# Our own FAQ questions (not those of ../shared/eval/faq_dev.yml), in varied French registers.
FAQ_QUESTIONS = [
    "c'est quoi exactement la vae inversée ?",
    "Pourquoi dit-on que la VAE est « inversée » ?",
    "combien de temps dure ce contrat ?",
    "Est-ce que je serai payé pendant la formation ?",
    "quel salaire pour un contrat de pro vae ?",
    "Faut-il déjà avoir de l'expérience pour postuler ?",
    "y a t il une limite d'age pour en profiter",
    "Je suis au RSA, est-ce que j'ai le droit d'y participer ?",
    "quels diplômes peut-on obtenir avec ce dispositif",
    "Dans quels secteurs d'activité ça s'applique ?",
    "c'est financé par qui tout ça ?",
    "Jusqu'à quand peut-on signer un contrat ?",
    "comment je fais pour candidater ?",
    "Qui sont les porteurs de projet ?",
    "est-ce qu'il y a un tuteur dans l'entreprise",
    "Quelle différence avec une VAE classique ?",
    "on peut faire ça en CDI ?",
    "quels sont les textes de loi qui encadrent ça",
    "le jury c'est comment, ça se passe où ?",
    "Et si j'échoue à la validation, il se passe quoi ?",
    "bonjour, je cherche du travail dans l'aide à domicile, ça peut m'intéresser ?",
    "l'employeur touche une aide ?",
    "combien d'heures de formation sont prévues ?",
    "je peux le faire en étant intérimaire ?",
    # Several questions in one message: the action server reads each one through Rasa's /model/parse.
    "ça dure combien de temps et combien je serai payé ?",
    "c'est pour qui ? et jusqu'à quand on peut signer ?",
]

PRESCREEN = [
    ("button", "/start_prescreen"), ("text", "34"), ("button", '/inform{"situation":"job_seeker"}'),
    ("text", "aide soignante"), ("text", "Lyon"), ("text", "par téléphone"), ("text", "06 12 34 56 78"),
    ("text", "Sarah"), ("text", "oui"),
]
EMPLOYER = [
    ("button", "/employer_check"), ("button", '/inform{"employer_kind":"private"}'),
    ("button", '/inform{"sector":"sanitaire_social"}'), ("text", "aide-soignant"), ("text", "2"),
    ("text", "69"), ("text", "non"),
]


def conversation(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
    """One conversation: 60 % a few FAQ questions, 20 % a full pre-screen, 20 % an employer check."""
    draw = rng.random()
    if draw < 0.6:
        count = min(len(FAQ_QUESTIONS), rng.randint(2, 4))
        return "faq", [("text", q) for q in rng.sample(FAQ_QUESTIONS, count)]
    if draw < 0.8:
        return "prescreen", list(PRESCREEN)
    return "employer", list(EMPLOYER)


# --- the fake Bot API, the bot's "done" signals, the users ---------------------------------------------


class TurnTracker:
    """Futures resolved by the bot's `DONE <update_id>` lines."""

    def __init__(self) -> None:
        self.waiting: dict[int, asyncio.Future] = {}

    def expect(self, update_id: int) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self.waiting[update_id] = future
        return future

    def done(self, update_id: int) -> None:
        future = self.waiting.pop(update_id, None)
        if future is not None and not future.done():
            future.set_result(time.monotonic())

    def forget(self, update_id: int) -> None:
        self.waiting.pop(update_id, None)

    async def read(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            parts = line.decode(errors="replace").split()
            if len(parts) == 2 and parts[0] == "DONE" and parts[1].isdigit():
                self.done(int(parts[1]))


def make_bench_api():
    """The tests' fake Bot API, plus a per-chat inbox of sendMessage texts with their arrival time."""
    fake = _load_fakebotapi()

    class BenchBotAPI(fake.FakeBotAPI):
        def __init__(self) -> None:
            super().__init__()
            self.inbox: dict[int, list[tuple[float, str]]] = defaultdict(list)

        async def m_sendMessage(self, params):
            self.inbox[int(params["chat_id"])].append((time.monotonic(), params.get("text", "")))
            return await super().m_sendMessage(params)

        def drop_history(self) -> None:
            self.calls.clear()
            self.inbox.clear()

    return BenchBotAPI(), fake


@dataclass
class LoadConfig:
    think: float = 1.0  # mean pause between a reply and the next message (uniform 0.5x-1.5x)
    turn_timeout: float = 15.0
    seed: int = 7


_chat_ids = itertools.count(1_000_001)


async def one_turn(api, fake, tracker: TurnTracker, user: int, chat_id: int, kind: str, text: str,
                   turn_timeout: float) -> Turn:
    update = fake.callback(chat_id, text) if kind == "button" else fake.message(chat_id, text)
    inbox = api.inbox[chat_id]
    start = len(inbox)
    turn = Turn(user, chat_id, kind, text, pushed_at=time.monotonic())
    update_id = api.push(update)
    future = tracker.expect(update_id)
    try:
        turn.done_at = await asyncio.wait_for(future, turn_timeout)
    except asyncio.TimeoutError:
        tracker.forget(update_id)
    turn.replies = list(inbox[start:])
    return turn


async def simulated_user(api, fake, tracker, user: int, deadline: float, cfg: LoadConfig,
                         rng: random.Random, turns: list[Turn]) -> None:
    await asyncio.sleep(rng.uniform(0, cfg.think))  # users do not all arrive at the same instant
    while time.monotonic() < deadline:
        chat_id = next(_chat_ids)
        _, steps = conversation(rng)
        for kind, text in steps:
            if time.monotonic() >= deadline:
                return
            turn = await one_turn(api, fake, tracker, user, chat_id, kind, text, cfg.turn_timeout)
            turns.append(turn)
            if turn.status != "ok":
                break  # a fresh conversation: late replies must not be attributed to the next turn
            await asyncio.sleep(cfg.think * rng.uniform(0.5, 1.5))


async def run_step(api, fake, tracker, users: int, duration: float, cfg: LoadConfig,
                   prefixes: tuple[str, ...] = ERROR_PREFIXES) -> tuple[StepStats, list[Turn]]:
    api.drop_history()
    turns: list[Turn] = []
    started = time.monotonic()
    deadline = started + duration
    rng = random.Random(f"{cfg.seed}:{users}")
    await asyncio.gather(*(
        simulated_user(api, fake, tracker, u, deadline, cfg, random.Random(rng.random()), turns)
        for u in range(users)
    ))
    ended = time.monotonic()
    chat_requests = sum(1 for call in api.calls if call.chat_id is not None)
    return summarize(turns, users, started, ended, prefixes, chat_requests), turns
