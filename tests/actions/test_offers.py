"""Something said outside any question: the offer of the checks, and the check that reuses it."""

import asyncio
import json

import pytest
from action_testlib import entity, make_tracker
from rasa_sdk.executor import CollectingDispatcher
from test_forms import EMPLOYER, PRESCREEN, emptied, opening, run_form

from actions.forms import FORM_SLOTS, FRESH_START_SLOTS
from actions.offers import ActionOfferChecks


def offer(*entities, awaiting=None, expect_awaiting="unchanged", text="..."):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text=text, entities=list(entities), slots={"awaiting": awaiting})
    events = asyncio.run(ActionOfferChecks().run(dispatcher, tracker, {}))
    assert len(dispatcher.messages) == 1
    assert events == ([] if expect_awaiting == "unchanged" else [{"event": "slot", "timestamp": None,
                                                                   "name": "awaiting", "value": expect_awaiting}])
    return dispatcher.messages[0]


def payload_entities(payload: str) -> tuple[str, list[dict]]:
    intent, _, given = payload[1:].partition("{")
    return intent, [entity(name, value) for name, value in json.loads("{" + given).items()] if given else []


def test_a_candidate_who_describes_themselves_is_offered_the_prescreen_with_what_they_said():
    message = offer(entity("age", "45"), entity("situation", "job_seeker"), entity("certification", "RNCP35830"),
                    expect_awaiting="offer_prescreen")
    assert "parcours de VAE inversée vous est accessible. Voulez-vous commencer ?" in message["text"]
    payloads = [b["payload"] for b in message["buttons"]]
    assert payloads[0] == '/start_prescreen{"age":"45","situation":"job_seeker","certification":"RNCP35830"}'
    assert payloads[1] == '/employer_check{"certification":"RNCP35830"}' and payloads[2] == "/help"
    # The button opens the pre-screen with those answers already given.
    intent, entities = payload_entities(payloads[0])
    filled, messages = opening(PRESCREEN, payloads[0], intent, entities)
    assert filled == {"age": 45, "situation": "job_seeker", "target": "RNCP35830"}
    assert "45 ans" in messages[0]


def test_an_entity_that_does_not_read_as_an_answer_gets_no_offer_built_on_it():
    # « aaaaaaa » tagged as a situation got « Merci pour ces précisions. Aucune condition de statut… ».
    message = offer(entity("situation", "aaaaaaa"), expect_awaiting=None, text="aaaaaaa")
    assert message["text"].startswith("Que souhaitez-vous faire ?")
    assert [b["payload"] for b in message["buttons"]] == ["/start_prescreen", "/employer_check", "/help"]


def test_an_employer_is_offered_the_employer_check_first():
    message = offer(entity("employer_kind", "association"), entity("department", "69"),
                    expect_awaiting="offer_employer_check")
    assert "votre structure peut recruter" in message["text"]
    assert message["buttons"][0]["payload"] == '/employer_check{"employer_kind":"association","department":"69"}'
    assert message["buttons"][1]["payload"] == '/start_prescreen{"department":"69"}'


def test_a_sector_alone_or_nothing_understood_offers_both_checks_and_the_menu():
    message = offer(entity("sector", "restauration"), expect_awaiting=None)
    assert message["buttons"][0]["payload"] == "/start_prescreen"
    message = offer(expect_awaiting=None)
    assert message["text"].startswith("Que souhaitez-vous faire ?")
    assert [b["payload"] for b in message["buttons"]] == ["/start_prescreen", "/employer_check", "/help"]


def test_an_offer_does_not_take_the_yes_of_a_consent_question_still_open():
    message = offer(entity("age", "45"), awaiting="consent_candidate", expect_awaiting="unchanged")
    assert message["buttons"][0]["payload"] == '/start_prescreen{"age":"45"}'


