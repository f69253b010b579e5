"""`python -m bench` (`make bench`): speed, capacity and understanding quality, against baselines.

Starts its own stack on free loopback ports (action server, Rasa server, throwaway SQLite databases), the
fake Telegram Bot API of the tests and the real bot (bench.botproc, a subprocess), then:
1. understanding: the Rasa pipeline (`rasa test nlu` on tests/data/nlu_heldout*.yml) and three baselines;
2. cold start until the first answer, the FAQ sample ../shared/eval/faq_dev.yml end to end;
3. load steps of simulated Telegram users (default 1, 5, 20, 50, 100 users, 30 s each);
4. a py-spy profile of the three processes when a load target is missed;
5. training time from scratch (measured once per training-input content, taken from a `make train` that started
   from an empty Rasa cache, or measured again with --train-from-scratch).
Prints one line per figure; writes bench/results/report.md, results.json and PNG charts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import yaml

from bench import baselines, capacity, load, report
from stack import settings
from stack.evaluate import DEFAULT_FAQ_DEV, evaluate_faq, heldout_files, merge_nlu_files

RESULTS_DIR = settings.ROOT / "bench" / "results"
FAQ_FILE = settings.ROOT / "knowledge" / "data" / "faq.yml"
TARGETS = {
    "answered_per_s": 30.0,  # at 50 concurrent users
    "p95": 0.300,
    "target_users": 50,
    "cold_start": 45.0,
    "training": 300.0,
    "total_peak_rss": 2.5 * 1024**3,
}


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw else default


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="short run: steps 1,5,20 users, 5 s each, short profile; training not measured unless "
                             "already known")
    parser.add_argument("--steps", default=os.environ.get("BENCH_STEPS", ""),
                        help="concurrency steps, comma-separated (env BENCH_STEPS; default 1,5,20,50,100)")
    parser.add_argument("--step-seconds", type=float, default=_env_float("BENCH_STEP_SECONDS", 0),
                        help="duration of each step (env BENCH_STEP_SECONDS; default 30, quick 5)")
    parser.add_argument("--think", type=float, default=_env_float("BENCH_THINK_SECONDS", 1.0),
                        help="mean pause of a user between a reply and the next message (default 1.0 s)")
    parser.add_argument("--turn-timeout", type=float, default=_env_float("BENCH_TURN_TIMEOUT", 15.0),
                        help="a turn not finished after this many seconds counts as a timeout (default 15)")
    parser.add_argument("--profile-seconds", type=float, default=_env_float("BENCH_PROFILE_SECONDS", 0),
                        help="duration of the profiled run when a target is missed (default 15, quick 5; 0 in "
                             "--no-profile)")
    parser.add_argument("--no-profile", action="store_true", help="never profile")
    parser.add_argument("--train-from-scratch", action="store_true",
                        help="always measure `rasa train` from scratch (default: reuse the time measured for the "
                             "same training inputs, else measure)")
    parser.add_argument("--rasa-test-nlu", action="store_true",
                        help="Rasa's predictions from `rasa test nlu` (slow: reloads the model, one example at a "
                             "time) instead of the bench stack's /model/parse")
    parser.add_argument("--skip-quality", action="store_true", help="no NLU comparison (development)")
    parser.add_argument("--skip-load", action="store_true", help="no stack, no load (development)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="results folder (default bench/results)")
    args = parser.parse_args(argv)
    default_steps = "1,5,20" if args.quick else "1,5,20,50,100"
    args.step_list = [int(s) for s in (args.steps or default_steps).split(",") if s.strip()]
    args.step_seconds = args.step_seconds or (5.0 if args.quick else 30.0)
    args.profile_seconds = 0 if args.no_profile else (args.profile_seconds or (5.0 if args.quick else 15.0))
    return args


class Figures:
    """One line per figure, printed at once and kept for the report."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, line: str) -> None:
        print(line, flush=True)
        self.lines.append(line)


# --- understanding ----------------------------------------------------------------------------------------


