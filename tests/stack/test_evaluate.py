"""The evaluation's own arithmetic and parsing, on small fixed inputs."""

import pytest

from stack.evaluate import check_reply, heldout_examples, macro_f1, nlu_figures, parse_example


def test_parse_example_strips_both_annotation_styles():
    text, entities = parse_example('je suis en [CDI]{"entity": "situation", "value": "employee_cdi"} à [Lyon](department)')
    assert text == "je suis en CDI à Lyon"
    assert entities == [("situation", "CDI"), ("department", "Lyon")]


def test_macro_f1_averages_per_gold_label():
    pairs = [("a", "a"), ("a", "b"), ("b", "b"), ("b", "b")]
    # a: P=1 R=0.5 F=0.667 ; b: P=2/3 R=1 F=0.8
    assert macro_f1(pairs) == pytest.approx((2 / 3 + 0.8) / 2)
    assert macro_f1([]) == 0.0


def test_macro_f1_counts_a_label_that_is_only_predicted():
    # nlu_fallback is never gold; predicting it is a miss for "a" and adds a class with F1 0.
    pairs = [("a", "a"), ("a", "nlu_fallback"), ("b", "b")]
    assert macro_f1(pairs) == pytest.approx((2 / 3 + 1.0 + 0.0) / 3)


def test_nlu_figures_count_exact_entity_spans_and_confusions():
    results = [
        ("inform", "inform", [("age", "17")], [("age", "17")]),
        ("inform", "faq_cap", [("department", "Lyon")], [("department", "Lyo")]),
        ("greet", "greet", [], [("age", "2")]),
    ]
    figures = nlu_figures(results)
    assert figures.intent_accuracy == pytest.approx(2 / 3)
    assert (figures.entity_precision, figures.entity_recall) == (pytest.approx(1 / 3), pytest.approx(1 / 2))
    assert figures.worst_pairs == [("inform", "faq_cap", 1)]


def test_nlu_figures_list_each_imperfect_example_with_what_went_wrong():
    results = [
        ("inform", "inform", [("age", "17")], [("age", "17")]),
        ("inform", "faq_cap", [("department", "Lyon")], [("department", "Lyo")]),
        ("greet", "greet", [], [("age", "2")]),
    ]
    figures = nlu_figures(results, ["j'ai 17 ans", "à Lyon", "salut 2"])
    assert figures.errors == [
        ("à Lyon", "inform", "faq_cap", [("department", "Lyon")], [("department", "Lyo")]),
        ("salut 2", "greet", "greet", [], [("age", "2")]),
    ]


def test_check_reply_applies_must_and_must_not_case_insensitively():
    item = {"must": ["36 mois"], "must_not": ["9[  .]?000"]}
    assert check_reply(item, "Au plus 36 MOIS.") == []
    assert check_reply(item, "9 000 €") == ["must /36 mois/", "must_not /9[  .]?000/"]


def test_heldout_files_parse_into_examples():
    examples = heldout_examples()
    assert len(examples) >= 5 * 59
    assert all(text and "[" not in text for _, text, _ in examples)
