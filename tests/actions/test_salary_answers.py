"""The salary answer computes the minimum pay for an age said in the question, given to the pre-screen, or said
right after the general answer ("Indiquez un âge … et je calcule le montant")."""

import asyncio

import pytest
from action_testlib import entity, make_tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import ActionAnswerFaq
from actions.offers import ActionOfferChecks


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setenv("VAE_TODAY", "2026-06-01")  # SMIC of 1 823,03 € a month since 1 January 2026


def reply(action, **tracker_args):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, make_tracker(**tracker_args), {}))
    [message] = dispatcher.messages
    return message, events


def ask_salary(text="quel salaire ?", entities=(), slots=None):
    message, _ = reply(ActionAnswerFaq(), text=text, intent="faq_salary", entities=list(entities), slots=slots)
    return message


@pytest.mark.parametrize("text, age, expected", [
    ("quel salaire pour un jeune de 19 ans ?", "19", ["À 19 ans", "55 % du SMIC, soit 1 002,67 €",
                                                      "65 % du SMIC, soit 1 184,97 €"]),
    ("et à vingt-trois ans ?", "vingt-trois", ["À 23 ans", "70 % du SMIC, soit 1 276,12 €"]),
    ("combien à 40 ans ?", "40", ["À 40 ans", "100 % du SMIC, soit 1 823,03 €", "85 % du minimum conventionnel"]),
    ("et pour un jeune de 15 ans ?", "15", ["qu'à partir de 16 ans"]),
])
def test_an_age_in_the_question_gets_the_amount(text, age, expected):
    message = ask_salary(text, [entity("age", age)])
    for part in expected:
        assert part in message["text"]
    assert "Source : " in message["text"] and "Indiquez un âge" not in message["text"]
    assert [b["payload"] for b in message["buttons"]] == ["/faq_working_time", "/faq_employer_cost"]


@pytest.mark.parametrize("text, expected", [
    ("paye mensuelle d'un alternant vae de 30 ans ?", "À 30 ans"),
    ("pour un salarié de 45 ans quel salaire", "À 45 ans"),
    ("à 26 ans on gagne combien", "À 26 ans"),
    ("quel salaire pour quelqu'un de plus de 10 ans d'ancienneté ?", "Indiquez un âge"),
    # A length of time is no age: the general answer.
    ("quel salaire quand on a travaillé 10 ans comme ASH ?", "Indiquez un âge"),
])
def test_an_age_the_nlu_did_not_tag_is_read_in_the_question(text, expected):
    assert expected in ask_salary(text)["text"]


def test_without_an_age_the_general_answer_invites_one_and_the_prescreen_age_is_used():
    general = ask_salary()
    assert "Indiquez un âge" in general["text"] and "soit" not in general["text"]
    assert "À 34 ans" in ask_salary(slots={"age": 34})["text"]
    # A length of time is no age ("depuis 10 ans"): the general answer.
    assert "Indiquez un âge" in ask_salary("quel salaire, je suis cariste depuis 10 ans ?", [entity("age", "10")])["text"]


def salary_question():
    return [{"event": "user", "text": "quel salaire ?", "parse_data": {"intent": {"name": "faq_salary"}}},
            {"event": "action", "name": "action_answer_faq"}, {"event": "user", "text": "j'ai 23 ans"}]


def test_an_age_said_right_after_the_salary_answer_gets_the_amount_not_the_offer_of_a_check():
    message, events = reply(ActionOfferChecks(), text="j'ai 23 ans", entities=[entity("age", "23")],
                            events=salary_question())
    assert "À 23 ans" in message["text"] and "1 276,12 €" in message["text"]
    assert events == []
    # Elsewhere, or without an age, what the person says about themselves opens the way to the checks.
    message, _ = reply(ActionOfferChecks(), text="j'ai 23 ans", entities=[entity("age", "23")])
    assert "Voulez-vous commencer ?" in message["text"]
    message, _ = reply(ActionOfferChecks(), text="je suis au RSA", entities=[entity("situation", "rsa")],
                       events=salary_question())
    assert "Voulez-vous commencer ?" in message["text"]


