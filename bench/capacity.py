"""Capacity and cost: peak resident memory (psutil sampling), training time, model size, profiles."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import psutil

from stack import settings, training


def tree_rss(pid: int) -> int:
    """Resident memory of a process and its children (bytes); 0 once it is gone."""
    try:
        process = psutil.Process(pid)
        total = process.memory_info().rss
        for child in process.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                pass
        return total
    except psutil.Error:
        return 0


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children (seconds); 0 once it is gone."""
    try:
        process = psutil.Process(pid)
        members = [process] + process.children(recursive=True)
    except psutil.Error:
        return 0.0
    total = 0.0
    for member in members:
        try:
            times = member.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


class RssSampler:
    """Samples named processes every `interval` s in a thread; keeps each one's peak and the peak sum."""

    def __init__(self, interval: float = 0.25) -> None:
        self.interval = interval
        self.pids: dict[str, int] = {}
        self.peaks: Counter = Counter()
        self.peak_total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="rss-sampler")

    def watch(self, name: str, pid: int) -> None:
        self.pids[name] = pid

    def start(self) -> RssSampler:
        self._thread.start()
        return self

    def sample(self) -> None:
        total = 0
        for name, pid in list(self.pids.items()):
            rss = tree_rss(pid)
            total += rss
            if rss > self.peaks[name]:
                self.peaks[name] = rss
        self.peak_total = max(self.peak_total, total)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def model_size() -> int | None:
    return settings.MODEL_PATH.stat().st_size if settings.MODEL_PATH.exists() else None


TRAINING_CACHE = "training.json"


def last_training(results_dir: Path, record_path: Path = settings.TRAINING_RECORD_PATH) -> dict | None:
    """A training time already measured for the current training inputs, or None.

    Either an earlier bench run's own measurement, or the last `make train` when it started from an empty Rasa
    cache (a fresh clone, CI): that training was a training from scratch, so it is not run a second time.
    """
    current = training.fingerprint(training.training_inputs())
    for path, how in ((results_dir / TRAINING_CACHE, "bench"), (record_path, "make train")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if data.get("fingerprint") != current:
            continue
        if how == "make train" and not data.get("from_scratch"):
            continue  # that training reused Rasa's cache: not a from-scratch figure
        return {**data, "measured_by": how}
    return None


def train_from_scratch(results_dir: Path, log_path: Path) -> dict:
    """`rasa train` into a temporary folder with an empty training cache: the cost of a first training."""
    training.generate_training_files()
    fingerprint = training.fingerprint(training.training_inputs())
    with tempfile.TemporaryDirectory(prefix="bench-train-") as tmp:
        env = settings.Settings.from_env().child_env()
        env["RASA_CACHE_DIRECTORY"] = str(Path(tmp) / "cache")  # nothing reused from earlier trainings
        argv = training.rasa_argv(*training.train_args(Path(tmp) / "models", "bench"))
        started = time.monotonic()
        with open(log_path, "wb") as log:
            code = subprocess.run(argv, cwd=settings.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT).returncode
        seconds = time.monotonic() - started
        model = Path(tmp) / "models" / "bench.tar.gz"
        if code or not model.exists():
            raise RuntimeError(f"`rasa train` failed (exit {code}); see {log_path}")
        data = {"fingerprint": fingerprint, "seconds": round(seconds, 1), "model_bytes": model.stat().st_size,
                "measured_at": time.strftime("%Y-%m-%d %H:%M:%S")}
    (results_dir / TRAINING_CACHE).write_text(json.dumps(data, indent=2) + "\n")
    return data


# --- profiles (py-spy) -----------------------------------------------------------------------------------


def py_spy_bin() -> str | None:
    candidate = Path(settings.APP_PYTHON).parent / "py-spy"
    return str(candidate) if candidate.exists() else shutil.which("py-spy")


def start_profile(pid: int, seconds: float, out: Path, rate: int = 100) -> subprocess.Popen | None:
    """py-spy record in raw (collapsed stacks) format; None when py-spy is missing."""
    binary = py_spy_bin()
    if binary is None:
        return None
    argv = [binary, "record", "--pid", str(pid), "--duration", str(max(1, int(seconds))), "--rate", str(rate),
            "--format", "raw", "--output", str(out), "--nonblocking"]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _frame_name(frame: str) -> str:
    """`function (path/to/file.py:123)` -> `function (file.py)`; keep it short and stable across lines."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    path = where.rsplit(":", 1)[0]
    parts = Path(path).parts
    short = "/".join(parts[-2:]) if parts else path
    return f"{name} ({short})"


# Leaf frames of a thread that waits (event loop with nothing to do, idle thread-pool workers): py-spy's
# --nonblocking sampling keeps them, the shares below leave them out.
IDLE_LEAVES = (
    "serve (server/runners.py)", "_worker (futures/thread.py)", "select (asyncio/selectors.py)",
    "select (python3.10/selectors.py)", "wait (python3.10/threading.py)", "run_forever (asyncio/base_events.py)",
    "_run_once (asyncio/base_events.py)",
)


def is_idle(frame: str) -> bool:
    return frame.startswith(IDLE_LEAVES) or frame.split(" (")[0] in ("select", "epoll", "poll", "_worker", "serve")


def top_costs(collapsed: str, top: int = 12) -> dict:
    """From py-spy's collapsed stacks: sample counts and the top self / inclusive costs as shares of the busy
    samples (those whose innermost frame is not an idle wait)."""
    self_cost: Counter = Counter()
    inclusive: Counter = Counter()
    total = busy = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [_frame_name(f) for f in stack.split(";") if f and not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        total += n
        if is_idle(frames[-1]):
            continue
        busy += n
        self_cost[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    result = {"samples": total, "busy_samples": busy, "self": [], "inclusive": []}
    if busy:
        result["self"] = [(f, c / busy) for f, c in self_cost.most_common(top)]
        result["inclusive"] = [(f, c / busy) for f, c in inclusive.most_common(top * 3)]
    return result


def finish_profile(process: subprocess.Popen | None, out: Path, timeout: float = 60) -> dict | None:
    if process is None:
        return None
    try:
        _, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
    if not out.exists():
        return {"error": (err or b"").decode(errors="replace").strip()[-500:] or f"py-spy exit {process.returncode}"}
    result = top_costs(out.read_text(errors="replace"))
    result["file"] = str(out)
    return result


def machine() -> dict:
    memory = psutil.virtual_memory()
    return {
        "cpus": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "memory_total": memory.total,
        "memory_available": memory.available,
        "load_average": os.getloadavg(),
    }
