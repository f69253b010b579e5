"""Understanding quality: the Rasa pipeline against three simple baselines on the same held-out questions.

- TF-IDF nearest example (scikit-learn): word 1-2-grams + character 2-5-grams, cosine, 1 nearest neighbour
  among the NLU training examples (entity annotations stripped).
- BM25 over the FAQ answers themselves (rank-bm25): each FAQ topic is one document (title + answer + its
  dated variants); the prediction is `faq_<topic>` of the best-scoring document. It can only ever predict
  FAQ intents: on the whole held-out set every non-FAQ question counts as misclassified (its prediction is
  the label `unsupported`); its figures on the FAQ questions alone are reported too.
- Keywords mined from the training data: a word is a keyword of an intent when it appears in at least
  two training examples and at least 70 % of its example occurrences are in that intent; the prediction is
  the intent with the most keyword hits (ties: the intent whose keywords are the more specific), or
  `nlu_fallback` when no keyword matches.
Accuracy and macro-F1 use the same function for every system; macro-F1 averages the F1 of every label that
appears as gold or predicted (scikit-learn's default, as in Rasa's intent report).
"""

from __future__ import annotations

import json
import re
import subprocess
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from stack.evaluate import macro_f1

UNSUPPORTED = "unsupported"
FALLBACK = "nlu_fallback"
ENTITY = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = set("""
a au aux avec c ca ce ces cet cette d dans de des du elle en est et etre il ils j je l la le les leur lui m ma
mais me mes moi mon n ne nos notre nous on ou par pas pour qu que qui s sa se ses si son sur t ta te tes toi ton
tu un une vos votre vous y est-ce quoi comment quel quelle quels quelles suis sont ai as avez ont es
""".split())


# --- data ----------------------------------------------------------------------------------------------


def strip_entities(text: str) -> str:
    """`[Lyon](city)` and `[aide soignante]{"entity": ...}` -> the visible text only."""
    return ENTITY.sub(r"\1", text).strip()


def examples_from_nlu(data: dict) -> list[tuple[str, str]]:
    pairs = []
    for item in (data or {}).get("nlu") or []:
        if not isinstance(item, dict) or "intent" not in item:
            continue
        examples = item.get("examples") or ""
        if isinstance(examples, str):
            lines = [line.strip() for line in examples.splitlines()]
            texts = [line[2:].strip() for line in lines if line.startswith("- ")]
        else:  # list of {text: ...} or strings
            texts = [e.get("text", "") if isinstance(e, dict) else str(e) for e in examples]
        pairs += [(strip_entities(t), item["intent"]) for t in texts if t.strip()]
    return pairs


def load_examples(files: list[Path]) -> list[tuple[str, str]]:
    pairs = []
    for path in files:
        pairs += examples_from_nlu(yaml.safe_load(path.read_text(encoding="utf-8")))
    return pairs


def faq_documents(faq_file: Path) -> dict[str, str]:
    """faq_<topic> -> the topic's title, answer and answer variants as one text."""
    data = yaml.safe_load(faq_file.read_text(encoding="utf-8"))
    documents = {}
    for topic in data.get("topics") or []:
        parts = [topic.get("title", ""), topic.get("answer", "")]
        for variant in topic.get("answer_variants") or []:
            if isinstance(variant, dict):
                parts.append(variant.get("answer", ""))
        documents[f"faq_{topic['id']}"] = "\n".join(p for p in parts if p)
    return documents


# --- metrics -------------------------------------------------------------------------------------------


@dataclass
class Scores:
    accuracy: float
    macro_f1: float
    n: int


def scores(gold: list[str], predicted: list[str]) -> Scores:
    if not gold:
        return Scores(0.0, 0.0, 0)
    pairs = list(zip(gold, predicted, strict=True))
    accuracy = sum(1 for g, p in pairs if g == p) / len(gold)
    return Scores(accuracy, macro_f1(pairs), len(gold))


# --- baselines -------------------------------------------------------------------------------------------


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return [w for w in WORD.findall(normalize(text)) if w not in STOPWORDS]


class TfidfNearest:
    name = "TF-IDF nearest example"

    def fit(self, examples: list[tuple[str, str]]) -> TfidfNearest:
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer

        texts = [normalize(t) for t, _ in examples]
        self.labels = [label for _, label in examples]
        self.word = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"[a-z0-9]+")
        self.char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
        self._hstack = hstack
        self.matrix = self._features(texts, fit=True)
        return self

    def _features(self, texts, fit=False):
        from sklearn.preprocessing import normalize as l2

        if fit:
            matrix = self._hstack([self.word.fit_transform(texts), self.char.fit_transform(texts)])
        else:
            matrix = self._hstack([self.word.transform(texts), self.char.transform(texts)])
        return l2(matrix.tocsr())

    def predict(self, texts: list[str]) -> list[str]:
        similarities = self._features([normalize(t) for t in texts]) @ self.matrix.T
        best = similarities.toarray().argmax(axis=1)
        return [self.labels[i] for i in best]


