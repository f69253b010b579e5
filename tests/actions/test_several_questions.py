"""A message that asks several questions gets an answer for each: the action server reads each question with the
Rasa server's HTTP API (/model/parse), played here by a loopback HTTP server that reads like the NLU."""

import asyncio

import pytest
from action_testlib import TOKEN, make_tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionClarify
from actions.faq import ActionAnswerFaq
from actions.readings import questions_in


def answer(action, text, intent, confidence=0.9):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, make_tracker(text, intent=intent, confidence=confidence), {}))
    return dispatcher.messages, events


@pytest.mark.parametrize(("text", "questions"), [
    ("combien ça dure et combien je serai payé ?", ["combien ça dure", "combien je serai payé"]),
    ("je suis au RSA, je peux postuler ? et combien je toucherai ?",
     ["je suis au RSA, je peux postuler", "combien je toucherai"]),
    ("Quelle est la durée maximale du contrat, et quel est le montant pris en charge par l'OPCO ?",
     ["Quelle est la durée maximale du contrat", "quel est le montant pris en charge par l'OPCO"]),
    ("ça coûte combien à l'entreprise et il y a des aides ?", ["ça coûte combien à l'entreprise", "il y a des aides"]),
    ("c'est combien de temps et on est payé combien ?", ["c'est combien de temps", "on est payé combien"]),
    ("quel métier et ça dure combien ?", ["quel métier", "ça dure combien"]),
    ("qui délivre le diplôme et que se passe-t-il si on échoue ?",
     ["qui délivre le diplôme", "que se passe-t-il si on échoue"]),
    # One question each: nothing to split.
    ("Bonjour, la VAE inversée c'est quoi exactement ?", []),
    ("je cherche un emploi et une formation dans la logistique", []),
    ("Je touche le RSA et je voudrais savoir si je peux postuler", []),
    # The same question for another age is not a second topic.
    ("quel salaire ? et à 19 ans ?", []),
    ("salut ? ? ?", []),
])
def test_the_questions_of_a_message_are_found_at_question_marks_and_at_et_with_a_question_word(text, questions):
    assert questions_in(text) == questions


def test_a_long_story_is_not_split():
    assert questions_in("combien ça dure ? " + "a" * 600 + " et combien je serai payé ?") == []


def test_each_question_gets_its_own_answer_in_the_order_asked_not_the_whole_messages_topic(nlu):
    nlu.readings.update({"combien ça dure": ("faq_duration", 0.74), "combien je serai payé": ("faq_salary", 0.93)})
    messages, _ = answer(ActionAnswerFaq(), "combien ça dure et combien je serai payé ?", "faq_funding", 0.45)
    assert nlu.asked == ["combien ça dure ?", "combien je serai payé ?"]  # each read as the question it is
    assert len(messages) == 2
    assert "36 mois" in messages[0]["text"] and "SMIC" in messages[1]["text"]
    assert not any("9 000" in m["text"] for m in messages)  # the funding topic, read for the whole message


def test_no_button_offers_a_topic_answered_in_the_same_turn(nlu):
    nlu.readings.update({"ça coûte combien à l'entreprise": ("faq_employer_cost", 0.97),
                         "il y a des aides": ("faq_hiring_aids", 0.78)})
    messages, _ = answer(ActionAnswerFaq(), "ça coûte combien à l'entreprise et il y a des aides ?", "faq_employer_cost")
    payloads = [b["payload"] for m in messages for b in m["buttons"]]
    assert len(messages) == 2 and payloads
    assert "/faq_hiring_aids" not in payloads and "/faq_employer_cost" not in payloads


def test_a_question_read_unsure_is_left_to_the_others_and_one_topic_is_answered_as_a_whole(nlu):
    # (« combien je serai payé » would be read by its wording: actions/wording.py)
    nlu.readings.update({"combien ça dure": ("faq_duration", 0.9), "quel est le programme": ("faq_goal", 0.3)})
    messages, _ = answer(ActionAnswerFaq(), "combien ça dure et quel est le programme ?", "faq_duration")
    assert len(messages) == 1 and "36 mois" in messages[0]["text"]


def test_two_questions_on_the_same_topic_get_one_answer(nlu):
    nlu.readings.update({"un hôpital public peut-il recruter": ("faq_public_employers", 0.97),
                         "une clinique publique": ("faq_public_employers", 0.8)})
    messages, _ = answer(ActionAnswerFaq(), "un hôpital public peut-il recruter ? une clinique publique ?",
                         "faq_public_employers")
    assert len(messages) == 1 and "privé" in messages[0]["text"]


def test_a_term_asked_with_another_question_gets_its_definition_and_the_other_answer(nlu):
    nlu.readings.update({"c'est quoi un OPCO": ("faq_opco_filing", 0.6),
                         "combien de temps dure le contrat": ("faq_duration", 0.94)})
    messages, _ = answer(ActionAnswerFaq(), "c'est quoi un OPCO ? combien de temps dure le contrat ?", "faq_funding")
    assert len(messages) == 2
    assert messages[0]["text"].startswith("Un OPCO (opérateur de compétences)") and "36 mois" in messages[1]["text"]


def test_two_questions_the_nlu_could_not_read_together_are_answered_instead_of_a_clarification(nlu):
    # « c'est pour qui » is read by its wording (the public), whatever the NLU made of it.
    nlu.readings.update({"jusqu'à quand": ("faq_window", 0.6)})
    messages, _ = answer(ActionClarify(), "c'est pour qui et jusqu'à quand ?", "nlu_fallback", 0.25)
    assert len(messages) == 2
    assert "16 ans" in messages[0]["text"] and "28 février 2026" in messages[1]["text"]


def test_without_the_nlu_the_message_is_answered_as_a_whole(monkeypatch):
    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("RASA_API_TOKEN", TOKEN)
    messages, _ = answer(ActionAnswerFaq(), "combien ça dure et combien je serai payé ?", "faq_duration")
    assert len(messages) == 1 and "36 mois" in messages[0]["text"]


def test_a_single_question_costs_no_call_to_the_nlu(nlu):
    messages, _ = answer(ActionAnswerFaq(), "le contrat dure combien de temps ?", "faq_duration")
    assert nlu.asked == [] and len(messages) == 1


def test_a_question_on_keeping_benefits_beside_another_gets_where_to_ask_and_the_other_answer(nlu):
    nlu.readings.update({"combien je serai payé": ("faq_salary", 0.93),
                         "est-ce que je garde le RSA": ("faq_personal_data", 0.5)})
    messages, _ = answer(ActionAnswerFaq(), "combien je serai payé et est-ce que je garde le RSA ?", "faq_salary")
    assert len(messages) == 2
    assert "SMIC" in messages[0]["text"] and "CAF" in messages[1]["text"]
    assert not any("Cet assistant n'enregistre" in m["text"] for m in messages)  # the data-protection answer
