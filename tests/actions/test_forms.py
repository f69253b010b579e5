"""Each form question: what is accepted, and the re-ask that says what is expected."""

import asyncio
import json

import pytest
from action_testlib import entity, make_tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import ValidateEmployerForm, ValidatePrescreenForm
from actions.parsing import parse_age, parse_contact, words_to_number
from knowledge import load_knowledge

PRESCREEN = ValidatePrescreenForm()
EMPLOYER = ValidateEmployerForm()


def validate(form, slot, value, **tracker_args):
    dispatcher = CollectingDispatcher()
    result = getattr(form, f"validate_{slot}")(value, dispatcher, make_tracker(text=str(value), **tracker_args), {})
    return result, [m.get("text") or "" for m in dispatcher.messages], dispatcher.messages


@pytest.mark.parametrize(
    ("said", "age"),
    [("17", 17), ("j'ai 45 ans", 45), ("dix-sept ans", 17), ("j'ai quarante-cinq ans", 45),
     ("vingt et un", 21), ("quatre-vingt-deux ans", 82), ("soixante-dix", 70), ("16 ans", 16)],
)
def test_ages_in_digits_and_words(said, age):
    result, messages, _ = validate(PRESCREEN, "age", said)
    assert result == {"age": age} and messages == []


@pytest.mark.parametrize(("said", "expected"), [("abc", "en chiffres"), ("", "en chiffres"),
                                                ("150 ans", "entre 0 et 120"), ("-3", "entre 0 et 120")])
def test_bad_ages_are_asked_again_with_what_is_expected(said, expected):
    result, messages, _ = validate(PRESCREEN, "age", said)
    assert result == {"age": None}
    assert len(messages) == 1 and expected in messages[0]


def answered_age(age):
    """The events of a pre-screen where "age" was answered, the situation asked, and a new message came."""
    return [{"event": "slot", "name": "age", "value": age}, {"event": "slot", "name": "requested_slot", "value": "situation"},
            {"event": "user", "text": "..."}]


def test_a_later_age_replaces_the_first_and_the_person_is_told_both():
    slots = {"age": 17, "requested_slot": "situation", "situation": None}
    result, messages = run_form(PRESCREEN, answered_age(17), slots, "en fait j'ai 45 ans",
                                entities=[entity("age", "45")])
    assert any(e["name"] == "age" and e["value"] == 45 for e in result)
    assert any("45 ans (au lieu de 17 ans)" in m for m in messages)


@pytest.mark.parametrize("asked", ["target", "department", "contact_preference"])
def test_a_correction_of_the_age_is_not_also_taken_as_the_answer_to_the_question_asked(asked):
    slots = {"age": 25, "situation": "job_seeker", "target": "RNCP35830", "requested_slot": asked, asked: None}
    events = answered_age(25)[:1] + [{"event": "slot", "name": "requested_slot", "value": asked},
                                     {"event": "user", "text": "en fait j'ai 40 ans"}]
    result, messages = run_form(PRESCREEN, events, slots, "en fait j'ai 40 ans", entities=[entity("age", "40")])
    assert [m for m in messages if m] == ["C'est noté, je retiens votre dernière réponse : 40 ans (au lieu de 25 ans)."]
    assert {e["name"]: e["value"] for e in result if e["name"] != "requested_slot"} == {"age": 40}


@pytest.mark.parametrize("intent", ["inform", "faq_public_age"])
def test_an_age_asked_right_after_the_salary_answer_is_a_question_not_a_correction(intent):
    # In the pre-screen, "quel salaire pour moi ?" got the amount at 19; "et à 22 ans ?" asks it at 22. It must
    # neither replace the age given nor be taken as the job asked (the FAQ or clarification action answers it).
    slots = {"age": 19, "situation": "student", "requested_slot": "target", "target": None}
    events = [{"event": "slot", "name": "age", "value": 19}, {"event": "slot", "name": "requested_slot", "value": "target"},
              {"event": "user", "text": "quel salaire pour moi ?", "parse_data": {"intent": {"name": "faq_salary"}}},
              {"event": "action", "name": "action_answer_faq"}, {"event": "user", "text": "et à 22 ans ?"}]
    result, messages = run_form(PRESCREEN, events, slots, "et à 22 ans ?", intent=intent,
                                entities=[entity("age", "22")])
    assert not any(e["name"] in ("age", "target") and e["value"] is not None for e in result)
    assert not any("au lieu de" in m for m in messages)
    # Without the salary question just before, the same words correct the age.
    result, messages = run_form(PRESCREEN, events[:2] + [events[-1]], slots, "et à 22 ans ?", intent=intent,
                                entities=[entity("age", "22")])
    assert any(e["name"] == "age" and e["value"] == 22 for e in result)


@pytest.mark.parametrize(("text", "tagged"), [("75", "75"), ("depuis 10 ans", "10")])
def test_a_number_that_is_not_said_as_an_age_does_not_change_the_age(text, tagged):
    slots = {"age": 52, "requested_slot": "department", "department": None}
    events = answered_age(52)[:1] + [{"event": "slot", "name": "requested_slot", "value": "department"},
                                     {"event": "user", "text": text}]
    result, messages = run_form(PRESCREEN, events, slots, text, entities=[entity("age", tagged)])
    assert not any(e["name"] == "age" for e in result)
    assert not any("au lieu de" in m for m in messages)


def test_a_faq_question_is_not_taken_as_the_answer():
    tracker = make_tracker(text="c'est quoi la durée max du contrat ?", intent="faq_duration",
                           slots={"requested_slot": "age"})
    assert PRESCREEN.extract_age(CollectingDispatcher(), tracker, {}) == {}


def test_an_answer_misread_as_a_faq_still_counts_when_it_parses():
    tracker = make_tracker(text="Lyon", intent="faq_sectors", slots={"requested_slot": "department"})
    assert PRESCREEN.extract_department(CollectingDispatcher(), tracker, {}) == {"department": "Lyon"}


def test_not_knowing_ones_situation_is_told_that_none_is_required():
    result, messages, _ = validate(PRESCREEN, "situation", "je ne sais pas", intent="dont_know")
    assert result == {"situation": None} and "aucune situation particulière n'est exigée" in messages[0]
    result, messages, _ = validate(PRESCREEN, "situation", "bof")
    assert result == {"situation": None} and messages == ["Je n'ai pas compris votre situation."]


@pytest.mark.parametrize("said", ["salarié", "je suis salariée", "j'ai un emploi"])
def test_employed_without_the_contract_is_asked_which_contract(said):
    result, messages, _ = validate(PRESCREEN, "situation", said)
    assert result == {"situation": None} and "avec quel contrat ? En CDI, en CDD ou en intérim" in messages[0]
    assert validate(PRESCREEN, "situation", "salarié en CDD")[0] == {"situation": "employee_cdd"}


