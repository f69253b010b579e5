"""Greetings and thanks that say more than courtesy."""

import asyncio

import pytest
from action_testlib import entity, make_tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.courtesy import ActionGreet, ActionThanks


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


@pytest.mark.parametrize(("text", "response"), [
    ("merci", "utter_thanks"), ("merci beaucoup, c'est clair", "utter_thanks"),
    ("merci, au revoir", "utter_goodbye"), ("Merci et bonne journée !", "utter_goodbye"),
    ("super merci, à bientôt", "utter_goodbye"),
])
def test_thanks_that_take_leave_get_the_goodbye(text, response):
    messages, _ = reply(ActionThanks(), text, "thanks")
    assert [m.get("response") for m in messages] == [response]