def quality(out: Path, figure: Figures, parse_url: str | None, use_rasa_test: bool) -> dict:
    """Baselines in-process; the Rasa pipeline through the bench stack's /model/parse (or `rasa test nlu`)."""
    print(">> understanding: Rasa pipeline vs baselines on the held-out questions...", flush=True)
    train = baselines.load_examples(sorted(settings.NLU_DIR.glob("*.yml")))
    heldout = baselines.load_examples(heldout_files())
    systems = baselines.run_baselines(train, heldout, baselines.faq_documents(FAQ_FILE))
    started = time.monotonic()
    try:
        if use_rasa_test or not parse_url:
            nlu_dir = out / "nlu"
            shutil.rmtree(nlu_dir, ignore_errors=True)
            nlu_dir.mkdir(parents=True)
            merged = nlu_dir / "heldout.yml"
            merged.write_text(merge_nlu_files(heldout_files()))
            rows = baselines.run_rasa_test(settings.RASA_BIN, settings.MODEL_PATH, merged, nlu_dir,
                                           settings.Settings.from_env().child_env(), settings.ROOT,
                                           out / "logs" / "rasa-test-nlu.log")
            how = "`rasa test nlu`"
        else:
            rows = baselines.parse_with_server(parse_url, heldout)
            how = "the bench stack's /model/parse"
        rasa = baselines.evaluate_predictions("Rasa pipeline (config.yml)", [g for _, g, _ in rows],
                                              [p for _, _, p in rows],
                                              note=f"via {how}; `nlu_fallback` predictions count as misclassified")
        systems.insert(0, rasa)
    except Exception as error:  # the baselines are still worth reporting
        figure(f"Rasa pipeline: NOT MEASURED ({type(error).__name__}: {error})")
    rasa_seconds = time.monotonic() - started
    for system in systems:
        figure(f"intent accuracy / macro-F1, {system.name}: {system.all.accuracy:.3f} / {system.all.macro_f1:.3f} "
               f"(all {system.all.n} held-out); FAQ only: {system.faq.accuracy:.3f} / {system.faq.macro_f1:.3f} "
               f"({system.faq.n})")
    result = {"train_examples": len(train), "heldout_examples": len(heldout),
              "systems": [{"name": s.name, "all": s.all.__dict__, "faq": s.faq.__dict__, "note": s.note}
                          for s in systems], "rasa_seconds": round(rasa_seconds, 1)}
    if systems and systems[0].name.startswith("Rasa"):
        best_other = max(systems[1:], key=lambda s: s.all.macro_f1)
        margin = systems[0].all.macro_f1 - best_other.all.macro_f1
        result["margin"] = {"best_baseline": best_other.name, "macro_f1_margin": margin}
        figure(f"Rasa macro-F1 margin over the best baseline ({best_other.name}): {margin:+.3f}")
    return result


# --- the live stack ---------------------------------------------------------------------------------------