@pytest.mark.parametrize(("intent", "offering_action"), [("inform", "action_offer_checks"), ("greet", "action_greet")])
def test_yes_to_the_offer_opens_the_prescreen_with_what_the_offered_message_said(intent, offering_action):
    said = {"event": "user", "text": "j'ai 45 ans et je suis au RSA",
            "parse_data": {"intent": {"name": intent},
                           "entities": [entity("age", "45"), entity("situation", "job_seeker")]}}
    offered = {"event": "action", "name": offering_action}
    yes = {"event": "user", "text": "oui", "parse_data": {"intent": {"name": "affirm"}, "entities": []}}
    reset = [{"event": "action", "name": "action_reset_forms"}, *emptied(FRESH_START_SLOTS)]
    slots = {name: None for name in FORM_SLOTS}
    result, messages = run_form(PRESCREEN, [said, offered, yes, *reset], slots, "oui", "affirm")
    assert {e["name"]: e["value"] for e in result if e["name"] != "requested_slot"} == {
        "age": 45, "situation": "job_seeker"}
    assert messages[0].startswith("Je reprends ce que vous m'avez indiqué : 45 ans, demandeur d'emploi")
    # A yes to something else (here: no offer between the two messages) reuses nothing.
    result, messages = run_form(PRESCREEN, [said, yes, *reset], slots, "oui", "affirm")
    assert [e["name"] for e in result] == ["requested_slot"] and messages == []


def test_a_length_of_time_tagged_as_an_age_is_not_carried():
    message = offer(entity("age", "10"), entity("sector", "aide_domicile"), expect_awaiting=None,
                    text="je suis aide à domicile depuis 10 ans")
    assert message["buttons"][0]["payload"] == "/start_prescreen"


@pytest.mark.parametrize(("text", "age", "carried"), [
    ("je suis gérante d'une SARL dans le 33, on voudrait recruter", "33", False),
    ("on embauche dans le 93", "93", False),
    ("j'ai 18 ans et j'habite dans le 18", "18", True),
])
def test_a_department_number_tagged_as_an_age_is_not_carried(text, age, carried):
    from actions.forms import stated_value

    message = {"text": text, "entities": [entity("age", age)]}
    assert (stated_value(message, "age") is not None) is carried


def test_a_structure_in_a_department_asking_an_employer_question_gets_the_employer_offer():
    text = "bonjour, je suis gérante d'une SARL dans le 33, on voudrait recruter 2 auxiliaires de vie"
    messages, slots = answer_faq(text, "faq_employer_steps", entity("employer_kind", "private"), entity("age", "33"))
    assert slots == {"awaiting": "offer_employer_check"}
    assert messages[1]["buttons"][0]["payload"] == '/employer_check{"employer_kind":"private"}'


def test_a_faq_answer_after_the_offer_closes_it_but_not_a_pending_consent():
    from actions.faq import ActionAnswerFaq

    def answer(awaiting):
        tracker = make_tracker(text="combien je serais payé ?", intent="faq_salary", slots={"awaiting": awaiting})
        dispatcher = CollectingDispatcher()
        events = asyncio.run(ActionAnswerFaq().run(dispatcher, tracker, {}))
        assert "SMIC" in dispatcher.messages[0]["text"]
        return events

    assert answer("offer_prescreen") == [{"event": "slot", "timestamp": None, "name": "awaiting", "value": None}]
    assert answer("offer_employer_check") == [{"event": "slot", "timestamp": None, "name": "awaiting", "value": None}]
    assert answer("consent_candidate") == [] and answer(None) == []


@pytest.mark.parametrize("offering_action", ["action_offer_checks", "action_answer_faq", "action_greet"])
def test_a_yes_to_what_was_said_after_the_offer_starts_no_check(offering_action):
    from actions.leads import ActionResetForms

    def reset(*between):
        events = [{"event": "user", "text": "j'ai 45 ans"}, {"event": "action", "name": offering_action},
                  *between, {"event": "user", "text": "oui"}]
        tracker = make_tracker(text="oui", intent="affirm", slots={"awaiting": "offer_prescreen"}, events=events)
        dispatcher = CollectingDispatcher()
        result = asyncio.run(ActionResetForms().run(dispatcher, tracker, {}))
        return [e for e in result if e["event"] == "followup"], dispatcher.messages

    assert reset() == ([], [])  # the yes answers the offer: the rule opens the form
    followup, messages = reset({"event": "user", "text": "merci"}, {"event": "action", "name": "action_thanks"})
    assert [e["name"] for e in followup] == ["action_listen"] and messages[0]["response"] == "utter_ok"