def test_an_age_given_to_the_prescreen_right_after_the_salary_answer_gets_the_amount_too():
    from actions.forms import ValidatePrescreenForm

    dispatcher = CollectingDispatcher()
    asked_during_the_form = salary_question()[:2] + [{"event": "user", "text": "34"}]
    tracker = make_tracker(text="34", slots={"requested_slot": "age"}, events=asked_during_the_form)
    assert ValidatePrescreenForm().validate_age("34", dispatcher, tracker, {}) == {"age": 34}
    [message] = dispatcher.messages
    assert "À 34 ans" in message["text"] and "1 823,03 €" in message["text"]
    # Without the salary question just before, the age is taken silently.
    dispatcher = CollectingDispatcher()
    ValidatePrescreenForm().validate_age("34", dispatcher, make_tracker(text="34"), {})
    assert dispatcher.messages == []


def after_the_salary_answer(*follow_ups):
    """The salary question and its answer, then each follow-up message with the NLU's reading of it."""
    events = salary_question()[:2]
    for text, intent in follow_ups:
        events += [{"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}},
                   {"event": "action", "name": "action_answer_faq"}]
    return events


@pytest.mark.parametrize("text, age, expected", [
    ("et à 27 ans ?", "27", "1 823,03 €"),
    ("et si j'ai 19 ans ?", "19", "1 002,67 €"),
    ("même question pour quelqu'un de vingt-trois ans", "vingt-trois", "1 276,12 €"),
])
def test_a_bare_age_after_the_salary_answer_gets_the_amount_whatever_topic_the_nlu_read(text, age, expected):
    # "et à 27 ans ?" reads like the question of who may sign (public_age); the person asks the amount.
    events = after_the_salary_answer() + [{"event": "user", "text": text}]
    message, _ = reply(ActionAnswerFaq(), text=text, intent="faq_public_age", entities=[entity("age", age)],
                       events=events)
    assert expected in message["text"] and "sans limite d'âge" not in message["text"]


def test_ages_given_one_after_another_all_get_the_amount():
    events = after_the_salary_answer(("et à 23 ans ?", "faq_public_age")) + [{"event": "user", "text": "et à 40 ?"}]
    message, _ = reply(ActionAnswerFaq(), text="et à 40 ?", intent="faq_public_age", entities=[entity("age", "40")],
                       events=events)
    assert "À 40 ans" in message["text"] and "1 823,03 €" in message["text"]


def test_a_question_that_names_an_age_keeps_its_topic():
    text = "et à 17 ans, c'est possible de signer ?"
    events = after_the_salary_answer() + [{"event": "user", "text": text}]
    message, _ = reply(ActionAnswerFaq(), text=text, intent="faq_public_age", entities=[entity("age", "17")],
                       events=events)
    assert "sans limite d'âge" in message["text"] and "SMIC" not in message["text"]
    # Without the salary question before it, a bare age keeps the topic the NLU read too.
    message, _ = reply(ActionAnswerFaq(), text="et à 27 ans ?", intent="faq_public_age",
                       entities=[entity("age", "27")])
    assert "sans limite d'âge" in message["text"]
    # Another question in between ends the follow-ups.
    events = after_the_salary_answer(("et la durée ?", "faq_duration")) + [{"event": "user", "text": "et à 40 ?"}]
    message, _ = reply(ActionAnswerFaq(), text="et à 40 ?", intent="faq_public_age", entities=[entity("age", "40")],
                       events=events)
    assert "SMIC" not in message["text"]


@pytest.mark.parametrize("text, bare", [
    ("et à 27 ans ?", True), ("et si j'ai 50 ans ?", True), ("et à vingt-sept ans ?", True), ("27", True),
    ("et à 17 ans, c'est possible ?", False), ("depuis 10 ans", False), ("et alors ?", False), ("ok", False),
])
def test_what_counts_as_a_bare_age(text, bare):
    from actions.parsing import is_a_bare_age_follow_up

    assert is_a_bare_age_follow_up(text) is bare


def test_a_bare_number_after_the_salary_answer_that_the_nlu_did_not_understand_gets_the_amount():
    from actions.fallback import ActionClarify

    events = after_the_salary_answer(("et à 23 ans ?", "faq_public_age")) + [{"event": "user", "text": "et à 30 ?"}]
    message, _ = reply(ActionClarify(), text="et à 30 ?", intent="nlu_fallback", events=events)
    assert "À 30 ans" in message["text"] and "1 823,03 €" in message["text"]
    # A small bare number is not an age (« 2 » is more likely a button's rank): the clarification.
    events = after_the_salary_answer() + [{"event": "user", "text": "2"}]
    message, _ = reply(ActionClarify(), text="2", intent="nlu_fallback", events=events)
    assert "Je ne suis pas sûr d'avoir compris" in message["text"]
    # Anywhere else the clarification offers its guesses.
    message, _ = reply(ActionClarify(), text="et à 30 ?", intent="nlu_fallback")
    assert "Je ne suis pas sûr d'avoir compris" in message["text"]
    # Nor read as an answer about oneself (inform): the amount, not the offer of a check.
    message, _ = reply(ActionOfferChecks(), text="et à 30 ?", intent="inform", events=events)
    assert "À 30 ans" in message["text"]


def test_a_bare_age_after_the_salary_answer_read_as_out_of_scope_gets_the_amount():
    from actions.fallback import ActionOutOfScope

    events = after_the_salary_answer() + [{"event": "user", "text": "et à 19 ?"}]
    message, _ = reply(ActionOutOfScope(), text="et à 19 ?", intent="out_of_scope", events=events)
    assert "À 19 ans" in message["text"]
    # Without the salary's answer just before, out of scope stays declined.
    message, _ = reply(ActionOutOfScope(), text="et à 19 ?", intent="out_of_scope")
    assert message["response"] == "utter_out_of_scope"


def after_the_hiring_aids_answer():
    return [{"event": "user", "text": "quelles aides pour l'employeur ?",
             "parse_data": {"intent": {"name": "faq_hiring_aids"}}},
            {"event": "action", "name": "action_answer_faq"}]


@pytest.mark.parametrize("text, intent, age, expected, absent", [
    ("et pour un jeune de 22 ans ?", "faq_salary", "22", "aucune des aides que je connais", "SMIC"),
    ("et à 30 ans ?", "faq_public_age", "30", "jusqu'à 2 000 € de France Travail", "sans limite d'âge"),
    ("et pour un demandeur d'emploi de 50 ans ?", "faq_hiring_aids", "50", "soit jusqu'à 4 000 €", "SMIC"),
])
def test_an_age_after_the_hiring_aids_answer_gets_the_aids_at_that_age(text, intent, age, expected, absent):
    """« et pour un jeune de 22 ans ? » after the aids got the pay at 22 (read as the salary), « et à 30 ans ? » who
    may sign."""
    events = after_the_hiring_aids_answer() + [{"event": "user", "text": text}]
    message, _ = reply(ActionAnswerFaq(), text=text, intent=intent, entities=[entity("age", age)], events=events)
    assert expected in message["text"] and absent not in message["text"]
    assert "Source : France Travail" in message["text"]
    assert [b["payload"] for b in message["buttons"]] == ["/faq_aid_6000_ended", "/faq_employer_cost"]


def test_an_age_said_about_oneself_after_the_aids_answer_is_no_follow_up():
    # Only a bare age follows the aids: « j'ai 23 ans » is a candidate speaking (the offer of a check).
    text = "j'ai 23 ans, je cherche un emploi"
    events = after_the_hiring_aids_answer() + [{"event": "user", "text": text}]
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionOfferChecks().run(dispatcher, make_tracker(text=text, intent="inform",
                                                                 entities=[entity("age", "23")], events=events), {}))
    assert all("aides que je connais" not in (m.get("text") or "") for m in dispatcher.messages)