@pytest.mark.parametrize(("said", "kept", "told"), [
    ("aide-soignant", {"target": "RNCP35830"}, "C'est noté pour le métier visé : Diplôme d'État d'aide-soignant"),
    ("Nantes", {"department": "44"}, "C'est noté pour le lieu : Loire-Atlantique (44)"),
])
def test_a_job_or_a_place_said_at_the_situation_question_is_kept_for_its_own_question(said, kept, told):
    result, messages, _ = validate(PRESCREEN, "situation", said)
    assert result == {"situation": None, **kept}
    assert messages[0].startswith(told) and messages[0].endswith("Il me faut encore votre situation.")


def test_a_number_at_the_situation_question_is_told_what_is_asked_now():
    result, messages, _ = validate(PRESCREEN, "situation", "45")
    assert result == {"situation": None} and messages == ["Il me faut maintenant votre situation."]


def test_a_message_without_words_read_as_a_faq_is_a_wrong_answer_not_a_question():
    # « 3 » at the job question, read as the duration question at 0.28, got the duration answer.
    tracker = make_tracker(text="3", intent="faq_duration", confidence=0.28, slots={"requested_slot": "target"})
    assert EMPLOYER.extract_target(CollectingDispatcher(), tracker, {}) == {"target": "3"}
    result, messages, _ = validate(EMPLOYER, "target", "3", intent="faq_duration", slots={"requested_slot": "target"})
    assert result == {"target": None} and "Je ne trouve pas ce métier" in messages[0]
    # Numbers joined by « ou », « à » are no words either (« 3 ou 4 » got the duration answer).
    tracker = make_tracker(text="3 ou 4", intent="faq_duration", confidence=0.4, slots={"requested_slot": "target"})
    assert EMPLOYER.extract_target(CollectingDispatcher(), tracker, {}) == {"target": "3 ou 4"}
    # With words, it stays a question.
    tracker = make_tracker(text="3 ans max ?", intent="faq_duration", slots={"requested_slot": "target"})
    assert EMPLOYER.extract_target(CollectingDispatcher(), tracker, {}) == {}


@pytest.mark.parametrize(("form", "slot", "text", "intent", "expected"), [
    (PRESCREEN, "age", "abc", "stop", "en chiffres"),
    (PRESCREEN, "situation", "bof", "goodbye", "pas compris votre situation"),
    (EMPLOYER, "hires", "euh", "start_over", "nombre de recrutements"),
    (EMPLOYER, "sector", "zz", "start_prescreen", "pas reconnu ce secteur"),
])
def test_an_unsure_reading_as_leaving_the_form_is_checked_as_an_answer_and_the_re_ask_says_how_to_leave(
        form, slot, text, intent, expected):
    from actions.forms import LEAVE_HINT

    events = [{"event": "slot", "name": "requested_slot", "value": slot}, {"event": "user", "text": text}]
    result, messages = run_form(form, events, {"requested_slot": slot, slot: None}, text, intent, confidence=0.27)
    assert any(e["name"] == slot and e["value"] is None for e in result)  # validated: the form goes on
    assert len(messages) == 2 and expected in messages[0] and messages[1] == LEAVE_HINT


def test_a_sure_reading_as_leaving_the_form_is_not_taken_as_an_answer():
    events = [{"event": "slot", "name": "requested_slot", "value": "age"}, {"event": "user", "text": "stop"}]
    result, messages = run_form(PRESCREEN, events, {"requested_slot": "age", "age": None}, "stop", "stop",
                                confidence=0.96)
    assert not any(e["name"] == "age" for e in result) and messages == []  # Rasa rejects the form: the rule stops it


def test_an_unsure_reading_as_leaving_that_parses_as_an_answer_is_taken_without_the_hint():
    events = [{"event": "slot", "name": "requested_slot", "value": "department"}, {"event": "user", "text": "Lyon"}]
    result, messages = run_form(PRESCREEN, events, {"requested_slot": "department", "department": None}, "Lyon",
                                "goodbye", confidence=0.3)
    assert any(e["name"] == "department" and e["value"] == "69" for e in result) and messages == []


def test_other_slots_are_not_filled_from_an_answer_to_another_question():
    tracker = make_tracker(text="Lyon", slots={"requested_slot": "age"})
    assert PRESCREEN.extract_department(CollectingDispatcher(), tracker, {}) == {}


@pytest.mark.parametrize(("said", "code"), [("93", "93"), ("Lyon", "69"), ("dans le 93", "93"),
                                            ("Seine-Saint-Denis", "93"), ("j'habite à Marseille", "13"), ("2a", "2A"),
                                            ("75011", "75"), ("code postal 97400", "974")])
def test_departments_by_number_name_or_city(said, code):
    result, messages, _ = validate(PRESCREEN, "department", said)
    assert result == {"department": code} and messages == []


def test_unknown_department_is_asked_again():
    result, messages, _ = validate(PRESCREEN, "department", "Atlantide")
    assert result == {"department": None} and "numéro" in messages[0]


@pytest.mark.parametrize(("said", "situation"), [("je suis au chômage", "job_seeker"), ("au RSA", "job_seeker"),
                                                 ("en CDI", "employee_cdi"), ("intérimaire", "temp_worker"),
                                                 ("auto-entrepreneur", "self_employed")])
def test_situations_from_free_text(said, situation):
    assert validate(PRESCREEN, "situation", said)[0] == {"situation": situation}


def test_situation_from_button_entity_and_unknown_situation_said_without_repeating_the_buttons():
    assert validate(PRESCREEN, "situation", '/inform', entities=[entity("situation", "student")])[0] == {
        "situation": "student"}
    result, messages, raw = validate(PRESCREEN, "situation", "bof")
    # The form asks the question again right after, with its buttons: one set of buttons, not two.
    assert result == {"situation": None} and "pas compris" in messages[0] and not raw[0].get("buttons")


def test_cdi_amendment_is_asked_only_in_cdi_and_contact_value_only_for_phone_or_email():
    def required(slots):
        return asyncio.run(PRESCREEN.required_slots([], CollectingDispatcher(), make_tracker(slots=slots), {}))

    assert "cdi_amendment" not in required({"situation": "job_seeker"})
    assert "cdi_amendment" in required({"situation": "employee_cdi"})
    assert "contact_value" not in required({"contact_preference": "chat"})
    assert "contact_value" in required({"contact_preference": "phone"})


@pytest.mark.parametrize(("value", "expected"), [("affirm", True), ("deny", False), ("dont_know", "unknown")])
def test_cdi_amendment_answers(value, expected):
    assert validate(PRESCREEN, "cdi_amendment", value)[0] == {"cdi_amendment": expected}


def test_target_by_misspelt_name_by_button_and_unknown():
    assert validate(PRESCREEN, "target", "aide soigante")[0] == {"target": "RNCP35830"}
    assert validate(PRESCREEN, "target", "/inform", entities=[entity("certification", "RNCP35830")])[0] == {
        "target": "RNCP35830"}
    result, messages, _ = validate(PRESCREEN, "target", "astronaute")
    assert result == {"target": None} and "Je ne trouve pas « astronaute »" in messages[0]
    assert "je ne sais pas" in messages[0]


