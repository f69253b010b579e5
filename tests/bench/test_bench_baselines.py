"""The baselines, the metrics and the profile summary on tiny fixed data."""

from __future__ import annotations

import json

import pytest
import yaml

from bench import baselines, capacity, report
from bench.baselines import Bm25Faq, Keywords, TfidfNearest, scores
from stack import training

TRAIN = [
    ("bonjour", "greet"), ("salut à vous", "greet"), ("bonjour madame", "greet"), ("coucou", "greet"),
    ("au revoir", "goodbye"), ("bonne journée au revoir", "goodbye"), ("à plus tard", "goodbye"),
    ("combien de temps dure le contrat", "faq_duration"), ("durée du contrat en mois", "faq_duration"),
    ("le contrat dure combien de mois", "faq_duration"),
    ("quel salaire pendant le contrat", "faq_salary"), ("suis-je payé, quel salaire", "faq_salary"),
    ("rémunération et salaire minimum", "faq_salary"),
]
FAQ_DOCS = {
    "faq_duration": "Durée du contrat. Le contrat dure de 6 à 36 mois selon la certification visée.",
    "faq_salary": "Rémunération. Vous touchez un salaire, au moins un pourcentage du SMIC selon votre âge.",
    "faq_jury": "Le jury de VAE se réunit à la fin du parcours pour valider la certification.",
    "faq_tutor": "Un tuteur vous accompagne dans l'entreprise pendant tout le parcours.",
}


def test_strip_entities_and_read_examples():
    assert baselines.strip_entities("j'ai [34](age) ans à [Lyon]{\"entity\": \"department\"}") == "j'ai 34 ans à Lyon"
    data = yaml.safe_load('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - bonjour\n    - [salut](x)\n'
                          "- synonym: a\n  examples: |\n    - b\n")
    assert baselines.examples_from_nlu(data) == [("bonjour", "greet"), ("salut", "greet")]


def test_scores_accuracy_and_macro_f1_by_hand():
    gold = ["a", "a", "b", "b"]
    predicted = ["a", "b", "b", "c"]
    result = scores(gold, predicted)
    assert result.accuracy == pytest.approx(0.5)
    # F1: a = 2/3 (tp 1, fn 1), b = 1/2 (tp 1, fp 1, fn 1), c = 0 (fp 1): macro over the three labels.
    assert result.macro_f1 == pytest.approx((2 / 3 + 0.5 + 0) / 3)
    assert scores([], []).n == 0


def test_tfidf_nearest_example():
    model = TfidfNearest().fit(TRAIN)
    assert model.predict(["bonjour à tous", "il dure combien de temps ce contrat", "quel est le salaire"]) == [
        "greet", "faq_duration", "faq_salary"]


def test_bm25_over_faq_answers():
    model = Bm25Faq().fit(FAQ_DOCS)
    assert model.predict(["combien de mois dure le contrat", "quel smic je touche"]) == ["faq_duration",
                                                                                          "faq_salary"]


def test_keywords_are_mined_from_training_data():
    model = Keywords().fit(TRAIN)
    assert model.keywords["salaire"][0] == "faq_salary"
    assert model.keywords["contrat"] == ("faq_duration", 0.75)  # 3 of its 4 examples
    assert "pendant" not in model.keywords  # in one example only
    assert model.predict(["un salaire correct ?", "revoir", "xyz"]) == ["faq_salary", "goodbye",
                                                                        baselines.FALLBACK]


def test_run_baselines_counts_non_faq_as_unsupported_for_bm25():
    heldout = [("bonjour bonjour", "greet"), ("le contrat dure combien", "faq_duration"),
               ("quel salaire", "faq_salary")]
    results = {r.name: r for r in baselines.run_baselines(TRAIN, heldout, FAQ_DOCS)}
    bm25 = results[Bm25Faq.name]
    assert bm25.all.accuracy == pytest.approx(2 / 3)  # the greeting is misclassified by construction
    assert bm25.faq.accuracy == 1.0 and bm25.faq.n == 2
    assert results[TfidfNearest.name].all.accuracy == 1.0