def test_a_yes_to_an_offer_made_after_thanks_starts_the_check():
    """« merci ! et combien je serai payé à 45 ans ? »: action_thanks answers and offers the pre-screen; « oui »
    takes that offer. Its plain « Avez-vous une autre question ? » offers nothing (test above)."""
    from actions.leads import ActionResetForms

    events = [{"event": "user", "text": "j'ai 45 ans"}, {"event": "action", "name": "action_offer_checks"},
              {"event": "slot", "name": "awaiting", "value": "offer_prescreen"},
              {"event": "user", "text": "merci ! et combien je serai payé ?"}, {"event": "action", "name": "action_thanks"},
              {"event": "slot", "name": "awaiting", "value": "offer_prescreen"}, {"event": "user", "text": "oui"}]
    tracker = make_tracker(text="oui", intent="affirm", slots={"awaiting": "offer_prescreen"}, events=events)
    dispatcher = CollectingDispatcher()
    result = asyncio.run(ActionResetForms().run(dispatcher, tracker, {}))
    assert not [e for e in result if e["event"] == "followup"] and dispatcher.messages == []


def test_an_age_said_outside_the_prescreen_gets_the_age_condition_with_the_offer():
    message = offer(entity("age", "16"), expect_awaiting="offer_prescreen", text="j'ai 16 ans c'est possible ?")
    assert "Vous avez 16 ans : la condition d'âge (16 ans et plus) est remplie." in message["text"]
    assert message["text"].endswith("Voulez-vous commencer ?")
    assert message["buttons"][0]["payload"] == '/start_prescreen{"age":"16"}'
    message = offer(entity("age", "17"), expect_awaiting="offer_prescreen", text="J'ai Dix-Sept ans")  # NLU: 17
    assert "Vous avez 17 ans" in message["text"]


def test_under_the_minimum_age_the_answer_says_so_and_offers_no_check():
    message = offer(entity("age", "15"), awaiting="offer_employer_check", expect_awaiting=None,
                    text="mon fils a 15 ans, il peut signer ?")
    assert "au moins 16 ans" in message["text"] and "15 ans" in message["text"]
    assert [b["payload"] for b in message["buttons"]] == ["/help"]
    # A consent question still open keeps its "oui".
    offer(entity("age", "15"), awaiting="consent_candidate", text="il a 15 ans")


def test_a_number_that_is_not_said_as_an_age_gets_no_age_condition():
    message = offer(entity("age", "3"), entity("situation", "rsa"), expect_awaiting="offer_prescreen",
                    text="j'ai 3 enfants et je touche le RSA")
    assert "condition d'âge" not in message["text"] and "au moins 16 ans" not in message["text"]
    assert message["text"].startswith("Merci pour ces précisions. Aucune condition de statut : votre situation ne "
                                      "vous empêche pas d'entrer dans le dispositif. En quelques questions")


def test_someone_who_says_they_hire_is_offered_the_employer_check_first():
    # « je suis employeur » carries no employer_kind entity (the NLU read inform at 0.55).
    message = offer(text="je suis employeur", expect_awaiting="offer_employer_check")
    assert "votre structure peut recruter" in message["text"]
    assert [b["payload"] for b in message["buttons"]][0] == "/employer_check"
    # A candidate who looks for an employer is not one.
    message = offer(text="je cherche un employeur", expect_awaiting=None)
    assert message["text"].startswith("Que souhaitez-vous faire ?")


@pytest.mark.parametrize("text", ["nous sommes un ehpad", "notre entreprise de nettoyage cherche du monde"])
def test_a_structure_describing_itself_is_offered_the_employer_check_with_its_sector(text):
    sector = "sanitaire_social" if "ehpad" in text else "proprete"
    message = offer(entity("sector", sector), text=text, expect_awaiting="offer_employer_check")
    assert "votre structure peut recruter" in message["text"]
    assert message["buttons"][0]["payload"] == f'/employer_check{{"sector":"{sector}"}}'
    # A sector alone, said by a candidate, does not make an employer.
    message = offer(entity("sector", sector), text="je voudrais travailler en ehpad", expect_awaiting=None)
    assert message["text"].startswith("Que souhaitez-vous faire ?")


def answer_offer(text, *entities, awaiting):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text=text, entities=list(entities), slots={"awaiting": awaiting})
    events = asyncio.run(ActionOfferChecks().run(dispatcher, tracker, {}))
    return dispatcher.messages, [e["name"] for e in events if e["event"] == "followup"]


@pytest.mark.parametrize(("text", "entities", "awaiting", "form"), [
    # « associatif » got the employer check's offer: a job, a place, a number of hires answer it.
    ("aide-soignant", [entity("certification", "aide-soignant")], "offer_employer_check", "employer_form"),
    ("2 personnes", [], "offer_employer_check", "employer_form"),
    ("dans le Var", [entity("department", "Var")], "offer_prescreen", "prescreen_form"),
])
def test_an_offer_answered_with_a_detail_of_its_check_starts_the_check(text, entities, awaiting, form):
    messages, followups = answer_offer(text, *entities, awaiting=awaiting)
    assert messages == [] and followups == [form]