def test_a_title_typed_whole_is_that_certification_whatever_part_the_nlu_tagged():
    title = "Titre professionnel Assistant de vie aux familles (ADVF)"
    assert validate(EMPLOYER, "target", title, intent="nlu_fallback",
                    entities=[entity("certification", "Titre professionnel")])[0] == {"target": "RNCP37715"}


def test_near_titles_of_another_sector_than_the_one_chosen_are_not_proposed():
    # « agent de propreté » resembles « CAP Accompagnant éducatif petite enfance » (« agent »).
    _, _, raw = validate(EMPLOYER, "target", "agent de propreté")
    assert any("petite enfance" in b["title"] for b in raw[0]["buttons"])
    result, messages, raw = validate(EMPLOYER, "target", "agent de propreté", slots={"sector": "proprete"})
    assert result == {"target": None} and "Je ne trouve pas « agent de propreté »" in messages[0]
    assert [b["title"] for b in raw[0]["buttons"]] == ["Garder « agent de propreté »"]
    # Near titles of the chosen sector stay.
    _, messages, _ = validate(EMPLOYER, "target", "agent de sécurité", slots={"sector": "autre"})
    assert "les plus proches" in messages[0]


@pytest.mark.parametrize("form", [PRESCREEN, EMPLOYER], ids=["prescreen", "employer"])
def test_a_job_outside_the_catalogue_can_be_kept_as_said_so_that_the_check_goes_on(form):
    import json

    result, messages, raw = validate(form, "target", "cariste")
    assert result == {"target": None} and "gardez « cariste »" in messages[0]
    [keep] = raw[0]["buttons"]
    assert keep["title"] == "Garder « cariste »"
    # The button, as Rasa reads its payload: the job is kept as said, for the sponsor to check.
    intent, _, given = keep["payload"][1:].partition("{")
    [(name, value)] = json.loads("{" + given).items()
    assert (intent, name) == ("inform", "certification")
    assert validate(form, "target", keep["payload"], entities=[entity(name, value)])[0] == {"target": "cariste"}
    # The job the NLU found in a sentence is the one offered to be kept.
    _, messages, raw = validate(form, "target", "je voudrais être cariste", entities=[entity("certification", "cariste")])
    assert "Je ne trouve pas « cariste »" in messages[0] and raw[0]["buttons"][0]["title"] == "Garder « cariste »"
    # A job that only resembles titles of the catalogue: the nearest titles, and the job as said.
    result, messages, raw = validate(form, "target", "agent de sécurité")
    assert result == {"target": None} and "les plus proches" in messages[0]
    assert raw[0]["buttons"][-1]["title"] == "Garder « agent de sécurité »" and len(raw[0]["buttons"]) >= 2
    # A sentence is not offered to be kept as the name of a job; an empty kept name is not taken.
    result, messages, raw = validate(form, "target", "je voudrais un travail " * 5)
    assert result == {"target": None} and not raw[0].get("buttons") and "seulement le nom" in messages[0]
    result, messages, raw = validate(form, "target", "2")  # a number answered to the wrong question is no job
    assert result == {"target": None} and not raw[0].get("buttons") and "seulement le nom" in messages[0]
    for contact in ("06 12 34 56 78", "nadia@example.org"):  # never kept, so never sent to a sponsor as the job
        result, messages, raw = validate(form, "target", contact)
        assert result == {"target": None} and not raw[0].get("buttons")
        assert "ressemble à une adresse e-mail ou à un numéro" in messages[0] and contact not in messages[0]
    # A question the NLU did not understand is not a job either: it is said so, with how to leave.
    result, messages, raw = validate(form, "target", "pourquoi vous voulez mon prénom ?", intent="nlu_fallback")
    assert result == {"target": None} and not raw[0].get("buttons")
    assert "pas compris votre question" in messages[0] and "« stop »" in messages[0]
    _, messages, raw = validate(form, "target", "boulanger ?")  # a doubtful answer still is one
    assert raw[0]["buttons"][0]["title"] == "Garder « boulanger »"
    # The button's title typed rather than tapped keeps the job too, but never a contact.
    assert validate(form, "target", "Garder « cariste »", intent="nlu_fallback",
                    entities=[entity("certification", "cariste")])[0] == {"target": "cariste"}
    assert validate(form, "target", 'garder "agent de tri"')[0] == {"target": "agent de tri"}
    assert validate(form, "target", "Garder « nadia@example.org »")[0] == {"target": None}
    empty = '/inform{"certification":"hors catalogue : "}'
    assert validate(form, "target", empty, entities=[entity("certification", "hors catalogue : ")])[0] == {
        "target": None}


@pytest.mark.parametrize("form", [PRESCREEN, EMPLOYER], ids=["prescreen", "employer"])
@pytest.mark.parametrize(("said", "code"), [("Lyon", "69"), ("dans le 93", "93"), ("Bouches-du-Rhône", "13")])
def test_a_place_said_at_the_job_question_is_kept_as_the_department_not_offered_as_a_job(form, said, code):
    result, messages, raw = validate(form, "target", said)
    assert result == {"target": None, "department": code}
    assert f"({code})" in messages[0] and not raw[0].get("buttons")


@pytest.mark.parametrize(("text", "intent"), [("oui", "affirm"), ("non", "deny"),
                                              ('/inform{"certification":"RNCP00000"}', "inform")])
def test_a_yes_a_no_or_a_stale_button_at_the_target_question_is_not_searched_for(text, intent):
    result, messages, _ = validate(PRESCREEN, "target", text, intent=intent)
    assert result == {"target": None} and messages[0].startswith("Indiquez le nom du métier ou du diplôme visé")


@pytest.mark.parametrize("said", ["2 personnes", "on veut recruter trois personnes"])
def test_a_number_of_hires_said_at_the_job_question_is_kept_and_the_job_asked_again(said):
    result, messages, _ = validate(EMPLOYER, "target", said)
    assert result == {"target": None, "hires": 2 if said[0] == "2" else 3}
    assert "recrutements. Il me faut encore le métier" in messages[0]
    result, _, _ = validate(PRESCREEN, "target", said)  # a candidate is asked no number of hires
    assert "hires" not in result


@pytest.mark.parametrize("form", [PRESCREEN, EMPLOYER])
@pytest.mark.parametrize(("said", "department", "name"), [("Lyon", "69", "Rhône"), ("75011", "75", "Paris")])
def test_a_place_said_at_the_job_question_is_kept_for_the_place_question_and_the_job_asked_again(form, said,
                                                                                                 department, name):
    result, messages, _ = validate(form, "target", said)
    assert result == {"target": None, "department": department}
    assert messages == [f"C'est noté pour le lieu : {name} ({department}). Il me faut encore le métier ou le "
                        "diplôme visé."]