def test_rasa_predictions_from_test_reports(tmp_path):
    (tmp_path / "intent_successes.json").write_text(json.dumps([
        {"text": "bonjour", "intent": "greet", "intent_prediction": {"name": "greet", "confidence": 0.9}}]))
    (tmp_path / "intent_errors.json").write_text(json.dumps([
        {"text": "hmm", "intent": "faq_salary", "intent_prediction": {"name": "nlu_fallback", "confidence": 0.4}}]))
    assert baselines.rasa_predictions(tmp_path) == [("bonjour", "greet", "greet"),
                                                    ("hmm", "faq_salary", "nlu_fallback")]


def test_profile_top_costs_leave_idle_samples_out():
    collapsed = "\n".join([
        "main (a/app.py:1);serve (sanic/server/runners.py:155) 60",
        "main (a/app.py:1);handle (a/app.py:9);commit (sqlalchemy/engine.py:3) 30",
        "main (a/app.py:1);handle (a/app.py:9) 10",
    ])
    result = capacity.top_costs(collapsed)
    assert result["samples"] == 100 and result["busy_samples"] == 40
    assert result["self"][0] == ("commit (sqlalchemy/engine.py)", pytest.approx(0.75))
    assert dict(result["inclusive"])["handle (a/app.py)"] == pytest.approx(1.0)


def test_step_line_and_target_checks():
    row = {"users": 50, "answered_per_s": 31.0, "bot_messages_per_s": 40.0, "p50": 0.1, "p95": 0.25, "p99": 0.4,
           "first_p95": 0.2, "answered": 900, "turns": 900, "errors": 0, "timeouts": 0}
    assert "50 users: 31.0 msg/s answered" in report.step_line(row)
    bound = {"users": 50, "think": 1.0, "requests_per_answer": 1.1, "most_answers_per_s": 27.27,
             "least_mean_latency": 0.8333, "answered_per_s": 19.0, "mean_latency": 1.2}
    line = report.cap_bound_line(bound)
    assert "1.10 capped requests per answer" in line and "at most 27.3 answered/s" in line
    assert "about 833 ms on average" in line and "mean 1200 ms" in line
    targets = {"answered_per_s": 30.0, "p95": 0.3, "target_users": 50, "cold_start": 45.0, "training": 300.0,
               "total_peak_rss": 2.5 * 1024**3}
    data = {"live": {"steps": [row], "cold_start": {"seconds": 50.0}, "peak_rss_total": 2 * 1024**3}}
    verdicts = [c["verdict"] for c in report.target_checks(data, targets)]
    assert verdicts == ["met", "MISSED", "not measured", "met", "not measured"]


# --- training time reused from a from-scratch `make train` -------------------------------------------------


def _current_fingerprint():
    return training.fingerprint(training.training_inputs())


def test_training_time_of_a_from_scratch_make_train_is_reused(tmp_path):
    record = tmp_path / "vae.training.json"
    training.write_training_record(_current_fingerprint(), 612.34, from_scratch=True, path=record)
    known = capacity.last_training(tmp_path / "results", record_path=record)
    assert known["seconds"] == 612.3 and known["measured_by"] == "make train"


def test_training_that_reused_rasa_cache_or_other_inputs_is_not_reused(tmp_path):
    record = tmp_path / "vae.training.json"
    training.write_training_record(_current_fingerprint(), 100.0, from_scratch=False, path=record)
    assert capacity.last_training(tmp_path / "results", record_path=record) is None
    training.write_training_record("another-fingerprint", 600.0, from_scratch=True, path=record)
    assert capacity.last_training(tmp_path / "results", record_path=record) is None
    record.write_text("{not json")
    assert capacity.last_training(tmp_path / "results", record_path=record) is None


def test_the_bench_own_measurement_comes_first(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    (results / capacity.TRAINING_CACHE).write_text(json.dumps(
        {"fingerprint": _current_fingerprint(), "seconds": 700.0, "measured_at": "2026-11-26 10:00:00"}))
    record = tmp_path / "vae.training.json"
    training.write_training_record(_current_fingerprint(), 650.0, from_scratch=True, path=record)
    known = capacity.last_training(results, record_path=record)
    assert known["seconds"] == 700.0 and known["measured_by"] == "bench"


def test_rasa_cache_emptiness_decides_from_scratch(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("RASA_CACHE_DIRECTORY", str(cache))
    assert training.rasa_cache_is_empty()  # missing
    cache.mkdir()
    assert training.rasa_cache_is_empty()  # empty
    (cache / "cache.db").write_bytes(b"x")
    assert not training.rasa_cache_is_empty()