class LiveBench:
    def __init__(self, args: argparse.Namespace, out: Path, figure: Figures) -> None:
        self.args, self.out, self.figure = args, out, figure
        self.logs = out / "logs"
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-stack-"))
        from stack.supervisor import Supervisor, free_port

        self.cfg = settings.Settings(rasa_port=free_port(), action_port=free_port(),
                                     tracker_store_url=f"sqlite:///{self.tmp / 'tracker.db'}",
                                     startup_timeout=float(os.environ.get("RASA_STARTUP_TIMEOUT", 240)))
        self.database_url = f"sqlite:///{self.tmp / 'app.db'}"
        self.supervisor = Supervisor()
        self.sampler = capacity.RssSampler()
        self.tracker = load.TurnTracker()
        self.bot: asyncio.subprocess.Process | None = None
        self.pids: dict[str, int] = {}
        self.results: dict = {"steps": [], "profiles": {}}

    def env(self) -> dict:
        env = self.cfg.child_env()
        env["DATABASE_URL"] = self.database_url
        return env

    async def start(self) -> None:
        from actions.db import prepare_database
        from stack.__main__ import server_services

        self.api, self.fake = load.make_bench_api()
        await self.api.start()
        print(f">> starting the stack (Rasa :{self.cfg.rasa_port}, actions :{self.cfg.action_port}, fake Bot API "
              f":{self.api.port})...", flush=True)
        started = time.monotonic()
        await asyncio.to_thread(prepare_database, self.database_url)
        actions, rasa = server_services(self.cfg, log_dir=self.logs, env=self.env())
        for service in (actions, rasa):
            self.supervisor.start(service)
        self.pids = {"Rasa server": rasa.process.pid, "action server": actions.process.pid}
        for name, pid in self.pids.items():
            self.sampler.watch(name, pid)
        self.sampler.start()
        for service in (actions, rasa):
            await asyncio.to_thread(self.supervisor.wait_ready, service, self.cfg.startup_timeout)
        servers_ready = time.monotonic() - started
        env = self.env()
        env.update(TELEGRAM_BOT_TOKEN=self.api.token, TELEGRAM_API_BASE_URL=self.api.base_url,
                   TELEGRAM_WEBHOOK_URL="", RASA_URL=self.cfg.rasa_url)
        with open(self.logs / "bot.log", "wb") as log:
            self.bot = await asyncio.create_subprocess_exec(
                str(settings.APP_PYTHON), "-m", "bench.botproc", cwd=str(settings.ROOT), env=env,
                stdout=asyncio.subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
        self.pids["bot"] = self.bot.pid
        self.sampler.watch("bot", self.bot.pid)
        self.reader = asyncio.create_task(self.tracker.read(self.bot.stdout))
        turn = await load.one_turn(self.api, self.fake, self.tracker, 0, 999, "text", "bonjour",
                                   self.cfg.startup_timeout)
        status = load.classify(turn, load.error_prefixes())
        cold = turn.replies[-1][0] - started if turn.replies else None
        self.results["cold_start"] = {"seconds": cold, "servers_ready": servers_ready, "status": status}
        if cold is None or status != "ok":
            raise RuntimeError(f"the first message was not answered ({status}); see {self.logs}")
        self.figure(f"cold start to first answer: {cold:.1f} s (servers ready after {servers_ready:.1f} s; "
                    f"target ≤ {TARGETS['cold_start']:.0f} s)")

    def faq_dev(self) -> None:
        faq_file = Path(os.environ.get("FAQ_DEV_FILE", DEFAULT_FAQ_DEV))
        if not faq_file.exists():
            self.figure(f"faq_dev end-to-end: NOT MEASURED ({faq_file} missing)")
            return
        items = yaml.safe_load(faq_file.read_text())["items"]
        results = evaluate_faq(items, self.cfg.rest_webhook_url)
        passed = sum(1 for r in results if not r.failures)
        self.results["faq_dev"] = {"passed": passed, "total": len(results),
                                   "failing": [{"id": r.id, "failures": r.failures} for r in results if r.failures]}
        self.figure(f"faq_dev end-to-end pass rate: {passed}/{len(results)} = {passed / max(len(results), 1):.0%}")

    def _cpu(self) -> dict[str, float]:
        return {name: capacity.tree_cpu_seconds(pid) for name, pid in self.pids.items()}

    async def load_steps(self) -> None:
        cfg = load.LoadConfig(think=self.args.think, turn_timeout=self.args.turn_timeout)
        prefixes = load.error_prefixes()
        for users in self.args.step_list:
            print(f">> load step: {users} users for {self.args.step_seconds:.0f} s...", flush=True)
            cpu_before, t0 = self._cpu(), time.monotonic()
            stats, turns = await load.run_step(self.api, self.fake, self.tracker, users, self.args.step_seconds,
                                               cfg, prefixes)
            elapsed = time.monotonic() - t0
            cpu_after = self._cpu()
            row = stats.as_dict()
            row["cpu_cores"] = {n: (cpu_after[n] - cpu_before[n]) / elapsed for n in cpu_after}
            row["error_samples"] = [
                {"status": load.classify(t, prefixes), "text": t.text, "replies": [r for _, r in t.replies][:2]}
                for t in turns if load.classify(t, prefixes) != "ok"][:5]
            self.results["steps"].append(row)
            if users == self.args.step_list[0]:
                self.write_transcript(turns, prefixes, self.out / f"transcript-{users}-users.txt")
            self.figure(report.step_line(row))
            await asyncio.sleep(1.0)  # let the last replies settle before the next step
        self.cap_bound()

    def cap_bound(self) -> None:
        """What Telegram's cap alone allows at the target concurrency, from the requests measured per answer."""
        row = next((r for r in self.results["steps"] if r["users"] == TARGETS["target_users"]), None)
        if row is None or not row["answered"] or not row["chat_requests"]:
            return
        per_answer = row["chat_requests"] / row["answered"]
        most, least = load.cap_bound(row["users"], self.args.think, per_answer)
        self.results["cap_bound"] = {
            "users": row["users"], "think": self.args.think, "requests_per_answer": per_answer,
            "most_answers_per_s": most, "least_mean_latency": least,
            "answered_per_s": row["answered_per_s"], "mean_latency": row["mean"]}
        self.figure(report.cap_bound_line(self.results["cap_bound"]))

    @staticmethod
    def write_transcript(turns: list[load.Turn], prefixes, path: Path) -> None:
        """What the simulated users sent and what they got back, to check that the scripts make sense."""
        lines = []
        for t in sorted(turns, key=lambda t: (t.chat_id, t.pushed_at)):
            latency = "n/a" if t.latency is None else f"{t.latency * 1000:.0f} ms"
            lines.append(f"[chat {t.chat_id}] user ({t.kind}): {t.text}   -> {load.classify(t, prefixes)}, {latency}")
            lines += [f"    bot: {text[:300]!r}" for _, text in t.replies]
        path.write_text("\n".join(lines) + "\n")

    def missed_load_target(self) -> dict | None:
        rows = [r for r in self.results["steps"] if r["users"] <= TARGETS["target_users"]]
        if not rows:
            return None
        row = max(rows, key=lambda r: r["users"])
        if (row["answered_per_s"] < TARGETS["answered_per_s"] or (row["p95"] or 1e9) > TARGETS["p95"]
                or row["errors"] or row["timeouts"]):
            return row
        return None

    async def profile(self, users: int) -> None:
        seconds = self.args.profile_seconds
        print(f">> profiling the three processes with py-spy during {users} users for {seconds:.0f} s...",
              flush=True)
        profiles_dir = self.out / "profiles"
        profiles_dir.mkdir(parents=True, exist_ok=True)
        running = {name: (capacity.start_profile(pid, seconds + 1, profiles_dir / f"{_slug(name)}.txt"),
                          profiles_dir / f"{_slug(name)}.txt") for name, pid in self.pids.items()}
        if all(p is None for p, _ in running.values()):
            self.figure("profile: NOT DONE (py-spy not installed)")
            return
        await asyncio.sleep(0.5)
        cpu_before, t0 = self._cpu(), time.monotonic()
        stats, _ = await load.run_step(self.api, self.fake, self.tracker, users, seconds,
                                       load.LoadConfig(think=self.args.think, turn_timeout=self.args.turn_timeout),
                                       load.error_prefixes())
        elapsed = time.monotonic() - t0
        cpu_after = self._cpu()
        for name, (process, path) in running.items():
            result = await asyncio.to_thread(capacity.finish_profile, process, path)
            if result is not None:
                result["cpu_cores"] = (cpu_after[name] - cpu_before[name]) / elapsed
                self.results["profiles"][name] = result
        self.results["profile_run"] = stats.as_dict()
        for name, result in self.results["profiles"].items():
            if result.get("self"):
                top, share = result["self"][0]
                busy = result["busy_samples"] / max(result["samples"], 1)
                self.figure(f"profile, {name}: {result['cpu_cores']:.2f} CPU cores, busy {busy:.0%} of the time; "
                            f"top self cost {share:.0%} {top}")
            else:
                self.figure(f"profile, {name}: failed ({result.get('error')})")

    async def stop(self) -> None:
        if self.bot is not None and self.bot.returncode is None:
            try:
                os.killpg(self.bot.pid, signal.SIGTERM)
                await asyncio.wait_for(self.bot.wait(), 15)
            except (ProcessLookupError, asyncio.TimeoutError):
                with _suppress():
                    os.killpg(self.bot.pid, signal.SIGKILL)
                    await self.bot.wait()
        await asyncio.to_thread(self.supervisor.stop_all)
        if hasattr(self, "api"):
            await self.api.stop()
        self.sampler.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def memory_figures(self) -> None:
        peaks = dict(self.sampler.peaks)
        self.results["peak_rss"] = peaks
        self.results["peak_rss_total"] = self.sampler.peak_total
        for name in ("Rasa server", "action server", "bot"):
            if name in peaks:
                self.figure(f"peak RSS, {name}: {peaks[name] / 1024**2:.0f} MiB")
        self.figure(f"peak RSS, three processes together: {self.sampler.peak_total / 1024**3:.2f} GiB "
                    f"(target ≤ {TARGETS['total_peak_rss'] / 1024**3:.1f} GiB)")

    async def run(self) -> dict:
        try:
            await self.start()
            if self.args.quality_via_parse:
                self.results["quality"] = await asyncio.to_thread(
                    quality, self.out, self.figure,
                    f"{self.cfg.rasa_url}/model/parse?token={self.cfg.rasa_api_token}", False)
            await asyncio.to_thread(self.faq_dev)
            await self.load_steps()
            missed = self.missed_load_target()
            if missed and self.args.profile_seconds:
                await self.profile(missed["users"])
            elif not missed:
                print(">> load targets met: no profile needed", flush=True)
        except Exception as error:  # keep what was measured; say what failed
            traceback.print_exc()
            self.figure(f"live benchmark stopped early: {type(error).__name__}: {error}")
            self.results["error"] = f"{type(error).__name__}: {error}"
        finally:
            await self.stop()
            self.memory_figures()
        return self.results


class _suppress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return exc[0] is not None and issubclass(exc[0], (ProcessLookupError, OSError))


def _slug(name: str) -> str:
    return name.lower().replace(" ", "-")


# --- training, model size --------------------------------------------------------------------------------


def training_figures(args: argparse.Namespace, out: Path, figure: Figures) -> dict:
    size = capacity.model_size()
    result: dict = {"model_bytes": size}
    if size is not None:
        figure(f"model size on disk: {size / 1024**2:.1f} MiB ({settings.MODEL_PATH.relative_to(settings.ROOT)})")
    known = capacity.last_training(out)
    if args.train_from_scratch or (known is None and not args.quick):
        print(">> training from scratch into a temporary folder (`rasa train`, empty cache)...", flush=True)
        try:
            known = capacity.train_from_scratch(out, out / "logs" / "train.log")
            known["source"] = "measured now"
            known["measured_by"] = "bench"
        except RuntimeError as error:
            figure(f"training from scratch: FAILED ({error})")
            return result
    elif known is not None:
        known["source"] = (f"measured {known['measured_at']} by {known['measured_by']} for the same training "
                           "inputs, empty cache")
    if known is None:
        figure("training from scratch: not measured (--quick and no earlier measurement)")
        return result
    result["training"] = known
    figure(f"training from scratch: {known['seconds']:.0f} s ({known['source']}; target ≤ "
           f"{TARGETS['training']:.0f} s)")
    return result


# --- main ----------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    out: Path = args.out
    (out / "logs").mkdir(parents=True, exist_ok=True)
    for old in (out / "logs").glob("*.log"):
        old.unlink()
    if not settings.MODEL_PATH.exists():
        print("ERROR: no trained model: run `make train` first (make bench does it).", file=sys.stderr)
        return 1
    figure = Figures()
    data: dict = {"machine": capacity.machine(), "args": {k: v for k, v in vars(args).items() if k != "out"},
                  "targets": TARGETS, "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    m = data["machine"]
    figure(f"machine: {m['cpus']} CPUs, {m['memory_total'] / 1024**3:.1f} GiB memory "
           f"({m['memory_available'] / 1024**3:.1f} GiB available), load average {m['load_average'][0]:.2f}")
    args.quality_via_parse = not args.skip_quality and not args.skip_load and not args.rasa_test_nlu
    if not args.skip_quality and not args.quality_via_parse:
        data["quality"] = quality(out, figure, None, True)
    if not args.skip_load:
        data["live"] = asyncio.run(LiveBench(args, out, figure).run())
        if "quality" in data["live"]:
            data["quality"] = data["live"].pop("quality")
    data.update(training_figures(args, out, figure))
    data["wall_seconds"] = time.monotonic() - started
    data["load_average_end"] = os.getloadavg()
    figure(f"benchmark wall time: {data['wall_seconds']:.0f} s (load average at the end "
           f"{data['load_average_end'][0]:.2f})")
    data["checks"] = report.target_checks(data, TARGETS)
    for check in data["checks"]:
        figure(f"target: {check['verdict']} — {check['what']}: {check['value']}")
    (out / "results.json").write_text(json.dumps(data, indent=2, default=str) + "\n")
    charts = report.charts(data, out)
    path = report.write_report(out / "report.md", data, figure.lines, charts)
    print(f"report: {path}")
    return 1 if "error" in data.get("live", {}) else 0


if __name__ == "__main__":
    sys.exit(main())
