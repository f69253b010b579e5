"""Figures as lines, target checks, PNG charts (matplotlib, Agg) and the markdown report."""

from __future__ import annotations

import time
from pathlib import Path


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 1000:.0f} ms"


def step_line(row: dict) -> str:
    return (f"load {row['users']:>3} users: {row['answered_per_s']:.1f} msg/s answered "
            f"({row['bot_messages_per_s']:.1f} bot msg/s sent, {row.get('chat_requests_per_s', 0):.1f} requests/s "
            f"under Telegram's cap), latency mean {_ms(row.get('mean'))} p50 {_ms(row['p50'])} "
            f"p95 {_ms(row['p95'])} p99 {_ms(row['p99'])} (first reply p95 {_ms(row['first_p95'])}), "
            f"{row['answered']}/{row['turns']} answered, {row['errors']} errors, {row['timeouts']} timeouts")


def cap_bound_line(bound: dict) -> str:
    return (f"Telegram's cap at {bound['users']} users: {bound['requests_per_answer']:.2f} capped requests per "
            f"answer (messages, \"typing…\", sponsor notifications), so at most {bound['most_answers_per_s']:.1f} "
            f"answered/s; users who think {bound['think']:.1f} s between a reply and their next message are held to "
            f"that rate only by waiting, about {_ms(bound['least_mean_latency'])} on average (measured: "
            f"{bound['answered_per_s']:.1f}/s, mean {_ms(bound['mean_latency'])}; the load generator's own delays "
            f"add to the think time)")


def _check(what: str, value: str, ok: bool | None) -> dict:
    verdict = "not measured" if ok is None else ("met" if ok else "MISSED")
    return {"what": what, "value": value, "verdict": verdict, "ok": ok}


def target_checks(data: dict, targets: dict) -> list[dict]:
    checks = []
    live = data.get("live") or {}
    users = targets["target_users"]
    row = next((r for r in live.get("steps", []) if r["users"] == users), None)
    if row is None:
        checks.append(_check(f"≥ {targets['answered_per_s']:.0f} msg/s, p95 ≤ {_ms(targets['p95'])}, no errors at "
                             f"{users} users", "no step at that concurrency", None))
    else:
        ok = (row["answered_per_s"] >= targets["answered_per_s"] and row["p95"] is not None
              and row["p95"] <= targets["p95"] and not row["errors"] and not row["timeouts"])
        checks.append(_check(
            f"≥ {targets['answered_per_s']:.0f} msg/s, p95 ≤ {_ms(targets['p95'])}, no errors at {users} users",
            f"{row['answered_per_s']:.1f} msg/s, p95 {_ms(row['p95'])}, {row['errors']} errors, "
            f"{row['timeouts']} timeouts", ok))
    cold = (live.get("cold_start") or {}).get("seconds")
    checks.append(_check(f"cold start ≤ {targets['cold_start']:.0f} s",
                         "n/a" if cold is None else f"{cold:.1f} s",
                         None if cold is None else cold <= targets["cold_start"]))
    training = (data.get("training") or {}).get("seconds")
    checks.append(_check(f"training from scratch ≤ {targets['training']:.0f} s",
                         "n/a" if training is None else f"{training:.0f} s",
                         None if training is None else training <= targets["training"]))
    total = live.get("peak_rss_total")
    checks.append(_check(f"peak memory of the three processes ≤ {targets['total_peak_rss'] / 1024**3:.1f} GiB",
                         "n/a" if not total else f"{total / 1024**3:.2f} GiB",
                         None if not total else total <= targets["total_peak_rss"]))
    margin = (data.get("quality") or {}).get("margin")
    checks.append(_check("Rasa beats every baseline on macro-F1 by a clear margin (≥ 0.05)",
                         "n/a" if margin is None else f"{margin['macro_f1_margin']:+.3f} over {margin['best_baseline']}",
                         None if margin is None else margin["macro_f1_margin"] >= 0.05))
    return checks


def _concurrency_axes(axes, users: list[int], ylabel: str, title: str) -> None:
    """The styling both load charts share: concurrency on a log x axis, one tick per step."""
    axes.set_xscale("log")
    axes.set_xticks(users, [str(u) for u in users])
    axes.set_xlabel("concurrent users")
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()