def test_an_age_or_situation_after_the_employer_offer_is_a_candidates_and_gets_the_other_offer():
    message = offer(entity("age", "30"), awaiting="offer_employer_check", expect_awaiting="offer_prescreen",
                    text="j'ai 30 ans")
    assert "un parcours de VAE inversée vous est accessible" in message["text"]
    # Without an offer made before, a job is a candidate's, and a number of hires says nothing.
    message = offer(entity("certification", "aide-soignant"), expect_awaiting="offer_prescreen", text="aide-soignant")
    assert "un parcours de VAE inversée vous est accessible" in message["text"]
    assert offer(expect_awaiting=None, text="2 personnes")["text"].startswith("Que souhaitez-vous faire ?")


def answer_faq(text, intent, *entities, active_loop=None, slots=None):
    from rasa_sdk import Tracker

    from actions.faq import ActionAnswerFaq

    base = make_tracker(text=text, intent=intent, entities=list(entities), slots=slots)
    tracker = Tracker(base.sender_id, base.slots, base.latest_message, [], False, None,
                      {"name": active_loop} if active_loop else {}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionAnswerFaq().run(dispatcher, tracker, {}))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_a_question_about_oneself_gets_the_answer_then_the_offer_of_the_prescreen():
    messages, slots = answer_faq("j'ai 52 ans, c'est possible pour moi ?", "faq_public_age", entity("age", "52"))
    assert "16 ans" in messages[0]["text"]
    assert "si un parcours vous est accessible ?" in messages[1]["text"]
    assert [b["payload"] for b in messages[1]["buttons"]] == ['/start_prescreen{"age":"52"}', "/help"]
    assert slots == {"awaiting": "offer_prescreen"}
    messages, _ = answer_faq("je touche le RSA, je peux postuler ?", "faq_status", entity("situation", "job_seeker"))
    assert messages[1]["buttons"][0]["payload"] == '/start_prescreen{"situation":"job_seeker"}'
    messages, _ = answer_faq("je suis en cdi depuis 3 ans, mon employeur peut me proposer ça ?", "faq_cdi_avenant",
                             entity("situation", "employee_cdi"))
    assert "avenant" in messages[0]["text"]
    assert messages[1]["buttons"][0]["payload"] == '/start_prescreen{"situation":"employee_cdi"}'


@pytest.mark.parametrize(("text", "intent", "told"), [
    ("bonjour, je suis chargée de mission dans un OPCO", "faq_individual_apply", True),
    ("nous sommes un organisme de formation, comment candidater ?", "faq_france_vae_platform", True),
    ("qui valide les projets ?", "faq_sponsor_who", False),  # no sponsor speaking
])
def test_a_sponsor_introducing_itself_is_told_how_leads_reach_sponsors_here(text, intent, told):
    messages, _ = answer_faq(text, intent)
    assert "xp.cprovae@emploi.gouv.fr" in messages[0]["text"]
    assert ([m.get("response") for m in messages[1:]] == ["utter_sponsor_bot"]) is told


def test_a_wish_for_a_certification_gets_the_answer_then_the_offer_of_the_prescreen():
    messages, slots = answer_faq("je suis aide à domicile depuis 5 ans sans diplôme, je voudrais le DEAES",
                                 "faq_certifications", entity("certification", "DEAES"))
    assert "RNCP" in messages[0]["text"] and "si un parcours vous est accessible" in messages[1]["text"]
    assert messages[1]["buttons"][0]["payload"].startswith('/start_prescreen{"certification":')
    assert slots == {"awaiting": "offer_prescreen"}
    # A question about a certification, or an employer's wish, is no candidate's wish: the answer alone.
    messages, _ = answer_faq("je voudrais savoir si le DEAES peut être visé ?", "faq_certifications",
                             entity("certification", "DEAES"))
    assert len(messages) == 1
    messages, _ = answer_faq("nous sommes un ehpad, je voudrais recruter pour le DEAES", "faq_certifications",
                             entity("certification", "DEAES"))
    assert "si un parcours vous est accessible" not in " ".join(m["text"] for m in messages)