class Bm25Faq:
    name = "BM25 over the FAQ answers"

    def fit(self, documents: dict[str, str]) -> Bm25Faq:
        from rank_bm25 import BM25Okapi

        self.intents = list(documents)
        self.bm25 = BM25Okapi([words(documents[i]) or ["_"] for i in self.intents])
        return self

    def predict(self, texts: list[str]) -> list[str]:
        predictions = []
        for text in texts:
            scores_ = self.bm25.get_scores(words(text) or ["_"])
            best = max(range(len(scores_)), key=lambda i: scores_[i])
            predictions.append(self.intents[best])
        return predictions


class Keywords:
    name = "keywords mined from the training data"

    def __init__(self, min_examples: int = 2, min_share: float = 0.7) -> None:
        self.min_examples, self.min_share = min_examples, min_share

    def fit(self, examples: list[tuple[str, str]]) -> Keywords:
        per_word: dict[str, Counter] = defaultdict(Counter)
        for text, label in examples:
            for word in set(words(text)):
                per_word[word][label] += 1
        self.keywords: dict[str, tuple[str, float]] = {}
        for word, counts in per_word.items():
            label, count = counts.most_common(1)[0]
            total = sum(counts.values())
            if count >= self.min_examples and count / total >= self.min_share:
                self.keywords[word] = (label, count / total)
        return self

    def predict(self, texts: list[str]) -> list[str]:
        predictions = []
        for text in texts:
            hits: Counter = Counter()
            specificity: Counter = Counter()
            for word in set(words(text)):
                if word in self.keywords:
                    label, share = self.keywords[word]
                    hits[label] += 1
                    specificity[label] += share
            if not hits:
                predictions.append(FALLBACK)
            else:
                predictions.append(max(hits, key=lambda label: (hits[label], specificity[label], label)))
        return predictions


# --- evaluation -----------------------------------------------------------------------------------------


@dataclass
class SystemResult:
    name: str
    all: Scores
    faq: Scores  # on the FAQ held-out questions only
    note: str = ""


def is_faq(intent: str) -> bool:
    return intent.startswith("faq_")


def evaluate_predictions(name: str, gold: list[str], predicted: list[str], note: str = "") -> SystemResult:
    faq_pairs = [(g, p) for g, p in zip(gold, predicted, strict=True) if is_faq(g)]
    return SystemResult(
        name,
        scores(gold, predicted),
        scores([g for g, _ in faq_pairs], [p for _, p in faq_pairs]),
        note,
    )


def run_baselines(train: list[tuple[str, str]], heldout: list[tuple[str, str]],
                  faq_docs: dict[str, str]) -> list[SystemResult]:
    texts = [t for t, _ in heldout]
    gold = [g for _, g in heldout]
    results = [
        evaluate_predictions(TfidfNearest.name, gold, TfidfNearest().fit(train).predict(texts)),
    ]
    bm25 = Bm25Faq().fit(faq_docs)
    # Only FAQ questions are given to BM25; every other question is "unsupported" (a misclassification).
    faq_predictions = iter(bm25.predict([t for t, g in heldout if is_faq(g)]))
    predicted = [next(faq_predictions) if is_faq(g) else UNSUPPORTED for _, g in heldout]
    results.append(evaluate_predictions(Bm25Faq.name, gold, predicted,
                                        note="non-FAQ questions counted as misclassified (`unsupported`)"))
    results.append(evaluate_predictions(Keywords.name, gold, Keywords().fit(train).predict(texts)))
    return results


def rasa_predictions(out_dir: Path) -> list[tuple[str, str, str]]:
    """(text, gold, predicted) from `rasa test nlu --successes` (intent_successes.json + intent_errors.json)."""
    rows = []
    for name in ("intent_successes.json", "intent_errors.json"):
        path = out_dir / name
        if path.exists():
            for entry in json.loads(path.read_text()):
                predicted = (entry.get("intent_prediction") or {}).get("name") or FALLBACK
                rows.append((entry.get("text", ""), entry["intent"], predicted))
    return rows


def parse_with_server(parse_url: str, heldout: list[tuple[str, str]], timeout: float = 60) -> list[tuple[str, str, str]]:
    """(text, gold, predicted) from a running Rasa server's HTTP API (POST /model/parse, token in the URL): the
    whole NLU pipeline of the trained model, FallbackClassifier included, as in `rasa test nlu`."""
    import httpx

    rows = []
    with httpx.Client(timeout=timeout) as client:
        for text, gold in heldout:
            response = client.post(parse_url, json={"text": text})
            response.raise_for_status()
            predicted = ((response.json().get("intent") or {}).get("name")) or FALLBACK
            rows.append((text, gold, predicted))
    return rows


def run_rasa_test(rasa_bin: Path, model: Path, heldout_yml: Path, out_dir: Path, env: dict, cwd: Path,
                  log_path: Path) -> list[tuple[str, str, str]]:
    argv = [str(rasa_bin), "test", "nlu", "--model", str(model), "--nlu", str(heldout_yml), "--out", str(out_dir),
            "--no-plot", "--successes"]
    with open(log_path, "wb") as log:
        code = subprocess.run(argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT).returncode
    if code:
        raise RuntimeError(f"`rasa test nlu` failed (exit {code}); see {log_path}")
    return rasa_predictions(out_dir)
