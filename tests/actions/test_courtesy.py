"""Greetings and thanks that say more than courtesy."""

import asyncio

import pytest
from action_testlib import entity, make_tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.courtesy import ActionGreet, ActionThanks
from actions.fallback import ActionClarify


def reply(action, text, intent, *entities):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, make_tracker(text=text, intent=intent, entities=list(entities)), {}))
    return dispatcher.messages, events


def test_a_bare_greeting_gets_the_greeting_alone():
    messages, events = reply(ActionGreet(), "bonjour", "greet")
    assert [m.get("response") for m in messages] == ["utter_greet"] and events == []


@pytest.mark.parametrize(("text", "entities", "offered"), [
    ("bonjour, nous sommes un ehpad", [entity("sector", "sanitaire_social")], "offer_employer_check"),
    ("salut, j'ai 40 ans et je suis au RSA", [entity("age", "40"), entity("situation", "job_seeker")],
     "offer_prescreen"),
])
def test_a_greeting_that_describes_someone_gets_the_greeting_then_the_offer_of_the_check(text, entities, offered):
    messages, events = reply(ActionGreet(), text, "greet", *entities)
    assert messages[0].get("response") == "utter_greet"
    assert messages[1]["text"].endswith("Voulez-vous commencer ?")
    assert [e["value"] for e in events if e.get("name") == "awaiting"] == [offered]


def test_a_question_after_a_greeting_read_as_a_greeting_gets_its_answer(nlu):
    nlu.readings["combien de temps dure le contrat ?"] = ("faq_duration", 0.95)
    messages, _ = reply(ActionGreet(), "Bonjour Madame, combien de temps dure le contrat ?", "greet")
    assert nlu.asked == ["combien de temps dure le contrat ?"]
    assert messages[0]["text"] == "Bonjour !" and "36 mois" in messages[1]["text"] and len(messages) == 2


def test_a_check_asked_after_a_greeting_starts_it_unless_something_said_would_be_lost(nlu):
    nlu.readings["je voudrais savoir si je peux faire une vae inversée"] = ("start_prescreen", 0.8)
    messages, events = reply(ActionGreet(), "bonjour, je voudrais savoir si je peux faire une vae inversée", "greet")
    assert [m["text"] for m in messages] == ["Bonjour !"]
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "prescreen_form"}
    # « j'ai 45 ans » would be asked again by a check started here: the offer reuses it.
    nlu.readings["je veux vérifier, j'ai 45 ans"] = ("start_prescreen", 0.8)
    messages, events = reply(ActionGreet(), "bonjour, je veux vérifier, j'ai 45 ans", "greet", entity("age", "45"))
    assert messages[0].get("response") == "utter_greet" and messages[1]["text"].endswith("Voulez-vous commencer ?")


def test_a_question_after_thanks_gets_its_answer_and_thanks_that_take_leave_the_goodbye(nlu):
    nlu.readings.update({"pour l'employeur ça coûte combien ?": ("faq_employer_cost", 0.9),
                         "au revoir": ("goodbye", 0.95)})
    messages, _ = reply(ActionThanks(), "merci ! et pour l'employeur ça coûte combien ?", "thanks")
    assert len(messages) == 1 and "L'employeur paie le salaire" in messages[0]["text"]
    messages, _ = reply(ActionThanks(), "merci, au revoir", "thanks")
    assert [m.get("response") for m in messages] == ["utter_goodbye"]


def test_what_follows_a_greeting_read_unsure_or_as_nothing_known_gets_the_greeting(nlu):
    nlu.readings["ça va ?"] = ("faq_duration", 0.3)
    for text in ("bonjour, ça va ?", "bonjour à tous !"):
        messages, _ = reply(ActionGreet(), text, "greet")
        assert [m.get("response") for m in messages] == ["utter_greet"]


@pytest.mark.parametrize(("text", "response"), [
    ("merci", "utter_thanks"), ("merci beaucoup, c'est clair", "utter_thanks"),
    ("merci, au revoir", "utter_goodbye"), ("Merci et bonne journée !", "utter_goodbye"),
    ("super merci, à bientôt", "utter_goodbye"),
])
def test_thanks_that_take_leave_get_the_goodbye(text, response):
    messages, _ = reply(ActionThanks(), text, "thanks")
    assert [m.get("response") for m in messages] == [response]


def test_a_question_after_a_greeting_that_fell_back_as_a_whole_gets_its_answer(nlu):
    """« bonjour, pouvez-vous m'expliquer … » fell back torn between personal data and the definition."""
    nlu.readings["pouvez-vous m'expliquer ce qu'est ce dispositif ?"] = ("faq_definition", 0.8)
    ranking = [{"name": "nlu_fallback", "confidence": 0.25}, {"name": "faq_personal_data", "confidence": 0.33},
               {"name": "faq_definition", "confidence": 0.3}]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text="bonjour, pouvez-vous m'expliquer ce qu'est ce dispositif ?", intent="nlu_fallback",
                           ranking=ranking)
    asyncio.run(ActionClarify().run(dispatcher, tracker, {}))
    greeting, answer = dispatcher.messages
    assert greeting["text"] == "Bonjour !" and answer["text"].startswith("La « VAE inversée » est une expérimentation")
    # Without a courtesy first, the rest is not read alone: both close readings are answered.
    dispatcher = CollectingDispatcher()
    # (« m'expliquer » would name the definition: actions/wording.py)
    tracker = make_tracker(text="pouvez-vous me parler de ce dispositif ?!", intent="nlu_fallback", ranking=ranking)
    asyncio.run(ActionClarify().run(dispatcher, tracker, {}))
    assert len(dispatcher.messages) == 2 and "Cet assistant n'enregistre" in dispatcher.messages[0]["text"]
