"""`make eval`: NLU figures on the held-out files, then the end-to-end FAQ sample over the REST channel.

Prints one line per figure and writes a markdown report under reports/ (git-ignored).
"""

from __future__ import annotations

import json
import os
import re
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
    # (text, gold intent, predicted intent, entities missed, entities extra) of every imperfect example
    errors: list[tuple[str, str, str, list, list]] = field(default_factory=list)


@dataclass
class FaqItemResult:
    id: str
    question: str
    reply: str
    failures: list[str]


def heldout_files() -> list[Path]:
    return sorted(HELDOUT_DIR.glob("nlu_heldout*.yml"))


ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<name>[^)]+)\)|(?P<json>\{[^}]*\}))")


def parse_example(annotated: str) -> tuple[str, list[tuple[str, str]]]:
    """Rasa's annotated example -> plain text and its (entity, text span) pairs."""
    entities: list[tuple[str, str]] = []

    def plain(match: re.Match) -> str:
        name = match.group("name") or json.loads(match.group("json")).get("entity", "")
        entities.append((name.split(":")[0], match.group("text")))
        return match.group("text")

    return ANNOTATION.sub(plain, annotated), entities


def heldout_examples(files: list[Path] | None = None) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(intent, text, entities) for every held-out example."""
    examples = []
    for path in files or heldout_files():
        for block in yaml.safe_load(path.read_text()).get("nlu", []):
            if "intent" not in block:
                continue
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    text, entities = parse_example(line[2:].strip())
                    examples.append((block["intent"], text, entities))
    return examples


def merge_nlu_files(files: list[Path]) -> str:
    """One Rasa NLU YAML document holding the examples of several files."""
    merged = {"version": "3.1", "nlu": []}
    for path in files:
        merged["nlu"].extend(yaml.safe_load(path.read_text()).get("nlu", []))
    return yaml.safe_dump(merged, allow_unicode=True, sort_keys=False)


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    """Macro-averaged F1 over every label that is gold or predicted (scikit-learn's default label set).

    A label only ever predicted (such as `nlu_fallback`) counts as a class with F1 0. `make eval` and `make bench`
    both use this function, so their figures agree.
    """
    labels = sorted({gold for gold, _ in pairs} | {predicted for _, predicted in pairs})
    scores = []
    for label in labels:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def nlu_figures(results: list[tuple[str, str, list, list]], texts: list[str] | None = None) -> NluFigures:
    """results: (gold intent, predicted intent, gold entities, predicted entities) per example.

    Entities count as found when type and text span match exactly (stricter than Rasa's token-level report).
    """
    pairs = [(gold, predicted) for gold, predicted, _, _ in results]
    tp = fp = fn = 0
    errors = []
    for index, (gold, predicted, gold_entities, predicted_entities) in enumerate(results):
        gold_set, predicted_set = set(gold_entities), set(predicted_entities)
        tp += len(gold_set & predicted_set)
        fp += len(predicted_set - gold_set)
        fn += len(gold_set - predicted_set)
        if gold != predicted or gold_set != predicted_set:
            text = texts[index] if texts else ""
            errors.append((text, gold, predicted, sorted(gold_set - predicted_set), sorted(predicted_set - gold_set)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    confusions = Counter((g, p) for g, p in pairs if g != p)
    return NluFigures(
        intent_accuracy=sum(1 for g, p in pairs if g == p) / len(pairs) if pairs else 0.0,
        intent_macro_f1=macro_f1(pairs),
        entity_precision=precision,
        entity_recall=recall,
        entity_f1=2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        worst_pairs=[(g, p, n) for (g, p), n in confusions.most_common(10)],
        examples=len(pairs),
        errors=errors,
    )


def evaluate_nlu(parse_url: str, token: str) -> NluFigures:
    """Parse every held-out example with the running Rasa server (/model/parse) and score it."""
    examples = heldout_examples()
    if not examples:
        raise SystemExit(f"ERROR: no held-out examples in tests/data/nlu_heldout*.yml under {HELDOUT_DIR}")
    results = []
    with httpx.Client(timeout=60) as client:
        for gold, text, entities in examples:
            response = client.post(parse_url, params={"token": token}, json={"text": text})
            response.raise_for_status()
            parsed = response.json()
            predicted_entities = [(e["entity"], text[e["start"]:e["end"]]) for e in parsed.get("entities", [])]
            # The FallbackClassifier's nlu_fallback is a prediction like any other: it counts as wrong.
            results.append((gold, parsed["intent"]["name"], entities, predicted_entities))
    return nlu_figures(results, [text for _, text, _ in examples])


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


def _entities(pairs: list) -> str:
    return ", ".join(f"{name}: {text}" for name, text in pairs).replace("|", "/")


def write_report(path: Path, nlu: NluFigures | None, faq: list[FaqItemResult], lines: list[str]) -> None:
    parts = ["# Evaluation report", "", f"Generated {time.strftime('%Y-%m-%d %H:%M:%S')}.", "", "## Figures", ""]
    parts += [f"- {line}" for line in lines]
    if nlu and nlu.worst_pairs:
        parts += ["", "## Most confused intent pairs (gold → predicted: count)", ""]
        parts += [f"- {gold} → {predicted}: {count}" for gold, predicted, count in nlu.worst_pairs]
    if nlu and nlu.errors:
        parts += ["", "## Held-out examples not fully right", "",
                  "| text | gold intent | predicted | entities missed | entities extra |", "| --- | --- | --- | --- | --- |"]
        for text, gold, predicted, missed, extra in nlu.errors:
            shown = "" if gold == predicted else predicted
            parts.append(f"| {text.replace('|', '/')} | {gold} | {shown} | {_entities(missed)} | {_entities(extra)} |")
    failing = [r for r in faq if r.failures]
    if failing:
        parts += ["", "## Failing FAQ items", ""]
        for result in failing:
            parts += [f"### {result.id}", "", f"Question: {result.question}", "",
                      f"Failed checks: {', '.join(result.failures)}", "", "Reply:", "", "```", result.reply, "```", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts) + "\n")


# Exit code when the evaluation ran but a figure is below target; 1 means it could not run.
TARGETS_NOT_MET = 3


def run_eval() -> int:
    from stack.__main__ import server_services
    from stack.supervisor import StackError, Supervisor, free_port

    out_dir = settings.VAR_DIR / "eval"
    out_dir.mkdir(parents=True, exist_ok=True)
    faq_file = Path(os.environ.get("FAQ_DEV_FILE", DEFAULT_FAQ_DEV))
    if not faq_file.exists():
        raise SystemExit(f"ERROR: {faq_file} not found (set FAQ_DEV_FILE)")
    items = yaml.safe_load(faq_file.read_text())["items"]
    # A stack of its own; its Rasa HTTP API (token-protected, loopback) answers /model/parse.
    run_id = uuid.uuid4().hex[:8]
    cfg = settings.Settings(rasa_port=free_port(), action_port=free_port(),
                            tracker_store_url=f"sqlite:///{out_dir / f'tracker-{run_id}.db'}")
    env = cfg.child_env()
    env["DATABASE_URL"] = f"sqlite:///{out_dir / f'app-{run_id}.db'}"
    supervisor = Supervisor()
    lines: list[str] = []
    try:
        from actions.db import prepare_database

        prepare_database(env["DATABASE_URL"])
        actions, rasa = server_services(cfg, log_dir=out_dir / "logs", env=env)
        for service in (actions, rasa):
            supervisor.start(service)
        print(">> starting the stack for the evaluation...", flush=True)
        for service in (actions, rasa):
            supervisor.wait_ready(service, cfg.startup_timeout)
        print(">> NLU evaluation on the held-out files...", flush=True)
        nlu = evaluate_nlu(f"{cfg.rasa_url}/model/parse", cfg.rasa_api_token)
        print(">> end-to-end FAQ sample...", flush=True)
        faq = evaluate_faq(items, cfg.rest_webhook_url)
    except StackError as error:
        print(error)
        return 1
    finally:
        supervisor.stop_all()
    lines += [
        f"intent accuracy: {nlu.intent_accuracy:.3f} ({nlu.examples} held-out examples)",
        f"intent macro-F1: {nlu.intent_macro_f1:.3f} (target ≥ {TARGETS['intent_macro_f1']})",
        f"entity precision: {nlu.entity_precision:.3f}",
        f"entity recall: {nlu.entity_recall:.3f}",
        f"entity F1: {nlu.entity_f1:.3f} (target ≥ {TARGETS['entity_f1']}; exact type and span)",
    ]
    passed = sum(1 for r in faq if not r.failures)
    lines.append(f"faq_dev end-to-end: {passed}/{len(faq)} passed ({faq_file})")
    for line in lines:
        print(line)
    for gold, predicted, count in nlu.worst_pairs[:8]:
        print(f"confused: {gold} -> {predicted}: {count}")
    for result in faq:
        if result.failures:
            print(f"  FAIL {result.id}: {', '.join(result.failures)} | reply: {result.reply[:200]!r}")
    report = REPORT_DIR / "eval.md"
    write_report(report, nlu, faq, lines)
    print(f"report: {report.relative_to(settings.ROOT)}")
    met = (nlu.intent_macro_f1 >= TARGETS["intent_macro_f1"] and nlu.entity_f1 >= TARGETS["entity_f1"]
           and passed == len(faq))
    print("targets: met" if met else "targets: NOT met")
    return 0 if met else TARGETS_NOT_MET