@pytest.mark.parametrize("said", ["passer", "je ne sais pas encore"])
def test_skipping_the_job_question_offers_the_sectors_not_a_job_that_looks_alike(said):
    result, messages, _ = validate(PRESCREEN, "target", said)
    assert result == {"target": None} and messages[0].startswith("Pas de souci. Dans quel secteur")


def test_a_bare_number_at_the_job_question_is_no_place():
    result, messages, _ = validate(PRESCREEN, "target", "75")
    assert result == {"target": None} and "Je ne trouve pas ce métier" in messages[0]


def test_dont_know_leads_to_sectors_then_to_certifications_of_the_sector():
    result, _, raw = validate(PRESCREEN, "target", "je ne sais pas", intent="dont_know")
    assert result == {"target": None}
    assert any(b["payload"] == '/inform{"sector":"sanitaire_social"}' for b in raw[0]["buttons"])
    result, _, raw = validate(PRESCREEN, "target", "/inform", entities=[entity("sector", "sanitaire_social")])
    assert result == {"target": None, "sector": "sanitaire_social"}
    assert any('"RNCP35830"' in b["payload"] for b in raw[0]["buttons"])


def test_contact_preference_then_value():
    assert validate(PRESCREEN, "contact_preference", "par téléphone")[0] == {"contact_preference": "phone"}
    assert validate(PRESCREEN, "contact_preference", "ici par message")[0] == {"contact_preference": "chat"}
    assert validate(PRESCREEN, "contact_value", "06 12 34 56 78", slots={"contact_preference": "phone"})[0] == {
        "contact_value": "0612345678"}
    result, messages, _ = validate(PRESCREEN, "contact_value", "bientôt", slots={"contact_preference": "email"})
    assert result == {"contact_value": None} and "e-mail" in messages[0]


@pytest.mark.parametrize(("said", "expected"), [
    ("Sarah", "Sarah"), ("passer", "-"), ("jean-marc", "Jean-marc"), ("je m'appelle Sarah", "Sarah"),
    ("Moi c'est Marie Claire.", "Marie Claire"), ("mon prénom est Ahmed", "Ahmed"), ("Prénom : Léa", "Léa")])
def test_first_name(said, expected):
    assert validate(PRESCREEN, "first_name", said)[0] == {"first_name": expected}


@pytest.mark.parametrize("said", ["06 12 34 56 78", "oui", "OK", "d'accord", "je m'appelle", "merci !",
                                  "mes données", "menu", "pourquoi faire", "je sais pas", "c'est pour quoi"])
def test_an_answer_that_is_not_a_first_name_is_asked_again(said):
    result, messages, _ = validate(PRESCREEN, "first_name", said)
    assert result == {"first_name": None} and "passer" in messages[0]


@pytest.mark.parametrize("said, given", [("06 12 34 56 78", ("phone", "0612345678")),
                                         ("sarah@example.org", ("email", "sarah@example.org"))])
def test_a_number_or_address_given_at_the_contact_question_answers_it_whatever_the_nlu_read(said, given):
    # The NLU reads a bare phone number as out of scope: it answers the question all the same.
    slots = {"age": 30, "situation": "job_seeker", "target": "RNCP35830", "department": "31",
             "requested_slot": "contact_preference", "contact_preference": None}
    events = [{"event": "slot", "name": "requested_slot", "value": "contact_preference"}, {"event": "user", "text": said}]
    result, messages = run_form(PRESCREEN, events, slots, said, intent="out_of_scope")
    values = {e["name"]: e["value"] for e in result if e["name"] in ("contact_preference", "contact_value")}
    assert values == {"contact_preference": given[0], "contact_value": given[1]}


@pytest.mark.parametrize(("asked", "slots", "said_back"), [
    ("target", {"age": 30, "situation": "job_seeker"}, "Cela ressemble à une adresse e-mail ou à un numéro"),
    ("age", {}, "Cela ressemble à un numéro de téléphone"),
])
def test_a_phone_number_at_another_question_is_told_why_it_is_not_kept_not_declined_as_out_of_scope(asked, slots,
                                                                                                  said_back):
    """« 0612345678 » at the job question got « Je ne peux pas vous aider sur ce sujet » (read as out of scope)."""
    said = "0612345678"
    slots = {**slots, "requested_slot": asked, asked: None}
    events = [{"event": "slot", "name": "requested_slot", "value": asked}, {"event": "user", "text": said}]
    result, messages = run_form(PRESCREEN, events, slots, said, intent="out_of_scope")
    assert [e["value"] for e in result if e["name"] == asked] == [None]
    assert len(messages) == 1 and messages[0].startswith(said_back) and "612345678" not in messages[0]


def test_an_address_mistyped_at_the_contact_question_is_told_how_to_write_it_whatever_the_nlu_read():
    slots = {"age": 30, "situation": "job_seeker", "target": "RNCP35830", "department": "31",
             "contact_preference": "email", "requested_slot": "contact_value", "contact_value": None}
    events = [{"event": "slot", "name": "requested_slot", "value": "contact_value"}, {"event": "user", "text": "sofia@"}]
    result, messages = run_form(PRESCREEN, events, slots, "sofia@", intent="out_of_scope")
    assert any(e["name"] == "contact_value" and e["value"] is None for e in result)
    assert "Je n'ai pas reconnu une adresse e-mail" in messages[0]


def test_a_contact_choice_not_understood_says_which_answers_are_expected():
    result, messages, _ = validate(PRESCREEN, "contact_preference", "oui")
    assert result == {"contact_preference": None} and "« ici », « téléphone » ou « e-mail »" in messages[0]


def test_employer_questions():
    assert validate(EMPLOYER, "employer_kind", "une mairie")[0] == {"employer_kind": "public"}
    assert validate(EMPLOYER, "employer_kind", "/inform", entities=[entity("employer_kind", "association")])[0] == {
        "employer_kind": "association"}
    assert validate(EMPLOYER, "hires", "trois")[0] == {"hires": 3}
    assert validate(EMPLOYER, "hires", "0")[0] == {"hires": None}
    assert validate(EMPLOYER, "sector", "/inform", entities=[entity("sector", "btp")])[0] == {"sector": "btp"}


def test_parsers_edge_cases():
    assert words_to_number("quatre-vingts") == 80
    assert words_to_number("bonjour") is None
    assert parse_age("j'ai 2 enfants et 38 ans") == 38
    assert parse_contact("mon mail: a.b@exemple.fr merci") == ("email", "a.b@exemple.fr")