def test_a_structure_asking_an_employer_question_gets_the_answer_then_the_offer_of_the_employer_check():
    messages, slots = answer_faq("on est une crèche privée et on voudrait embaucher", "faq_employer_steps",
                                 entity("sector", "petite_enfance"))
    assert "Cerfa" in messages[0]["text"]
    assert "si votre structure peut recruter en VAE inversée ?" in messages[1]["text"]
    assert [b["payload"] for b in messages[1]["buttons"]] == ['/employer_check{"sector":"petite_enfance"}', "/help"]
    assert slots == {"awaiting": "offer_employer_check"}
    messages, _ = answer_faq("je dirige un ehpad, quelles aides pour embaucher ?", "faq_hiring_aids")
    assert messages[1]["buttons"][0]["payload"] == "/employer_check"
    messages, _ = answer_faq("je dirige une crèche, la petite enfance est concernée ?", "faq_sectors",
                             entity("sector", "petite_enfance"))
    assert messages[1]["buttons"][0]["payload"] == '/employer_check{"sector":"petite_enfance"}'


def test_how_to_enter_promises_help_to_find_sponsors_and_offers_the_prescreen_that_gives_it():
    messages, slots = answer_faq("je voudrais postuler à une vae inversée", "faq_individual_apply")
    assert "porteur de projet" in messages[0]["text"]
    assert messages[1]["text"] == ("Voulez-vous vérifier avec moi, en quelques questions, si un parcours vous est "
                                   "accessible ?")  # nothing said to reuse: no « Je reprendrai … »
    assert [b["payload"] for b in messages[1]["buttons"]] == ["/start_prescreen", "/help"]
    assert slots == {"awaiting": "offer_prescreen"}
    messages, slots = answer_faq("nous sommes une entreprise, comment postuler ?", "faq_individual_apply")
    assert "si un parcours vous est accessible" not in " ".join(m["text"] for m in messages)


@pytest.mark.parametrize("text", ["on voudrait recruter 3 aides-soignants en vae inversée, c'est faisable ?",
                                  "nous souhaitons embaucher, comment faire ?"])
def test_a_wish_to_hire_gets_the_employer_steps_then_the_offer_of_the_employer_check(text):
    messages, slots = answer_faq(text, "faq_employer_steps")
    assert "Cerfa" in messages[0]["text"] and "si votre structure peut recruter" in messages[1]["text"]
    assert slots == {"awaiting": "offer_employer_check"}


@pytest.mark.parametrize(("text", "intent", "slots"), [
    ("quelles aides pour l'employeur ?", "faq_hiring_aids", {}),  # no one described
    ("je voudrais travailler dans une crèche, quelles aides pour l'employeur ?", "faq_hiring_aids", {}),
    ("je voudrais travailler dans une crèche, la petite enfance est concernée ?", "faq_sectors", {}),
    ("nous sommes une association, combien de mois ça dure ?", "faq_duration", {}),  # not an employer's question
    ("nous sommes un ehpad, combien ça coûte ?", "faq_employer_cost", {"employer_kind": "private"}),  # checked
])
def test_no_employer_offer_without_a_structure_describing_itself_or_after_its_check(text, intent, slots):
    messages, set_slots = answer_faq(text, intent, slots=slots)
    assert len(messages) == 1 and "awaiting" not in set_slots


def test_no_employer_offer_to_a_public_employer_whose_answer_says_it_cannot():
    messages, slots = answer_faq("je suis rh dans un hôpital public, on peut recruter ?", "faq_public_employers",
                                 entity("employer_kind", "public"))
    assert "droit privé" in messages[0]["text"] and len(messages) == 1 and "awaiting" not in slots
    messages, _ = answer_faq("je suis rh dans une clinique, on peut recruter ?", "faq_public_employers",
                             entity("employer_kind", "private"))
    assert len(messages) == 2


@pytest.mark.parametrize(("text", "intent", "entities", "active_loop"), [
    ("à partir de quel âge ?", "faq_public_age", [], None),  # nothing said about oneself
    ("j'ai 15 ans, c'est possible ?", "faq_public_age", [entity("age", "15")], None),  # the answer already says no
    ("j'ai 30 ans, combien de mois ça dure ?", "faq_duration", [entity("age", "30")], None),  # not about oneself
    ("et à 17 ans, c'est possible ?", "faq_public_age", [entity("age", "17")], None),  # nor this
    ("et à 52 ans c'est possible ?", "faq_public_age", [entity("age", "52")], "prescreen_form"),  # already checking
])
def test_no_offer_after_an_answer_that_is_not_about_oneself_or_during_a_check(text, intent, entities, active_loop):
    messages, slots = answer_faq(text, intent, *entities, active_loop=active_loop)
    assert len(messages) == 1 and "awaiting" not in slots