def charts(data: dict, out: Path) -> list[Path]:
    steps = ((data.get("live") or {}).get("steps")) or []
    made = []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if steps:
        users = [r["users"] for r in steps]
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
        for key, style in (("p50", "o-"), ("p95", "s-"), ("p99", "^-")):
            left.plot(users, [(r[key] or 0) * 1000 for r in steps], style, label=key)
        left.axhline(data["targets"]["p95"] * 1000, color="grey", linestyle="--", linewidth=1, label="p95 target")
        left.set_yscale("log")
        _concurrency_axes(left, users, "latency (ms), update available → last reply", "Latency percentiles")
        right.plot(users, [r["answered_per_s"] for r in steps], "o-", label="user messages answered / s")
        right.plot(users, [r["bot_messages_per_s"] for r in steps], "s--", label="bot messages sent / s")
        right.axhline(data["targets"]["answered_per_s"], color="grey", linestyle="--", linewidth=1, label="target")
        errors = [r["errors"] + r["timeouts"] for r in steps]
        if any(errors):
            right.bar(users, errors, width=[u * 0.2 for u in users], alpha=0.3, color="red",
                      label="errors + timeouts (count)")
        _concurrency_axes(right, users, "per second", "Throughput")
        fig.tight_layout()
        path = out / "load.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        made.append(path)
    systems = ((data.get("quality") or {}).get("systems")) or []
    if systems:
        fig, ax = plt.subplots(figsize=(9, 3.8))
        names = [s["name"] for s in systems]
        x = range(len(names))
        width = 0.2
        for i, (key, part, label) in enumerate((("accuracy", "all", "accuracy (all)"),
                                                ("macro_f1", "all", "macro-F1 (all)"),
                                                ("accuracy", "faq", "accuracy (FAQ only)"),
                                                ("macro_f1", "faq", "macro-F1 (FAQ only)"))):
            ax.bar([j + (i - 1.5) * width for j in x], [s[part][key] for s in systems], width, label=label)
        ax.set_xticks(list(x), [n.replace(" ", "\n", 2) for n in names], fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_title("Intent understanding on the held-out questions")
        ax.legend(fontsize=8)
        ax.grid(True, axis="y", alpha=0.3)
        fig.tight_layout()
        path = out / "quality.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        made.append(path)
    return made


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def write_report(path: Path, data: dict, lines: list[str], chart_paths: list[Path]) -> Path:
    m = data["machine"]
    args = data["args"]
    parts = [
        "# Benchmark report",
        "",
        f"- Machine: **{m['cpus']} CPUs** ({m['physical_cores']} physical cores), **"
        f"{m['memory_total'] / 1024**3:.1f} GiB memory** ({m['memory_available'] / 1024**3:.1f} GiB available at "
        f"start), load average {m['load_average'][0]:.2f} at the start and "
        f"{(data.get('load_average_end') or [float('nan')])[0]:.2f} at the end (the machine is shared with other "
        "work: figures move with it).",
        f"- Run: {data['started']}, wall time {data.get('wall_seconds', 0):.0f} s, command `python -m bench"
        f"{' --quick' if args.get('quick') else ''}` (steps {args['step_list']} users, {args['step_seconds']:.0f} s "
        f"each, think time {args['think']} s, turn timeout {args['turn_timeout']} s).",
        "",
        "## Targets",
        "",
    ]
    parts += _table(["target", "value", "verdict"],
                    [[c["what"], c["value"], c["verdict"]] for c in data.get("checks", [])])
    parts += ["", "## Figures (as printed)", "", "```", *lines, "```", ""]
    live = data.get("live") or {}
    if live.get("steps"):
        parts += ["## End-to-end load", "",
                  "Simulated Telegram users (asyncio) feed the fake Bot API of the tests; the real bot process "
                  "(long polling) answers through the Rasa server, the action server and SQLite. Each user runs "
                  "conversations one after the other: 60 % two to four FAQ questions, 20 % a full pre-screen with "
                  "consent, 20 % an employer check, with a think time between a reply and the next message. "
                  "Latency: from the update being available to getUpdates until the fake API receives the "
                  "turn's last `sendMessage`. A turn is an error when the bot answered nothing or apologised, a "
                  "timeout when it was not finished in time.", ""]
        rows = []
        for r in live["steps"]:
            cpu = r.get("cpu_cores") or {}
            rows.append([r["users"], f"{r['answered_per_s']:.1f}", f"{r['bot_messages_per_s']:.1f}",
                         f"{r.get('chat_requests_per_s', 0):.1f}", _ms(r.get("mean")), _ms(r["p50"]),
                         _ms(r["p95"]), _ms(r["p99"]), _ms(r["first_p95"]), f"{r['answered']}/{r['turns']}",
                         r["errors"], r["timeouts"],
                         " / ".join(f"{cpu.get(n, 0):.2f}" for n in ("Rasa server", "action server", "bot"))])
        parts += _table(["users", "answered/s", "bot msgs/s", "capped requests/s", "mean", "p50", "p95", "p99",
                         "first reply p95", "answered", "errors", "timeouts", "CPU cores: Rasa / actions / bot"], rows)
        bound = live.get("cap_bound")
        if bound:
            parts += ["", cap_bound_line(bound)]
        samples = [s for r in live["steps"] for s in r.get("error_samples", [])]
        if samples:
            parts += ["", "Examples of failed turns:", ""]
            parts += [f"- {s['status']}: `{s['text']}` → {s['replies']}" for s in samples[:8]]
        parts.append("")
    for chart in chart_paths:
        parts += [f"![{chart.stem}]({chart.name})", ""]
    if live:
        parts += ["## Capacity and cost", ""]
        cold = live.get("cold_start") or {}
        rows = []
        if cold.get("seconds") is not None:
            rows.append(["cold start to first answer", f"{cold['seconds']:.1f} s (servers ready "
                                                       f"{cold['servers_ready']:.1f} s)"])
        for name, value in (live.get("peak_rss") or {}).items():
            rows.append([f"peak RSS, {name}", f"{value / 1024**2:.0f} MiB"])
        if live.get("peak_rss_total"):
            rows.append(["peak RSS, three together", f"{live['peak_rss_total'] / 1024**3:.2f} GiB"])
        if data.get("model_bytes"):
            rows.append(["model size on disk", f"{data['model_bytes'] / 1024**2:.1f} MiB"])
        if data.get("training"):
            rows.append(["training from scratch", f"{data['training']['seconds']:.0f} s ({data['training']['source']})"])
        parts += _table(["figure", "value"], rows) + [""]
    quality = data.get("quality")
    if quality:
        parts += ["## Understanding vs baselines", "",
                  f"{quality['heldout_examples']} held-out questions (tests/data/nlu_heldout*.yml, never trained on); "
                  f"baselines trained on the {quality['train_examples']} examples of nlu/*.yml (entity annotations "
                  "stripped). Macro-F1 averages every label seen as gold or predicted. BM25 ranks the FAQ answers of "
                  "knowledge/data/faq.yml and can only predict FAQ intents: on the whole set, every non-FAQ question "
                  "counts as misclassified; the \"FAQ only\" columns restrict every system to the FAQ questions.", ""]
        parts += _table(["system", "accuracy (all)", "macro-F1 (all)", "accuracy (FAQ)", "macro-F1 (FAQ)", "note"],
                        [[s["name"], f"{s['all']['accuracy']:.3f}", f"{s['all']['macro_f1']:.3f}",
                          f"{s['faq']['accuracy']:.3f}", f"{s['faq']['macro_f1']:.3f}", s["note"]]
                         for s in quality["systems"]])
        parts.append("")
    faq = live.get("faq_dev")
    if faq:
        parts += [f"FAQ sample end to end (../shared/eval/faq_dev.yml over the REST channel of the bench stack): "
                  f"{faq['passed']}/{faq['total']} passed.", ""]
        parts += [f"- failing `{f['id']}`: {', '.join(f['failures'])}" for f in faq["failing"]]
        parts.append("")
    profiles = live.get("profiles") or {}
    if profiles:
        run = live.get("profile_run") or {}
        parts += ["## Profile (a load target was missed)", "",
                  f"py-spy sampled the three processes during an extra run of {run.get('users', '?')} users "
                  f"({run.get('answered_per_s', 0):.1f} msg/s answered, p95 {_ms(run.get('p95'))} while profiled). "
                  "Wall-clock sampling at 100 Hz (`py-spy record --nonblocking`, threads merged); the shares are of the "
                  "*busy* samples of each process, i.e. without the samples where a thread only waited (event loop "
                  "with nothing to do, idle worker threads). Time spent in native code (TensorFlow kernels, SQLite, "
                  "fsync) is charged to the Python function that called it. CPU cores: psutil over the same run. "
                  "Raw collapsed stacks: bench/results/profiles/.", ""]
        for name, result in profiles.items():
            parts += [f"### {name}", ""]
            if not result.get("self"):
                parts += [f"profile failed: {result.get('error')}", ""]
                continue
            busy = result["busy_samples"] / max(result["samples"], 1)
            parts += [f"{result['samples']} samples, {busy:.0%} of them busy; {result.get('cpu_cores', 0):.2f} CPU "
                      "cores used on average.", "",
                      "Top self costs (where the samples were):", ""]
            parts += [f"1. {share:.1%} `{frame}`" for frame, share in result["self"][:10]]
            # Frames present in most busy samples are the server's plumbing (main, serve, request handler).
            interesting = [(f, s) for f, s in result["inclusive"] if s < 0.75][:15]
            parts += ["", "Top inclusive costs (function and what it calls; plumbing present in ≥ 75 % of the "
                      "busy samples left out):", ""]
            parts += [f"1. {share:.1%} `{frame}`" for frame, share in interesting]
            parts.append("")
    parts += [f"_Generated by `python -m bench` on {time.strftime('%Y-%m-%d %H:%M:%S')}; raw figures in "
              "results.json._", ""]
    path.write_text("\n".join(parts))
    return path