def run_form(form, events, slots, text, intent="inform", entities=None, confidence=None):
    import yaml

    from stack import settings

    domain = yaml.safe_load((settings.ROOT / "domain.yml").read_text())
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text=text, intent=intent, slots=slots, events=events, entities=entities,
                           confidence=confidence)
    tracker.active_loop = {"name": "employer_form" if form is EMPLOYER else "prescreen_form"}  # as Rasa sends it
    result = asyncio.run(form.run(dispatcher, tracker, domain))
    return result, [m.get("text") or "" for m in dispatcher.messages]


def emptied(names):
    return [{"event": "slot", "name": name, "value": None} for name in names]


@pytest.mark.parametrize("form", [EMPLOYER, PRESCREEN], ids=["employer", "prescreen"])
def test_a_form_that_starts_does_not_validate_the_slots_it_has_just_emptied(form):
    # What Rasa sends when a form starts: the resets of action_reset_forms, then the same resets as candidates.
    from actions.forms import FORM_SLOTS, FRESH_START_SLOTS

    required = ["employer_kind", "sector", "target", "hires", "department"] if form is EMPLOYER else \
        ["age", "situation", "target", "department", "contact_preference", "first_name"]
    events = [{"event": "user", "text": "/start"}, {"event": "action", "name": "action_reset_forms"},
              *emptied(FRESH_START_SLOTS), *emptied(required)]
    result, messages = run_form(form, events, {name: None for name in FORM_SLOTS}, "/start")
    assert messages == []
    assert all(e["name"] == "requested_slot" for e in result)


def test_an_answer_is_still_validated_next_to_emptied_slots():
    events = [{"event": "user", "text": "Atlantis"}, *emptied(["hires"]),
              {"event": "slot", "name": "department", "value": "Atlantis"}]
    slots = {"requested_slot": "department", "department": None, "hires": None}
    result, messages = run_form(EMPLOYER, events, slots, "Atlantis")
    assert len(messages) == 1 and "Je ne reconnais pas ce département" in messages[0]
    assert {"event": "slot", "timestamp": None, "name": "department", "value": None} in result
    result, messages = run_form(EMPLOYER, events[:-1] + [{"event": "slot", "name": "department", "value": "69"}],
                                slots, "69")
    assert messages == [] and any(e["name"] == "department" and e["value"] == "69" for e in result)


@pytest.mark.parametrize(("text", "defined"), [("ça veut dire quoi CDD ?", True), ("CDD", False), ("CDD ?", False)])
def test_what_a_word_means_asked_at_a_question_gets_its_definition_and_answers_nothing(text, defined):
    slots = {"requested_slot": "situation", "age": 34, "situation": None}
    events = [{"event": "user", "text": text}]
    result, messages = run_form(PRESCREEN, events, slots, text, entities=[entity("situation", "employee_cdd")])
    situation = [e["value"] for e in result if e["name"] == "situation"]
    if defined:
        assert len(messages) == 1 and messages[0].startswith("Un CDD (contrat à durée déterminée)")
        assert "Source : Insee" in messages[0] and situation == [None]  # asked again
    else:
        assert messages == [] and situation == ["employee_cdd"]


@pytest.mark.parametrize(("text", "intent", "answered"), [
    ("c'est quoi le RSA ?", "faq_status", False),
    ("ça veut dire quoi intérimaire ?", "faq_temp_work", False),
    ("je suis au RSA", "inform", True),
    ("RSA", "inform", True),
])
def test_a_meaning_asked_of_a_word_the_glossary_lacks_answers_nothing_either(text, intent, answered):
    """« c'est quoi le RSA ? » at the situation question was taken as « demandeur d'emploi », and the check went on."""
    slots = {"requested_slot": "situation", "age": 34, "situation": None}
    result, messages = run_form(PRESCREEN, [{"event": "user", "text": text}], slots, text, intent=intent,
                                entities=[entity("situation", "job_seeker")])
    situation = [e["value"] for e in result if e["name"] == "situation"]
    if answered:
        assert messages == [] and situation == ["job_seeker"]
    else:
        assert situation == [None] and len(messages) == 1 and "pas de définition vérifiée" in messages[0]


def test_what_an_avenant_is_asked_at_the_avenant_question_gets_its_definition_and_the_question_again():
    slots = {"requested_slot": "cdi_amendment", "age": 25, "situation": "employee_cdi", "cdi_amendment": None}
    text = "c'est quoi un avenant ?"
    result, messages = run_form(PRESCREEN, [{"event": "user", "text": text}], slots, text, intent="faq_cdi_avenant")
    assert len(messages) == 1 and messages[0].startswith("Un avenant est un document écrit")
    assert [e["value"] for e in result if e["name"] == "cdi_amendment"] == [None]


def test_a_question_on_the_scheme_during_a_check_is_left_to_its_answer():
    # Nothing taken from it: the form rejects the turn and the FAQ's rule answers (tests/e2e covers the whole turn).
    slots = {"requested_slot": "age", "age": None}
    text = "c'est quoi la VAE inversée ?"
    result, messages = run_form(PRESCREEN, [{"event": "user", "text": text}], slots, text, intent="faq_definition")
    assert messages == [] and not [e for e in result if e["name"] == "age"]


def opening(form, text, intent, entities):
    """A form that starts, as Rasa runs its validation: after action_reset_forms emptied every slot."""
    from actions.forms import FORM_SLOTS, FRESH_START_SLOTS

    events = [{"event": "user", "text": text}, {"event": "action", "name": "action_reset_forms"},
              *emptied(FRESH_START_SLOTS)]
    result, messages = run_form(form, events, {name: None for name in FORM_SLOTS}, text, intent, entities)
    return {e["name"]: e["value"] for e in result if e["name"] != "requested_slot"}, messages


def test_the_prescreen_reuses_what_its_opening_message_says_and_says_so():
    filled, messages = opening(PRESCREEN, "je veux vérifier, j'ai 45 ans, au RSA, je vise aide-soignante dans le 69",
                               "start_prescreen", [entity("age", "45"), entity("situation", "job_seeker"),
                                                   entity("certification", "aide-soignante"),
                                                   entity("department", "69")])
    assert filled == {"age": 45, "situation": "job_seeker", "target": "RNCP35830", "department": "69"}
    assert len(messages) == 1
    assert messages[0].startswith("Je reprends ce que vous m'avez indiqué : 45 ans, demandeur d'emploi")
    assert "aide-soignant" in messages[0] and "(69)" in messages[0] and "recommencer" in messages[0]


def test_of_two_situations_tagged_in_the_opening_message_the_one_that_reads_as_a_situation_is_taken():
    text = "je cherche du boulot dans l'aide à domicile, j'ai 45 ans et je suis au rsa"
    filled, messages = opening(PRESCREEN, text, "start_prescreen",
                               [entity("situation", "du"), entity("age", "45"), entity("situation", "job_seeker"),
                                entity("sector", "aide_domicile")])
    # The sector named is kept for the job question, which then offers its certifications.
    assert filled == {"age": 45, "situation": "job_seeker", "sector": "aide_domicile"}
    assert "secteur « Aide à domicile »" in messages[0]