def test_yes_to_the_offer_after_an_answer_opens_the_prescreen_with_the_age_said():
    said = {"event": "user", "text": "j'ai 52 ans, c'est possible pour moi ?",
            "parse_data": {"intent": {"name": "faq_public_age"}, "entities": [entity("age", "52")]}}
    answered = {"event": "action", "name": "action_answer_faq"}
    yes = {"event": "user", "text": "oui", "parse_data": {"intent": {"name": "affirm"}, "entities": []}}
    reset = [{"event": "action", "name": "action_reset_forms"}, *emptied(FRESH_START_SLOTS)]
    result, messages = run_form(PRESCREEN, [said, answered, yes, *reset], {name: None for name in FORM_SLOTS}, "oui",
                                "affirm")
    assert {e["name"]: e["value"] for e in result if e["name"] != "requested_slot"} == {"age": 52}
    assert messages[0].startswith("Je reprends ce que vous m'avez indiqué : 52 ans")


@pytest.mark.parametrize(("text", "confidence", "starts"), [
    ("est-ce qu'on peut être à temps partiel ?", 0.29, False),  # a question read as start_prescreen, unsure
    ("est-ce que je suis éligible ?", 0.93, True),
    ("je veux voir si ça marche pour moi", 0.41, True),  # unsure, but no question: the check starts
])
def test_an_unsure_question_read_as_starting_a_check_gets_the_best_guesses_instead(text, confidence, starts):
    from actions.leads import ActionResetForms

    ranking = [{"name": "start_prescreen", "confidence": confidence}, {"name": "faq_working_time", "confidence": 0.2}]
    tracker = make_tracker(text=text, intent="start_prescreen", confidence=confidence, ranking=ranking,
                           slots={"awaiting": "consent_candidate"})
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionResetForms().run(dispatcher, tracker, {}))
    if starts:
        assert dispatcher.messages == [] and {"name": "awaiting", "value": None} in [
            {k: e.get(k) for k in ("name", "value")} for e in events]
    else:
        [message] = dispatcher.messages
        assert "pas sûr d'avoir compris" in message["text"]
        assert [b["payload"] for b in message["buttons"]] == ["/start_prescreen", "/faq_working_time", "/help"]
        assert events == [{"event": "followup", "timestamp": None, "name": "action_listen"}]  # nothing reset


def test_yes_after_the_same_offer_made_twice_reuses_both_messages_the_later_winning():
    def said(text, intent, *entities):
        return {"event": "user", "text": text, "parse_data": {"text": text, "intent": {"name": intent},
                                                               "entities": list(entities)}}

    def offered(action, offer):
        return [{"event": "action", "name": action}, {"event": "slot", "name": "awaiting", "value": offer}]

    yes = said("oui", "affirm")
    reset = [{"event": "action", "name": "action_reset_forms"}, *emptied(FRESH_START_SLOTS)]
    slots = {name: None for name in FORM_SLOTS}
    ehpad = [said("nous sommes un ehpad dans le Var", "greet", entity("sector", "sanitaire_social"),
                  entity("department", "Var")), *offered("action_greet", "offer_employer_check")]
    private = [said("entreprise privée, dans le Nord", "inform", entity("employer_kind", "private"),
                    entity("department", "Nord")), *offered("action_offer_checks", "offer_employer_check")]
    result, _ = run_form(EMPLOYER, [*ehpad, *private, yes, *reset], slots, "oui", "affirm")
    assert {e["name"]: e["value"] for e in result if e["name"] != "requested_slot"} == {
        "employer_kind": "private", "sector": "sanitaire_social", "department": "59"}
    # An offer of the other check in between: only what got the offer answered is reused.
    thirty = [said("j'ai 30 ans", "inform", entity("age", "30")), *offered("action_offer_checks", "offer_prescreen")]
    result, _ = run_form(EMPLOYER, [*ehpad, *thirty, *private, yes, *reset], slots, "oui", "affirm")
    assert {e["name"]: e["value"] for e in result if e["name"] != "requested_slot"} == {
        "employer_kind": "private", "department": "59"}


