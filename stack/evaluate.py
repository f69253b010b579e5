"""`make eval`: NLU figures on the held-out files, then the end-to-end FAQ sample over the REST channel.

Prints one line per figure and writes a markdown report under reports/ (git-ignored).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from stack import settings

HELDOUT_DIR = settings.ROOT / "tests" / "data"
REPORT_DIR = settings.ROOT / "reports"
DEFAULT_FAQ_DEV = settings.ROOT.parent / "shared" / "eval" / "faq_dev.yml"
TARGETS = {"intent_macro_f1": 0.92, "entity_f1": 0.90, "faq_dev_pass_rate": 1.0}


@dataclass
class NluFigures:
    intent_accuracy: float
    intent_macro_f1: float
    entity_precision: float
    entity_recall: float
    entity_f1: float
    worst_pairs: list[tuple[str, str, int]] = field(default_factory=list)
    examples: int = 0


@dataclass
class FaqItemResult:
    id: str
    question: str
    reply: str
    failures: list[str]


def heldout_files() -> list[Path]:
    return sorted(HELDOUT_DIR.glob("nlu_heldout*.yml"))


def nlu_figures_from_reports(out_dir: Path) -> NluFigures:
    """Read the JSON reports that `rasa test nlu` writes."""
    intents = json.loads((out_dir / "intent_report.json").read_text())
    entity_file = out_dir / "DIETClassifier_report.json"
    entities = json.loads(entity_file.read_text()) if entity_file.exists() else {}
    # Entity figures over real entity types only ("no_entity" tokens would inflate them).
    entity_avg = entities.get("micro avg") or entities.get("weighted avg") or {}
    errors_file = out_dir / "intent_errors.json"
    errors = json.loads(errors_file.read_text()) if errors_file.exists() else []
    pairs = Counter((e["intent"], (e.get("intent_prediction") or {}).get("name", "?")) for e in errors)
    return NluFigures(
        intent_accuracy=float(intents.get("accuracy", 0.0)),
        intent_macro_f1=float(intents["macro avg"]["f1-score"]),
        entity_precision=float(entity_avg.get("precision", 0.0)),
        entity_recall=float(entity_avg.get("recall", 0.0)),
        entity_f1=float(entity_avg.get("f1-score", 0.0)),
        worst_pairs=[(gold, predicted, count) for (gold, predicted), count in pairs.most_common(10)],
        examples=int(intents["macro avg"].get("support", 0)),
    )


def evaluate_nlu(out_dir: Path) -> NluFigures:
    files = heldout_files()
    if not files:
        raise SystemExit(f"ERROR: no held-out file tests/data/nlu_heldout*.yml under {HELDOUT_DIR}")
    if not settings.MODEL_PATH.exists():
        raise SystemExit("ERROR: no trained model: run `make train` first.")
    out_dir.mkdir(parents=True, exist_ok=True)
    merged = out_dir / "heldout.yml"
    merged.write_text(merge_nlu_files(files))
    argv = [
        str(settings.RASA_BIN), "test", "nlu",
        "--model", str(settings.MODEL_PATH),
        "--nlu", str(merged),
        "--out", str(out_dir),
        "--no-plot",
    ]
    result = subprocess.run(argv, cwd=settings.ROOT, env=settings.Settings.from_env().child_env(),
                            capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"ERROR: `rasa test nlu` failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return nlu_figures_from_reports(out_dir)


def merge_nlu_files(files: list[Path]) -> str:
    merged = {"version": "3.1", "nlu": []}
    for path in files:
        merged["nlu"].extend(yaml.safe_load(path.read_text()).get("nlu", []))
    return yaml.safe_dump(merged, allow_unicode=True, sort_keys=False)


def check_reply(item: dict, reply: str) -> list[str]:
    failures = [f"must /{p}/" for p in item.get("must", []) if not re.search(p, reply, re.I)]
    failures += [f"must_not /{p}/" for p in item.get("must_not", []) if re.search(p, reply, re.I)]
    return failures


def evaluate_faq(items: list[dict], webhook_url: str) -> list[FaqItemResult]:
    results = []
    with httpx.Client(timeout=60) as client:
        for item in items:
            sender = f"eval:{item['id']}:{uuid.uuid4().hex[:8]}"  # a fresh conversation per question
            response = client.post(webhook_url, json={"sender": sender, "message": item["q"]})
            response.raise_for_status()
            reply = "\n".join(m.get("text", "") for m in response.json() if isinstance(m, dict))
            results.append(FaqItemResult(item["id"], item["q"], reply, check_reply(item, reply)))
    return results


def write_report(path: Path, nlu: NluFigures | None, faq: list[FaqItemResult], lines: list[str]) -> None:
    parts = ["# Evaluation report", "", f"Generated {time.strftime('%Y-%m-%d %H:%M:%S')}.", "", "## Figures", ""]
    parts += [f"- {line}" for line in lines]
    if nlu and nlu.worst_pairs:
        parts += ["", "## Most confused intent pairs (gold → predicted: count)", ""]
        parts += [f"- {gold} → {predicted}: {count}" for gold, predicted, count in nlu.worst_pairs]
    failing = [r for r in faq if r.failures]
    if failing:
        parts += ["", "## Failing FAQ items", ""]
        for result in failing:
            parts += [f"### {result.id}", "", f"Question: {result.question}", "",
                      f"Failed checks: {', '.join(result.failures)}", "", "Reply:", "", "```", result.reply, "```", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts) + "\n")


def run_eval() -> int:
    from stack.__main__ import start_servers
    from stack.supervisor import StackError, Supervisor, free_port

    out_dir = settings.VAR_DIR / "eval"
    lines: list[str] = []
    print(">> NLU evaluation on the held-out files...", flush=True)
    nlu = evaluate_nlu(out_dir / "nlu")
    lines += [
        f"intent accuracy: {nlu.intent_accuracy:.3f} ({nlu.examples} held-out examples)",
        f"intent macro-F1: {nlu.intent_macro_f1:.3f} (target ≥ {TARGETS['intent_macro_f1']})",
        f"entity precision: {nlu.entity_precision:.3f}",
        f"entity recall: {nlu.entity_recall:.3f}",
        f"entity F1: {nlu.entity_f1:.3f} (target ≥ {TARGETS['entity_f1']})",
    ]
    for line in lines:
        print(line, flush=True)
    for gold, predicted, count in nlu.worst_pairs[:5]:
        print(f"confused: {gold} -> {predicted}: {count}")

    faq_file = Path(os.environ.get("FAQ_DEV_FILE", DEFAULT_FAQ_DEV))
    items = yaml.safe_load(faq_file.read_text())["items"]
    cfg = settings.Settings.from_env()
    supervisor = Supervisor()
    try:
        if not _rest_answers(cfg.rest_webhook_url):
            print(">> starting a stack for the end-to-end evaluation...", flush=True)
            cfg = settings.Settings(rasa_port=free_port(), action_port=free_port(),
                                    tracker_store_url=f"sqlite:///{out_dir / 'tracker.db'}")
            start_servers(supervisor, cfg)
        faq = evaluate_faq(items, cfg.rest_webhook_url)
    except StackError as error:
        print(error)
        return 1
    finally:
        supervisor.stop_all()
    passed = sum(1 for r in faq if not r.failures)
    faq_line = f"faq_dev end-to-end: {passed}/{len(faq)} passed ({faq_file})"
    lines.append(faq_line)
    print(faq_line)
    for result in faq:
        if result.failures:
            print(f"  FAIL {result.id}: {', '.join(result.failures)} | reply: {result.reply[:200]!r}")
    report = REPORT_DIR / "eval.md"
    write_report(report, nlu, faq, lines)
    print(f"report: {report.relative_to(settings.ROOT)}")
    met = (nlu.intent_macro_f1 >= TARGETS["intent_macro_f1"] and nlu.entity_f1 >= TARGETS["entity_f1"]
           and passed == len(faq))
    print("targets: met" if met else "targets: NOT met")
    return 0 if met else 1


def _rest_answers(webhook_url: str) -> bool:
    try:
        return httpx.get(webhook_url.rsplit("/", 1)[0] + "/", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