@pytest.mark.parametrize(("said", "hires"), [("3", 3), ("trois", 3), ("une dizaine", 10), ("3 ou 4", 4),
                                             ("entre 5 et 8 personnes", 8), ("2-3", 3), ("une vingtaine", 20)])
def test_a_number_of_hires_said_roughly_is_read(said, hires):
    assert validate(EMPLOYER, "hires", said)[0] == {"hires": hires}


def test_a_number_of_hires_without_a_figure_is_asked_as_a_figure():
    result, messages, _ = validate(EMPLOYER, "hires", "beaucoup", intent="thanks", confidence=0.31)
    assert result == {"hires": None} and messages == ["Un ordre de grandeur suffit : indiquez un nombre, par exemple 3."]
    # Read as thanks or as the duration question, such answers still answer the question asked.
    for text, intent in (("beaucoup", "thanks"), ("3 ou 4", "faq_duration")):
        tracker = make_tracker(text=text, intent=intent, confidence=0.3, slots={"requested_slot": "hires"})
        assert EMPLOYER.extract_hires(CollectingDispatcher(), tracker, {}) == {"hires": text}


@pytest.mark.parametrize(("intent", "confidence", "answers"), [
    ("insult", 0.39, True), ("thanks", 0.31, True), ("insult", 0.95, False), ("thanks", 0.98, False),
])
def test_an_unsure_courtesy_or_insult_during_a_check_is_a_misread_answer(intent, confidence, answers):
    from actions.forms import is_digression

    tracker = make_tracker(text="autre", intent=intent, confidence=confidence, slots={"requested_slot": "target"})
    assert is_digression(tracker) is not answers


def test_other_at_the_job_question_asks_for_the_jobs_name_and_offers_nothing_to_keep():
    result, messages, raw = validate(PRESCREEN, "target", "autre")
    assert result == {"target": None} and not raw[0].get("buttons")
    assert messages[0].startswith("Indiquez le nom du métier ou du diplôme visé")


def test_the_employer_check_reuses_the_number_of_hires_its_opening_message_states():
    filled, messages = opening(EMPLOYER, "nous sommes 30 salariés, association d'aide à domicile, on voudrait "
                                         "recruter 3 personnes à Lille", "employer_check",
                               [entity("employer_kind", "association"), entity("sector", "aide_domicile"),
                                entity("department", "Lille")])
    assert filled == {"employer_kind": "association", "sector": "aide_domicile", "hires": 3, "department": "59"}
    assert "3 recrutements" in messages[0]


@pytest.mark.parametrize(("text", "hires"), [("on cherche à embaucher 2 aides-soignants", 2),
                                             ("2 postes à pourvoir", 2), ("nous sommes 30 salariés", None),
                                             ("je voudrais embaucher deux maçons", 2),
                                             ("trois postes à pourvoir", 3),
                                             ("recruter dix-sept personnes", 17), ("embaucher un peu plus tard", None),
                                             ("j'ai 45 ans", None), ("recruter des gens", None)])
def test_a_number_of_hires_is_read_only_when_the_sentence_says_so(text, hires):
    from actions.parsing import hires_in

    assert hires_in(text) == hires


def test_the_department_and_target_questions_are_worded_for_who_is_asked():
    from actions.questions import _ask_action

    def asked(slot, form):
        tracker = make_tracker()
        tracker.active_loop = {"name": form}
        dispatcher = CollectingDispatcher()
        asyncio.run(_ask_action(slot)().run(dispatcher, tracker, {}))
        return dispatcher.messages[0]["text"]

    assert "souhaitez-vous travailler" in asked("department", "prescreen_form")
    employer = asked("department", "employer_form")
    assert "poste à pourvoir" in employer and "travailler" not in employer
    assert asked("target", "prescreen_form").startswith("Quel métier ou quel diplôme visez-vous ?")
    assert asked("target", "employer_form").startswith("Pour quel métier ou quel diplôme recrutez-vous ?")


@pytest.mark.parametrize("form", ["prescreen_form", "employer_form"])
def test_the_job_question_offers_the_certifications_of_the_sector_already_named(form):
    from actions.questions import _ask_action

    def asked(sector):
        tracker = make_tracker(slots={"sector": sector})
        tracker.active_loop = {"name": form}
        dispatcher = CollectingDispatcher()
        asyncio.run(_ask_action("target")().run(dispatcher, tracker, {}))
        return dispatcher.messages[0]

    question = asked("aide_domicile")
    assert question["text"].endswith("? Pour le secteur « Aide à domicile », voici les certifications de mon "
                                     "catalogue ; vous pouvez aussi écrire un autre métier ou diplôme.")
    kb = load_knowledge()
    offered = [json.loads(b["payload"][len("/inform"):])["certification"] for b in question["buttons"]]
    assert offered and all(kb.certifications[code].sector == "aide_domicile" for code in offered)
    assert asked("autre")["buttons"] == [] and asked(None)["buttons"] == []


def test_a_certification_of_another_sector_than_the_one_said_first_sets_the_candidates_sector():
    result, _, _ = validate(PRESCREEN, "target", "aide-soignant", slots={"sector": "aide_domicile"})
    assert result == {"target": "RNCP35830", "sector": load_knowledge().certifications["RNCP35830"].sector}


def test_the_first_question_opens_the_prescreen_and_is_asked_again_without_the_opening_word():
    from actions.questions import _ask_action

    def asked(events):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(events=events)
        tracker.active_loop = {"name": "prescreen_form"}
        asyncio.run(_ask_action("age")().run(dispatcher, tracker, {}))
        return dispatcher.messages[0]["text"]

    opened = asked([{"event": "user", "text": "/start_prescreen"}, {"event": "slot", "name": "requested_slot", "value": "age"}])
    assert opened.startswith("Commençons. Quel âge avez-vous ?")
    again = asked([{"event": "slot", "name": "requested_slot", "value": "age"}, {"event": "user", "text": "abc"}])
    assert again.startswith("Quel âge avez-vous ?")


def test_what_the_opening_message_says_unclearly_is_asked_later_without_error_messages():
    filled, messages = opening(PRESCREEN, "je veux faire le test, 250 ans, atlantis", "start_prescreen",
                               [entity("age", "250"), entity("certification", "zzzz"),
                                entity("department", "Atlantis"), entity("situation", "astronaute")])
    assert filled == {} and messages == []


@pytest.mark.parametrize("text", ["je veux vérifier, j'ai 12 ans d'expérience", "je veux savoir, au RSA depuis 12 ans"])
def test_a_length_of_time_in_the_opening_message_is_not_taken_as_the_age(text):
    filled, messages = opening(PRESCREEN, text, "start_prescreen", [entity("age", "12")])
    assert filled == {} and messages == []