def test_the_check_started_by_a_detail_reuses_it_and_what_got_the_offer():
    ehpad = {"event": "user", "text": "nous sommes un ehpad",
             "parse_data": {"text": "nous sommes un ehpad", "intent": {"name": "greet"},
                            "entities": [entity("sector", "sanitaire_social")]}}
    offered = [{"event": "action", "name": "action_greet"},
               {"event": "slot", "name": "awaiting", "value": "offer_employer_check"}]
    private = {"event": "user", "text": "entreprise privée", "parse_data": {
        "text": "entreprise privée", "intent": {"name": "inform"}, "entities": [entity("employer_kind", "private")]}}
    started = [{"event": "action", "name": "action_offer_checks"},
               *emptied(FRESH_START_SLOTS)]
    result, messages = run_form(EMPLOYER, [ehpad, *offered, private, *started], {name: None for name in FORM_SLOTS},
                                "entreprise privée", entities=[entity("employer_kind", "private")])
    assert {e["name"]: e["value"] for e in result if e["name"] != "requested_slot"} == {
        "employer_kind": "private", "sector": "sanitaire_social"}
    assert messages[0].startswith("Je reprends ce que vous m'avez indiqué : entreprise privée")


def test_an_unsure_wish_to_start_the_employer_check_said_by_a_structure_gets_the_offer_of_that_check():
    from actions.leads import ActionResetForms

    text = "bonjour tout le monde ! je suis une entreprise, je peux recruter avec ce dispositif ?"
    ranking = [{"name": "employer_check", "confidence": 0.45}, {"name": "faq_public_employers", "confidence": 0.2}]
    tracker = make_tracker(text=text, intent="employer_check", confidence=0.45, ranking=ranking)
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionResetForms().run(dispatcher, tracker, {}))
    [message] = dispatcher.messages
    assert "votre structure peut recruter" in message["text"] and message["buttons"][0]["payload"] == "/employer_check"
    assert {"event": "slot", "timestamp": None, "name": "awaiting", "value": "offer_employer_check"} in events
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "action_listen"}
    # « oui » then opens the check with what the first message said.
    first = {"event": "user", "text": text, "parse_data": {"text": text, "intent": {"name": "employer_check"},
                                                         "entities": []}}
    yes = {"event": "user", "text": "oui", "parse_data": {"intent": {"name": "affirm"}, "entities": []}}
    offered = [first, {"event": "action", "name": "action_reset_forms"}, *events, yes]
    tracker = make_tracker(text="oui", intent="affirm", slots={"awaiting": "offer_employer_check"}, events=offered)
    assert asyncio.run(ActionResetForms().run(CollectingDispatcher(), tracker, {}))[-1]["event"] != "followup"
    reset = [{"event": "action", "name": "action_reset_forms"}, *emptied(FRESH_START_SLOTS)]
    result, messages = run_form(EMPLOYER, [*offered, *reset], {name: None for name in FORM_SLOTS}, "oui", "affirm")
    assert {e["name"]: e["value"] for e in result if e["name"] != "requested_slot"} == {"employer_kind": "private"}



@pytest.mark.parametrize(("text", "intent", "entities", "answer"), [
    ("je dirige une entreprise de nettoyage, si j'embauche quelqu'un de 52 ans au chômage, j'ai droit à quoi ?",
     "employer_check", [entity("age", "52")], "2 000 €"),
    ("j'ai 23 ans, je voudrais vérifier si je peux le faire et combien je serai payé", "start_prescreen",
     [entity("age", "23")], "À 23 ans"),
    ("je touche le RSA, est-ce que je peux postuler ?", "start_prescreen", [entity("situation", "job_seeker")],
     "aucune condition de statut"),
    ("je suis fonctionnaire, puis-je en bénéficier ?", "start_prescreen", [], "aucune condition de statut"),
    ("je voudrais vérifier si je peux le faire", "start_prescreen", [], None),
    ("on voudrait vérifier si on peut recruter", "employer_check", [], None),
])
def test_a_question_asked_with_the_wish_to_start_a_check_is_answered_before_its_first_question(text, intent, entities,
                                                                                                answer):
    from actions.leads import ActionResetForms

    tracker = make_tracker(text=text, intent=intent, confidence=0.8, entities=entities)
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionResetForms().run(dispatcher, tracker, {}))
    assert [e for e in events if e["event"] == "followup"] == []  # the check starts
    if answer is None:
        assert dispatcher.messages == []
    else:
        [message] = dispatcher.messages
        assert answer in message["text"]