def test_parsers_tell_an_age_from_a_length_of_time():
    from actions.parsing import is_a_duration

    assert is_a_duration("aide à domicile depuis 10 ans", 10) and is_a_duration("il y a 3 ans", 3)
    assert not is_a_duration("j'ai 45 ans et je suis au RSA", 45) and not is_a_duration("âgée de 45 ans", 45)


@pytest.mark.parametrize("text, age, said", [
    ("j'ai 45 ans et je suis au RSA", 45, True), ("J'AI DIX-SEPT ANS", 17, True), ("vingt et un ans", 21, True),
    ("16ans", 16, True), ("quatre-vingt-deux ans", 82, True), ("j'ai 3 enfants", 3, False),
    ("j'ai 30 ans", 31, False), ("17", 17, False)])
def test_an_age_is_said_only_as_a_number_of_years(text, age, said):
    from actions.parsing import names_this_age

    assert names_this_age(text, age) is said


def test_only_an_opening_message_fills_slots_that_were_not_asked():
    # The same entities in an answer to nothing (intent inform) or to another question are not taken.
    filled, messages = opening(PRESCREEN, "45 ans", "inform", [entity("age", "45")])
    assert filled == {} and messages == []
    events = [{"event": "user", "text": "69"}]
    result, _ = run_form(PRESCREEN, events, {"requested_slot": "situation", "age": 30}, "69", "start_prescreen",
                         [entity("department", "69")])
    assert not [e for e in result if e["name"] == "department"]


def test_the_sector_named_in_the_employer_description_is_taken():
    text = "bonjour, je suis responsable RH dans une clinique privée"
    start = text.index("clinique privée")
    described = {"entity": "employer_kind", "value": "private", "start": start, "end": start + len("clinique privée")}
    filled, messages = opening(EMPLOYER, text, "employer_check", [described])
    assert filled == {"employer_kind": "private", "sector": "sanitaire_social"}
    assert "secteur « Sanitaire et social »" in messages[0]
    # A kind of employer that names no sector leaves the sector question to ask.
    text = "nous sommes une entreprise privée"
    start = text.index("entreprise privée")
    described = {"entity": "employer_kind", "value": "private", "start": start, "end": start + len("entreprise privée")}
    assert opening(EMPLOYER, text, "employer_check", [described])[0] == {"employer_kind": "private"}


@pytest.mark.parametrize(("text", "kind_words", "sector"), [
    ("notre entreprise de transport voudrait recruter 3 chauffeurs", "entreprise", "transport"),
    ("nous sommes une association d'aide à domicile", "association", "aide_domicile"),
    ("une société du BTP", "société", "btp"),
    ("une entreprise des travaux publics", "entreprise", "btp"),
    ("un groupement d'employeurs de la restauration", "groupement d'employeurs", "hotellerie_restauration"),
    # Only the words that complete the kind: a sector named further on is no description of the employer.
    ("notre entreprise voudrait former des chauffeurs", "entreprise", None),
    ("une entreprise de 40 salariés, on paie le transport", "entreprise", None),
])
def test_the_sector_in_the_words_completing_the_kind_of_employer_is_taken(text, kind_words, sector):
    from actions.forms import sector_in_employer_description

    start = text.index(kind_words)
    described = {"entity": "employer_kind", "value": "private", "start": start, "end": start + len(kind_words)}
    found = sector_in_employer_description({"text": text, "entities": [described]})
    assert found == ({"sector": sector} if sector else {})


@pytest.mark.parametrize(("text", "kind"), [
    ("on est une crèche privée et on voudrait embaucher", "private"),
    ("nous sommes une association d'aide à domicile", "association"),
    ("on est une entreprise qui reçoit du public", None),  # two kinds named: the question decides
    ("je tiens une épicerie", None),  # « épicerie » is no EPIC, and no structure describes itself here
    ("salut, on est un garage automobile à Nantes, on voudrait recruter un mécanicien", "private"),
])
def test_the_kind_of_employer_in_words_of_a_structure_describing_itself_is_taken(text, kind):
    filled, _ = opening(EMPLOYER, text, "employer_check", [])
    assert filled.get("employer_kind") == kind


def test_a_department_number_in_the_opening_message_is_taken():
    filled, messages = opening(EMPLOYER, "nous sommes une association dans le 33, on voudrait recruter",
                               "employer_check", [entity("age", "33")])
    assert filled == {"employer_kind": "association", "department": "33"} and "Gironde (33)" in messages[0]
    filled, _ = opening(PRESCREEN, "j'ai 40 ans, je vis dans le 2a", "start_prescreen", [entity("age", "40")])
    assert filled == {"age": 40, "department": "2A"}


@pytest.mark.parametrize(("answer", "sector"), [("l'action sociale", "sanitaire_social"), ("des hôtels", "hotellerie_restauration"),
                                                ("on a des besoins partout", None), ("le bâtiment", "btp"),
                                                ("Autre", "autre"), ("aucun de ceux-là", "autre")])
def test_sector_words_are_whole_words(answer, sector):
    result, _, _ = validate(EMPLOYER, "sector", answer)
    assert result == {"sector": sector}


def test_a_sector_not_recognised_is_told_how_to_choose_another():
    result, messages, _ = validate(EMPLOYER, "sector", "garage automobile")
    assert result == {"sector": None} and "répondez « autre »" in messages[0]


def test_the_employer_check_reuses_what_its_opening_message_says():
    filled, messages = opening(EMPLOYER, "nous sommes une association du Rhône", "employer_check",
                               [entity("employer_kind", "association"), entity("sector", "sanitaire_social"),
                                entity("department", "Rhône")])
    assert filled == {"employer_kind": "association", "sector": "sanitaire_social", "department": "69"}
    assert messages == ["Je reprends ce que vous m'avez indiqué : association, secteur « "
                        + load_knowledge().sectors["sanitaire_social"].label
                        + " », Rhône (69). Si c'est inexact, écrivez « recommencer »."]


@pytest.mark.parametrize(("form", "slot"), [(EMPLOYER, "employer_kind"), (EMPLOYER, "sector"),
                                            (PRESCREEN, "contact_preference")])
def test_a_choice_not_understood_is_said_without_the_buttons_the_question_brings_back(form, slot):
    result, messages, raw = validate(form, slot, "bof")
    assert result == {slot: None} and messages[0].startswith("Je n'ai pas") and not raw[0].get("buttons")


@pytest.mark.parametrize(("kind", "asked"), [("public", ["employer_kind"]), ("private", None), ("une mairie", None),
                                             (None, None)])
def test_a_public_employer_is_asked_nothing_more(kind, asked):
    # rasa-sdk also calls required_slots before validation: the raw answer ("une mairie") must not break it.
    every = ["employer_kind", "sector", "target", "hires", "department"]
    tracker = make_tracker(slots={"employer_kind": kind})
    assert asyncio.run(EMPLOYER.required_slots(every, CollectingDispatcher(), tracker, {})) == (asked or every)