@pytest.mark.parametrize(("text", "entities", "awaiting", "opens"), [
    ("je suis un GEIQ et je cherche des candidats", [entity("employer_kind", "private")], None, None),
    ("nous sommes une crèche, on peut en profiter ?", [], None, None),
    # The employer check already offered: the structure's « on peut ? » takes it.
    ("on est un ehpad, on peut en bénéficier ?", [], "offer_employer_check", "employer_form"),
])
def test_a_structure_read_as_starting_the_prescreen_is_offered_the_employer_check_not_asked_its_age(
        text, entities, awaiting, opens):
    from actions.leads import ActionResetForms

    tracker = make_tracker(text=text, intent="start_prescreen", confidence=0.59, entities=entities,
                           slots={"awaiting": awaiting})
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionResetForms().run(dispatcher, tracker, {}))
    followups = [e["name"] for e in events if e["event"] == "followup"]
    if opens:
        assert followups == [opens] and dispatcher.messages == []
        return
    [message] = dispatcher.messages
    assert "si votre structure peut recruter" in message["text"]
    assert message["buttons"][0]["payload"].startswith("/employer_check")
    assert followups == ["action_listen"]
    assert {"event": "slot", "timestamp": None, "name": "awaiting", "value": "offer_employer_check"} in events


@pytest.mark.parametrize(("text", "starts"), [
    ("est-ce possible en restant dans mon entreprise actuelle ?", False),
    ("mon employeur peut-il utiliser ce contrat pour moi ?", False),
    ("je suis employeur, je voudrais vérifier si mon entreprise peut recruter", True),
    ("vérifier si ma structure est éligible", True),  # « ma structure » from a structure is its own
])
def test_an_employee_read_as_starting_the_employer_check_gets_the_cdi_answer(text, starts):
    from actions.leads import ActionResetForms

    tracker = make_tracker(text=text, intent="employer_check", confidence=0.5)
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionResetForms().run(dispatcher, tracker, {}))
    followups = [e["name"] for e in events if e["event"] == "followup"]
    if starts:
        assert dispatcher.messages == [] and followups == []
    else:
        [message] = dispatcher.messages
        assert "avenant" in message["text"] and followups == ["action_listen"]


@pytest.mark.parametrize(("text", "resets"), [("on peut le refaire ?", False), ("recommencer", True)])
def test_asking_to_do_the_contract_again_during_a_check_resets_nothing(text, resets):
    from actions.leads import ActionResetForms

    tracker = make_tracker(text=text, intent="start_over", confidence=0.7, slots={"age": 30})
    tracker.active_loop = {"name": "prescreen_form"}
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionResetForms().run(dispatcher, tracker, {}))
    reset = {e["name"] for e in events if e["event"] == "slot" and e["value"] is None}
    assert ("age" in reset) is resets
    assert ("renouveler le contrat" in " ".join(m.get("text") or "" for m in dispatcher.messages)) is not resets


def test_a_candidate_read_as_starting_the_prescreen_gets_its_first_question():
    from actions.leads import ActionResetForms

    tracker = make_tracker(text="je suis aide à domicile, est-ce que je suis éligible ?", intent="start_prescreen",
                           confidence=0.9)
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionResetForms().run(dispatcher, tracker, {}))
    assert dispatcher.messages == [] and not [e for e in events if e["event"] == "followup"]


@pytest.mark.parametrize(("text", "entities", "offered"), [
    ("je suis à la retraite, c'est possible ?", [entity("situation", "retraite")], True),
    ("quel temps fait-il à Paris ?", [], False),
    ("je cherche un appartement à Lyon", [], False),  # the first person, yet no age nor situation
])
def test_out_of_scope_is_declined_unless_the_speaker_describes_themselves(text, entities, offered):
    from actions.fallback import ActionOutOfScope

    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text=text, intent="out_of_scope", entities=entities)
    events = asyncio.run(ActionOutOfScope().run(dispatcher, tracker, {}))
    [message] = dispatcher.messages
    if offered:
        assert "si un parcours de VAE inversée vous est accessible" in message["text"]
        assert {"event": "slot", "timestamp": None, "name": "awaiting", "value": "offer_prescreen"} in events
    else:
        assert message["response"] == "utter_out_of_scope" and events == []