def test_an_employer_who_does_not_know_the_target_gets_the_certifications_of_the_sector_given():
    result, messages, raw = validate(EMPLOYER, "target", "je ne sais pas", intent="dont_know",
                                     slots={"sector": "sanitaire_social", "requested_slot": "target"})
    assert result == {"target": None, "sector": "sanitaire_social"} and "Sanitaire et social" in messages[0]
    assert any('"RNCP35830"' in b["payload"] for b in raw[0]["buttons"])
    # A candidate who picked a sector earlier and still does not know gets the sectors again, not the same list.
    result, messages, _ = validate(PRESCREEN, "target", "je ne sais pas", intent="dont_know",
                                   slots={"sector": "sanitaire_social", "requested_slot": "target"})
    assert result == {"target": None} and "Dans quel secteur" in messages[0]


def test_long_certification_titles_are_shortened_at_a_word_for_the_buttons():
    from actions.forms import button_title

    assert button_title("Court") == "Court"
    assert button_title("Titre professionnel Secrétaire assistant médico-administratif (SAMS)") == \
        "TP Secrétaire assistant médico-administratif (SAMS)"
    long = button_title("Titre professionnel Conducteur du transport routier de marchandises sur porteur")
    assert len(long) <= 60 and long.endswith("de marchandises sur…")


@pytest.mark.parametrize(("form", "slot", "asked"), [
    (PRESCREEN, "situation", "votre situation"),
    (EMPLOYER, "employer_kind", "le type de structure"),
    (EMPLOYER, "sector", "le secteur"),
])
def test_a_yes_or_no_at_a_question_answered_with_buttons_is_told_to_choose_one(form, slot, asked):
    for text, intent in (("oui", "affirm"), ("non", "deny")):
        result, messages, _ = validate(form, slot, text, intent=intent)
        assert result == {slot: None}
        assert messages[0].startswith(f"Il me faut {asked} : choisissez parmi les réponses proposées ci-dessous.")
    _, messages, _ = validate(form, slot, "bof")
    assert "pas reconnu" in messages[0] or "pas compris" in messages[0]


def in_check(text, intent, requested, confidence=0.6):
    tracker = make_tracker(text=text, intent=intent, confidence=confidence, slots={"requested_slot": requested})
    tracker.active_loop = {"name": "prescreen_form"}
    return tracker


@pytest.mark.parametrize(("text", "intent", "requested", "reason"), [
    ("pourquoi vous demandez ça ?", "help", "department", "porteur de projet qui couvre votre territoire"),
    ("pourquoi vous voulez mon numéro ?", "faq_personal_data", "contact_value", "pour vous recontacter"),
    ("c'est obligatoire de donner mon âge ?", "faq_public_age", "age", "seule votre tranche d'âge"),
    ("le tuteur c'est obligatoire ?", "faq_tutor", "age", None),  # a question on the scheme: its answer
    ("pourquoi vous demandez ça ?", "help", None, None),  # outside a check's question: the menu
])
def test_why_a_question_is_asked_gets_its_reason_whatever_the_nlu_read(text, intent, requested, reason):
    from actions.fallback import ActionMenu
    from actions.faq import ActionAnswerFaq

    action = ActionMenu() if intent == "help" else ActionAnswerFaq()
    dispatcher = CollectingDispatcher()
    tracker = in_check(text, intent, requested)
    if requested is None:
        tracker.active_loop = {}
    asyncio.run(action.run(dispatcher, tracker, {}))
    [message] = dispatcher.messages
    if reason:
        assert reason in message["text"] and "sans votre accord" in message["text"]
    elif intent == "help":
        assert message["response"] == "utter_menu"
    else:
        assert "tuteur" in message["text"] and "Source :" in message["text"]


def test_why_a_question_is_asked_read_as_an_answer_gets_its_reason_and_the_question_again():
    # « pourquoi mon département ? » fell back (0.25): during a check, the form reads it first.
    slots = {"requested_slot": "department", "age": 34, "department": None}
    events = [{"event": "user", "text": "pourquoi mon département ?"}]
    result, messages = run_form(PRESCREEN, events, slots, "pourquoi mon département ?", intent="nlu_fallback",
                                confidence=0.25)
    assert len(messages) == 1 and "porteur de projet qui couvre votre territoire" in messages[0]
    assert [e["value"] for e in result if e["name"] == "department"] == [None]
    assert not any("Je ne reconnais pas ce département" in m for m in messages)


def test_messages_joined_for_a_check_keep_their_entities_in_place():
    """« je suis employeur » (offer), then « un EHPAD privé » starting the check: the EHPAD's sector was lost, as
    the entity's place pointed into the wrong message of the joined text."""
    from actions.forms import joined_messages, sector_in_employer_description

    latest = {"text": "un EHPAD privé", "entities": [{"entity": "employer_kind", "value": "private", "start": 3,
                                                       "end": 14}]}
    joined = joined_messages([latest, {"text": "je suis employeur", "entities": []}])
    [kind] = joined["entities"]
    assert joined["text"][kind["start"]:kind["end"]] == "EHPAD privé"
    assert sector_in_employer_description(joined) == {"sector": "sanitaire_social"}


def test_the_kind_of_structure_answered_with_its_sector_takes_both():
    text = "on est une association d'aide à domicile"
    slots = {"requested_slot": "employer_kind", "employer_kind": None, "sector": None}
    result, messages = run_form(EMPLOYER, [{"event": "user", "text": text}], slots, text,
                                entities=[entity("employer_kind", "association")])
    values = {e["name"]: e["value"] for e in result if e["name"] in ("employer_kind", "sector")}
    assert values == {"employer_kind": "association", "sector": "aide_domicile"} and messages == []


@pytest.mark.parametrize(("text", "sector", "target"), [
    ("aide-soignant", "sanitaire_social", True),
    ("BTP", "btp", False),
    ("une dizaine", None, False),
])
def test_a_job_answered_at_the_sector_question_gives_its_sector_and_the_job(text, sector, target):
    slots = {"requested_slot": "sector", "employer_kind": "private", "sector": None}
    result, messages = run_form(EMPLOYER, [{"event": "user", "text": text}], slots, text)
    values = {e["name"]: e["value"] for e in result if e["name"] in ("sector", "target")}
    assert values.get("sector") == sector
    assert (values.get("target") is not None) is target
    if target:
        assert messages[0].startswith("C'est noté : Diplôme d'État d'aide-soignant")


@pytest.mark.parametrize(("text", "intent"), [("je ne sais pas encore", "nlu_fallback"), ("aucune idée !", "dont_know"),
                                              ("je sais pas", "deny")])
def test_an_employer_unsure_of_the_sector_is_told_to_take_the_closest(text, intent):
    result, messages, _ = validate(EMPLOYER, "sector", text, intent=intent, slots={"requested_slot": "sector"})
    assert result == {"sector": None} and "le plus proche de votre activité" in messages[0]
