"""Actions with rasa_sdk's own Tracker and CollectingDispatcher: FAQ answers and the fallback."""

import asyncio
import re

import pytest
from action_testlib import make_tracker
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionClarify, ActionOutOfScope, ActionStartOver, best_guesses, misses_in_a_row
from actions.faq import ActionAnswerFaq
from actions.readings import topic_for_intent
from knowledge import load_knowledge


def tracker(intent, ranking=None, events=None, slots=None):
    return Tracker(
        sender_id="test",
        slots=slots or {},
        latest_message={"intent": {"name": intent}, "intent_ranking": ranking or [], "text": "..."},
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name=None,
    )


def run(action, intent, **kwargs):
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker(intent, **kwargs), {}))
    return dispatcher.messages


def run_text(action, intent, text, entities=None):
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, make_tracker(text, intent=intent, entities=entities), {})
    if asyncio.iscoroutine(result):  # ActionAnswerFaq.run is async, the others are not
        asyncio.run(result)
    return dispatcher.messages


def user_event(intent):
    return {"event": "user", "text": "?", "parse_data": {"intent": {"name": intent}}}


def test_every_faq_topic_has_an_intent_in_the_domain():
    import yaml

    domain = yaml.safe_load(open("domain.yml"))
    intents = set(domain["intents"])
    assert {f"faq_{topic}" for topic in load_knowledge().faq_topics} <= intents


def test_faq_answer_carries_its_fact_source_and_verification_date():
    [message] = run(ActionAnswerFaq(), "faq_duration")
    assert "36 mois" in message["text"]
    assert re.search(r"Source : .+ — https?://\S+", message["text"])
    assert re.search(r"vérifiée le \d\d/\d\d/\d{4}", message["text"])
    assert 1 <= len(message["buttons"]) <= 3
    assert all(b["payload"].startswith("/faq_") for b in message["buttons"])


def test_window_answer_depends_on_the_clock(monkeypatch):
    monkeypatch.setenv("VAE_TODAY", "2025-06-01")
    [before] = run(ActionAnswerFaq(), "faq_window")
    monkeypatch.setenv("VAE_TODAY", "2026-03-01")
    [after] = run(ActionAnswerFaq(), "faq_window")
    for message in (before, after):
        assert re.search(r"28 février 2026", message["text"])
    assert before["text"] != after["text"]
    assert re.search(r"jusqu'au 28 février 2026", before["text"])
    assert re.search(r"clos|ferm|termin|n'est plus|plus possible", after["text"], re.I)


def test_an_employer_asking_what_it_costs_gets_the_employer_cost_not_the_candidate_answer():
    # After an employer check, "c'est combien pour moi ?" is recognised as the candidate's funding question.
    [employer] = run(ActionAnswerFaq(), "faq_funding", slots={"employer_kind": "private", "sector": "sante"})
    [candidate] = run(ActionAnswerFaq(), "faq_funding", slots={"employer_kind": None, "situation": "job_seeker"})
    [nobody] = run(ActionAnswerFaq(), "faq_funding")
    assert "L'employeur paie le salaire" in employer["text"]
    assert "gratuit" not in employer["text"]
    assert "gratuit" in candidate["text"] and "gratuit" in nobody["text"]


@pytest.mark.parametrize(("text", "compares_the_contract"), [
    ("quelle différence avec un contrat pro classique ?", True),
    ("c quoi la diff avec les contrats de professionnalisation normaux", True),
    ("VAE classique ou inversée, quelle différence en contrat pro ?", False),
    ("différence avec la VAE normale ?", False),
])
def test_a_comparison_with_the_ordinary_contract_gets_the_contract_answer_not_the_vae_classique(
        text, compares_the_contract):
    # The NLU reads « contrat pro classique » as the VAE classique's topic, because of « classique ».
    [message] = run_text(ActionAnswerFaq(), "faq_vs_classic_vae", text)
    assert ("dérogations" in message["text"]) is compares_the_contract
    assert ("La VAE classique valide" in message["text"]) is not compares_the_contract


@pytest.mark.parametrize(("text", "asks_money"), [
    ("y a-t-il un montant maximum pour le jury ?", True),
    ("plafonds de prise en charge pour chaque étape ?", True),
    ("c'est plafonné à combien d'euros pour les frais annexes ?", True),
    ("max 1000 € pour la coordination ?", True),
    ("combien de personnes au maximum dans l'expérimentation ?", False),
    ("combien de parcours financés au total ?", False),
])
def test_a_cap_asked_in_money_gets_the_split_of_the_funding_not_the_cap_on_places(text, asks_money):
    # The NLU reads « maximum », « plafond » as the cap on places, whatever is capped.
    [message] = run_text(ActionAnswerFaq(), "faq_cap", text)
    assert ("6 000 € par an de frais pédagogiques" in message["text"]) is asks_money
    assert ("5 000 parcours" in message["text"]) is not asks_money


@pytest.mark.parametrize(("text", "employer_side"), [
    ("quel est le reste à charge pour nous ?", True),
    ("ça coûte quoi pour l'entreprise, au final ?", True),
    ("combien ça nous coûte ?", True),
    ("nous sommes une association, qui finance la formation ?", True),
    ("qui finance la formation ?", False),
    ("est-ce que c'est payant pour moi ?", False),
])
def test_a_funding_question_asked_for_the_employer_gets_the_employer_cost(text, employer_side):
    # The funding answer ends « Pour vous, salarié, le parcours est gratuit », which answers no employer. (A
    # structure describing itself is then offered the employer check: the answer is the first message.)
    message = run_text(ActionAnswerFaq(), "faq_funding", text)[0]
    assert ("L'employeur paie le salaire" in message["text"]) is employer_side
    assert ("gratuit" in message["text"]) is not employer_side


@pytest.mark.parametrize(("text", "intent", "expected"), [
    ("à qui s'adresse ce parcours ?", "faq_individual_apply", "16 ans révolus"),
    ("pour qui est ce dispositif ?", "faq_goal", "16 ans révolus"),
    ("quels employeurs peuvent en bénéficier ?", "faq_employers_allowed", "Seuls les employeurs de droit privé"),
    ("dans quels métiers ça se pratique", "faq_experience", "difficultés particulières de recrutement"),
    ("quels métiers peut-on viser ?", "faq_certifications", "RNCP"),
])
def test_who_the_scheme_is_for_and_its_jobs_get_their_answers_whatever_the_nlu_read(text, intent, expected):
    [message] = run_text(ActionAnswerFaq(), intent, text)
    assert expected in message["text"]


@pytest.mark.parametrize(("text", "intent", "expected"), [
    ("les geiq participent-ils à l'expérimentation ?", "faq_evaluation", "400 contrats"),
    ("l'opco participe au financement du dispositif ?", "faq_funding", "9 000 € par an et par parcours"),
    ("l'employeur dépose le contrat où ?", "faq_employer_cost", "dans les 5 jours"),
    ("on est un geiq, on veut monter un projet, on écrit à qui", "nlu_fallback", "xp.cprovae@emploi.gouv.fr"),
    ("qui peut porter un projet ?", "faq_sponsor_who", "seuls ou en consortium"),
    ("combien est financé pour l'accompagnement vae", "nlu_fallback", "6 000 € par an de frais pédagogiques"),
    ("le positionnement est pris en charge à quelle hauteur ?", "faq_funding", "6 000 € par an de frais pédagogiques"),
    ("qui finance l'accompagnement ?", "faq_funding", "Pour vous, salarié, le parcours est gratuit"),
    ("combien ça coûte pour un salarié ?", "faq_employer_cost", "Pour vous, salarié, le parcours est gratuit"),
    ("est-ce que je dois payer quelque chose ?", "faq_employer_cost", "Pour vous, salarié, le parcours est gratuit"),
    ("combien ça coûte à l'entreprise pour un salarié ?", "faq_employer_cost", "L'employeur paie le salaire"),
    ("le salaire est-il à notre charge pendant toute la durée ?", "faq_salary", "L'employeur paie le salaire"),
    ("quel salaire minimum à 30 ans ?", "faq_salary", "SMIC"),
    ("nous sommes un organisme de formation certifié Qualiopi, comment candidater ?", "faq_france_vae_platform",
     "xp.cprovae@emploi.gouv.fr"),
    ("comment se répartit le financement de 9000 euros ?", "faq_funding", "6 000 € par an de frais pédagogiques"),
    ("qui enregistre le contrat de professionnalisation", "faq_contract_form", "dans les 5 jours"),
    ("je représente un opco, ça nous intéresse", "faq_opco_filing", "xp.cprovae@emploi.gouv.fr"),
    ("combien d'heures de formation on a", "faq_working_time", "au moins 150 heures"),
    ("c'est une formation en alternance ?", "faq_funding", "au moins 150 heures"),
    ("l'alternance est-elle financée ?", "faq_funding", "9 000 € par an et par parcours"),
    ("combien d'heures par semaine de travail ?", "faq_working_time", "temps de travail"),
    ("y a-t-il un référent sur le lieu de travail ?", "nlu_fallback", "désigne un tuteur"),
    ("quelles sont les conditions pour postuler ?", "faq_individual_apply", "au moins 16 ans révolus"),
    ("faut-il un diplôme pour commencer ?", "nlu_fallback", "aucune condition de statut ni de diplôme"),
    ("je n'ai pas le bac, c'est possible ?", "nlu_fallback", "aucune condition de statut ni de diplôme"),
    ("c'est pareil que l'expérimentation de 2018 ?", "nlu_fallback", "compétences définies avec l'employeur"),
    ("comment postuler ?", "faq_individual_apply", "passer par un porteur de projet"),
    ("quelles conditions pour que l'employeur puisse participer ?", "faq_employers_allowed", "droit privé"),
    ("est-ce qu'on est suivi par quelqu'un dans la boîte", "faq_employer_steps", "désigne un tuteur"),
    ("nous sommes un organisme de formation et voulons porter un projet", "faq_sponsor_who",
     "xp.cprovae@emploi.gouv.fr"),
    ("le diplôme obtenu est-il le même qu'en formation classique ?", "faq_working_time",
     "la même certification que par la voie de la formation"),
    ("avec un diplôme, le salaire est-il le même ?", "faq_salary", "SMIC"),
    ("le diplôme est-il reconnu par l'État ?", "faq_certifications", "la même certification que par la voie"),
    ("le titre obtenu sera-t-il reconnu ?", "faq_certifications", "la même certification que par la voie"),
    ("quels diplômes reconnus peut-on viser ?", "faq_certifications", "RNCP"),
    ("l'accompagnement est financé par qui ?", "faq_funding", "9 000 €"),
    ("ça pioche dans mon compte formation ?", "faq_status", "c'est l'OPCO qui finance le parcours"),
    ("je dois utiliser mon CPF ?", "nlu_fallback", "c'est l'OPCO qui finance le parcours"),
    ("mon CPF paie la formation ?", "faq_funding", "9 000 €"),  # the funding topic names who pays already
    ("le cerfa 12434 on le dépose où", "nlu_fallback", "dans les 5 jours"),
    ("le salaire c'est nous qui le payons ?", "faq_salary", "L'employeur paie le salaire"),
    ("où trouver le cahier des charges ?", "faq_individual_apply", "xp.cprovae@emploi.gouv.fr"),
    ("concrètement pour recruter un candidat on fait comment", "faq_individual_apply", "Cerfa n° 12434"),
    ("je cherche une entreprise qui recrute, comment postuler ?", "faq_individual_apply",
     "passer par un porteur de projet"),
    ("le congé vae de 48 heures existe toujours ?", "faq_window", "congé VAE de 48 heures"),
    ("je suis conseiller France Travail, comment orienter un demandeur ?", "faq_france_vae_platform",
     "passer par un porteur de projet"),
    ("à qui adresser une personne intéressée ?", "nlu_fallback", "passer par un porteur de projet"),
    ("les seniors peuvent y accéder ?", "faq_individual_apply", "16 ans révolus"),
    ("on est payé pendant la formation ?", "faq_funding", "temps de formation compte comme du temps de travail"),
    ("est-ce que je serai rémunérée pendant les cours ?", "faq_salary",
     "temps de formation compte comme du temps de travail"),
    ("la formation est-elle payée par l'OPCO ?", "faq_funding", "9 000 €"),
    ("le montant pour l'accompagnement à la vae", "faq_france_vae_cpf", "6 000 € par an de frais pédagogiques"),
    ("combien France VAE finance pour l'accompagnement ?", "faq_france_vae_cpf", "Depuis le 1er août 2025"),
    ("les travailleurs handicapés peuvent y accéder ?", "faq_temp_work", "aucune condition de statut"),
    ("une agence d'intérim peut-elle porter ce type de contrat ?", "faq_temp_work", "intérim"),
    ("je débute complètement dans le secteur, c'est un problème ?", "faq_sectors", "Aucune expérience préalable"),
    ("quelles certifications pour un débutant ?", "faq_certifications", "RNCP"),
    ("c'est sur combien d'années ?", "faq_evaluation", "36 mois"),
    ("combien d'années d'expérience faut-il ?", "faq_experience", "Aucune expérience préalable"),
    ("qu'est-ce qu'il y a dans le parcours, concrètement ?", "faq_definition", "au moins 150 heures"),
    ("que se passe-t-il si je n'obtiens pas la certification ?", "faq_certifications", "renouveler le contrat"),
    ("quelles certifications si je rate le CAP ?", "faq_window", "28 février 2026"),  # not a misreading it knows
    ("ça marche pour quelqu'un qui a déjà un contrat de travail ?", "nlu_fallback", "avenant"),
    ("bonjour je voudrais des infos sur la vae inversée svp", "faq_personal_data", "expérimentation nationale"),
    ("je voudrais des infos sur mes données", "faq_personal_data", "n'enregistre que ce qui est utile"),
    ("comment trouver un employeur qui propose ça ?", "faq_employer_steps", "passer par un porteur de projet"),
    ("nous sommes une entreprise, comment trouver des candidats ?", "faq_employer_steps", "Cerfa n° 12434"),
    ("on touche combien par mois ?", "faq_funding", "SMIC"),
    ("on est payé combien ?", "faq_funding", "SMIC"),
    ("quelles données faut-il remonter ?", "faq_personal_data", "AGORA"),
    ("j'ai travaillé 2 ans comme ASH, ça compte ?", "faq_public_age", "Aucune expérience préalable"),
    ("j'ai 52 ans, ça compte ?", "faq_public_age", "16 ans révolus"),
    ("est-ce que j'aurai quelqu'un pour m'aider au travail ?", "faq_hiring_aids", "désigne un tuteur"),
    ("y a quelqu'un pour m'aider à trouver un employeur ?", "faq_individual_apply", "passer par un porteur de projet"),
    ("y a-t-il des aides pour embaucher quelqu'un ?", "faq_hiring_aids", "2 000 €"),
    ("si je rate le diplôme, je perds mon travail ?", "faq_working_time", "renouveler le contrat"),
    ("on peut redoubler ?", "faq_certifications", "renouveler le contrat"),
    ("on a le droit à un second essai ?", "faq_employers_allowed", "renouveler le contrat"),
    ("la VAE se termine par quoi ?", "faq_france_vae_platform", "jury"),
    ("il reste combien de temps pour s'inscrire ?", "nlu_fallback", "28 février 2026"),
    ("mon fils est en terminale, il peut faire ça après le bac ?", "nlu_fallback", "aucune condition de statut"),
    ("ma fille a 15 ans, elle peut ?", "faq_public_age", "16 ans révolus"),
    ("comment on fait le contrat ?", "nlu_fallback", "Cerfa n° 12434"),
    ("c'est quoi la durée du contrat ?", "faq_contract_form", "36 mois"),
    ("c'est quoi la période d'essai du contrat ?", "faq_contract_form", "Cerfa n° 12434"),
    ("vous remontez mes données à qui ?", "faq_personal_data", "n'enregistre que ce qui est utile"),
    ("combien on est payé pendant la formation ?", "faq_funding", "temps de formation compte comme du temps de travail"),
    ("l'OPCO finance combien par mois ?", "faq_funding", "9 000 €"),
    ("et combien je dois le payer ?", "nlu_fallback", "SMIC"),
    ("je peux le repasser ?", "faq_sectors", "renouveler le contrat"),
    ("bonjour, je suis chargée de mission dans un OPCO", "faq_individual_apply", "xp.cprovae@emploi.gouv.fr"),
    ("je suis responsable formation dans un GEIQ", "faq_individual_apply", "xp.cprovae@emploi.gouv.fr"),
    ("je travaille dans un GEIQ", "faq_individual_apply", "passer par un porteur de projet"),  # maybe its employee
    ("qui valide les projets ?", "faq_sponsor_who", "La DGEFP valide chaque projet"),
    ("est-ce que je peux encore m'inscrire cette année ?", "faq_status", "28 février 2026"),
    ("je peux encore postuler à 55 ans ?", "faq_status", "aucune condition de statut"),
    ("je suis au RSA, est-ce que je peux encore m'inscrire ?", "faq_status", "28 février 2026"),
    ("on peut recommencer le contrat ?", "nlu_fallback", "renouveler le contrat"),
    ("combien je dois payer pour la formation ?", "faq_funding", "9 000 €"),
    ("expliquez-moi simplement comment ça fonctionne", "nlu_fallback", "expérimentation nationale"),
    ("je suis retraitée, je peux reprendre un diplôme comme ça ?", "faq_certifications", "sans limite d'âge"),
    ("quels diplômes peut-on préparer ?", "faq_certifications", "RNCP"),
    ("qui m'aide à préparer mon dossier de VAE ?", "nlu_fallback", "architecte accompagnateur de parcours"),
    ("qui m'aide pour embaucher ?", "nlu_fallback", "pas sûr d'avoir compris"),
    ("les fonctionnaires peuvent-ils recruter avec ça ?", "faq_status", "droit privé"),
    ("je suis fonctionnaire, je peux postuler ?", "faq_status", "aucune condition de statut"),
])
def test_questions_whose_wording_names_their_topic_get_it_whatever_the_nlu_read(text, intent, expected):
    action = ActionClarify() if intent == "nlu_fallback" else ActionAnswerFaq()
    messages = run_text(action, intent, text)
    assert expected in messages[0]["text"]
    # Only an offer may follow, or to a sponsor speaking, how leads reach sponsors here.
    assert all("Voulez-vous vérifier avec moi" in (m.get("text") or "") or m.get("response") == "utter_sponsor_bot"
               for m in messages[1:])


@pytest.mark.parametrize(("text", "intent", "entities", "sectors"), [
    ("ça concerne l'aide à domicile ?", "faq_goal", [{"entity": "sector", "value": "aide_domicile"}], True),
    ("ça marche pour devenir boulanger ?", "faq_status", [], True),  # no entity: « devenir » names a job
    ("ça s'applique au commerce ?", "nlu_fallback", [{"entity": "sector", "value": "commerce"}], True),
    ("c'est valable pour la coiffure ?", "faq_window", [], False),
    ("est-ce que le BTP est concerné ?", "faq_definition", [{"entity": "sector", "value": "btp"}], True),
    ("à quoi sert le dispositif ?", "faq_goal", [], False),
    ("ça concerne qui ?", "faq_goal", [], False),  # no sector nor job named
    ("quel est l'objectif pour l'aide à domicile ?", "faq_goal", [{"entity": "sector", "value": "aide_domicile"}],
     False),
])
def test_whether_a_sector_or_job_is_covered_gets_the_sectors_answer(text, intent, entities, sectors):
    action = ActionClarify() if intent == "nlu_fallback" else ActionAnswerFaq()
    [message] = run_text(action, intent, text, entities)
    assert ("difficultés particulières de recrutement" in message["text"]) is sectors


@pytest.mark.parametrize(("text", "intent", "window"), [
    ("la vae inversée a-t-elle été prolongée ?", "faq_renewal_failure", True),
    ("le dispositif est-il prorogé après 2026 ?", "faq_duration", True),
    ("l'expérimentation va être pérennisée ?", "faq_vs_experimental_contract_2018", True),
    ("peut-on prolonger le contrat si j'échoue ?", "faq_renewal_failure", False),
    ("le contrat pro expérimental a été pérennisé ?", "faq_vs_experimental_contract_2018", False),
])
def test_the_extension_of_the_experiment_is_the_window_not_the_renewal_of_a_contract(text, intent, window):
    [message] = run_text(ActionAnswerFaq(), intent, text)
    assert ("28 février 2026" in message["text"] and "prolongation" in message["text"]) is window


@pytest.mark.parametrize(("text", "expected"), [
    ("est-ce que la vae inversée a été prolongée ?", "28 février 2026"),
    ("c'est pour qui ?", "16 ans révolus"),
])
def test_a_message_not_understood_whose_wording_names_its_topic_gets_that_answer(text, expected):
    messages = run_text(ActionClarify(), "nlu_fallback", text)
    assert len(messages) == 1 and expected in messages[0]["text"]
    assert "pas sûr d'avoir compris" not in messages[0]["text"]


@pytest.mark.parametrize(("text", "asks_length"), [
    ("c'est sur 2 ans ?", True),
    ("ça se fait en dix-huit mois ?", True),
    ("je peux le faire à 17 ans ?", False),
    ("j'ai 2 enfants et 40 ans, c'est possible ?", False),
])
def test_a_length_read_as_the_age_question_gets_the_duration(text, asks_length):
    [message] = run_text(ActionAnswerFaq(), "faq_public_age", text)
    assert ("36 mois" in message["text"]) is asks_length
    assert ("16 ans révolus" in message["text"]) is not asks_length


@pytest.mark.parametrize(("text", "names_the_aid"), [
    ("c tjr possible en 2026 ?", False),
    ("ça existe encore ?", False),
    ("l'aide de 6000 euros existe encore ?", True),
    ("et la prime exceptionnelle ?", True),
    ("les 6 000 € c'est fini ?", True),
])
def test_still_possible_without_the_aid_named_gets_the_window(text, names_the_aid):
    [message] = run_text(ActionAnswerFaq(), "faq_aid_6000_ended", text)
    assert ("1er mai 2024" in message["text"]) is names_the_aid
    assert ("28 février 2026" in message["text"]) is not names_the_aid


def test_unknown_intent_gets_the_clarification_not_a_crash():
    [message] = run(ActionAnswerFaq(), "faq_does_not_exist")
    assert "pas sûr d'avoir compris" in message["text"]


@pytest.mark.parametrize(
    ("intent", "topic"),
    [("faq_window", "window"), ("start_prescreen", "public_age"), ("greet", None), (None, None)],
)
def test_topic_for_intent(intent, topic):
    assert topic_for_intent(intent) == topic


def test_fallback_offers_the_two_best_guesses_and_the_menu():
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.45},
        {"name": "faq_duration", "confidence": 0.30},
        {"name": "greet", "confidence": 0.2},
        {"name": "faq_window", "confidence": 0.25},
        {"name": "faq_cap", "confidence": 0.1},
    ]
    [message] = run(ActionClarify(), "nlu_fallback", ranking=ranking, events=[user_event("nlu_fallback")])
    titles = load_knowledge().faq_topics
    assert "pas sûr d'avoir compris" in message["text"]
    assert "Choisissez l'un de ces sujets" in message["text"] and not message["text"].endswith("?")
    assert [b["payload"] for b in message["buttons"]] == ["/faq_duration", "/faq_window", "/help"]
    assert message["buttons"][0]["title"] == titles["duration"].title


def test_a_message_torn_between_two_faq_topics_read_with_some_confidence_gets_both_answers():
    ranking = [{"name": "nlu_fallback", "confidence": 0.25}, {"name": "faq_experience", "confidence": 0.47},
               {"name": "faq_vs_classic_vae", "confidence": 0.44}, {"name": "faq_status", "confidence": 0.05}]
    messages = run(ActionClarify(), "nlu_fallback", ranking=ranking, events=[user_event("nlu_fallback")])
    kb = load_knowledge()
    assert [m["text"].split("\n\n")[0] for m in messages] == [kb.faq_topics["experience"].answer,
                                                              kb.faq_topics["vs_classic_vae"].answer]
    # Torn between a topic and a check to start, or below 0.3: the guesses to choose from.
    for second in ({"name": "start_prescreen", "confidence": 0.44}, {"name": "faq_vs_classic_vae", "confidence": 0.28}):
        [message] = run(ActionClarify(), "nlu_fallback", ranking=ranking[:2] + [second],
                        events=[user_event("nlu_fallback")])
        assert "pas sûr d'avoir compris" in message["text"]


@pytest.mark.parametrize(("text", "entities", "offers"), [
    ("je suis maman au foyer, 38 ans, je voudrais reprendre un travail",
     [{"entity": "situation", "value": "inactive"}, {"entity": "age", "value": "38"}], True),
    ("j'ai 38 ans moi", [{"entity": "age", "value": "38"}], True),
    ("38 ans de maison, et alors", [{"entity": "age", "value": "38"}], False),  # not in the first person
    ("je travaille dans le 38", [{"entity": "age", "value": "38"}], False),  # a department, not an age
])
def test_a_message_not_understood_that_describes_a_candidate_gets_the_offer_of_the_prescreen(text, entities, offers):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionClarify().run(dispatcher, make_tracker(text, intent="nlu_fallback", entities=entities),
                                             {}))
    [message] = dispatcher.messages
    assert ("si un parcours de VAE inversée vous est accessible" in message["text"]) is offers
    assert ("pas sûr d'avoir compris" in message["text"]) is not offers
    assert ({"event": "slot", "name": "awaiting", "value": "offer_prescreen", "timestamp": None} in events) is offers


def test_second_fallback_in_a_row_offers_a_human():
    events = [user_event("nlu_fallback"), {"event": "bot", "text": "?"}, user_event("nlu_fallback")]
    [message] = run(ActionClarify(), "nlu_fallback", events=events)
    assert "/human_handoff" in [b["payload"] for b in message["buttons"]]


def test_misses_are_counted_only_in_a_row():
    assert misses_in_a_row([user_event("nlu_fallback"), user_event("greet"), user_event("nlu_fallback")]) == 1
    assert misses_in_a_row([user_event("greet")]) == 0


def test_guesses_read_at_a_few_per_cent_are_not_offered_nor_ever_the_deletion():
    ranking = [{"name": "nlu_fallback", "confidence": 0.25}, {"name": "affirm", "confidence": 0.21},
               {"name": "delete_my_data", "confidence": 0.12}, {"name": "faq_funding", "confidence": 0.11},
               {"name": "faq_france_vae_platform", "confidence": 0.06}, {"name": "faq_cap", "confidence": 0.05}]
    guesses = best_guesses(ranking, {"funding": "Qui finance ?", "france_vae_platform": "France VAE", "cap": "Places"})
    assert [g["payload"] for g in guesses] == ["/faq_funding"]
    [message] = run(ActionClarify(), "nlu_fallback", ranking=ranking[:3], events=[user_event("nlu_fallback")])
    assert message["text"].endswith("Pouvez-vous reformuler ?")
    assert [b["payload"] for b in message["buttons"]] == ["/help"]


def test_guesses_skip_intents_that_make_no_sense_as_buttons():
    ranking = [{"name": n} for n in ("greet", "inform", "out_of_scope", "employer_check", "faq_cap", "faq_tutor")]
    guesses = best_guesses(ranking, {"cap": "Combien de places ?", "tutor": "Tuteur"})
    assert [g["payload"] for g in guesses] == ["/employer_check", "/faq_cap"]


def test_a_crashing_action_apologises_offers_the_menu_and_logs_no_user_text(caplog):
    from rasa_sdk import Action

    from actions.safety import apologise_on_error

    @apologise_on_error
    class Broken(Action):
        def name(self):
            return "action_broken"

        def run(self, dispatcher, tracker, domain):
            raise ValueError(f"bad input: {tracker.latest_message['text']}")

    dispatcher = CollectingDispatcher()
    secret = "je m'appelle Sarah, 06 12 34 56 78"
    track = tracker("inform")
    track.latest_message["text"] = secret
    assert asyncio.run(Broken().run(dispatcher, track, {})) == []
    [message] = dispatcher.messages
    assert "Désolé" in message["text"] and message["buttons"][0]["payload"] == "/help"
    assert "action_broken failed with ValueError" in caplog.text
    assert "Sarah" not in caplog.text and "06 12" not in caplog.text


@pytest.mark.parametrize("action, intent, text, entities", [
    (ActionAnswerFaq(), "faq_opco_filing", "c'est quoi un OPCO ?", None),  # the NLU's guess: the OPCO's filing topic
    (ActionClarify(), "nlu_fallback", "Qu'est-ce qu'un opérateur de compétences", None),
])
def test_what_a_term_means_gets_its_definition_with_sources_whatever_the_nlu_guessed(action, intent, text, entities):
    messages = run_text(action, intent, text, entities)
    assert len(messages) == 1
    assert "opérateur de compétences" in messages[0]["text"] and "Source : Centre Inffo" in messages[0]["text"]
    assert "5 jours" not in messages[0]["text"]  # not the filing answer
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/faq_funding", "/faq_opco_filing"]


def test_the_difference_between_two_terms_gets_both_definitions():
    """« quelle est la différence entre CDD et CDI ? » got the CDI topic (an avenant)."""
    messages = run_text(ActionAnswerFaq(), "faq_cdi_avenant", "quelle est la différence entre CDD et CDI ?")
    assert [m["text"][:7] for m in messages] == ["Un CDD ", "Un CDI "]


def test_a_question_about_the_opco_that_is_not_what_it_means_keeps_its_faq_answer():
    messages = run_text(ActionAnswerFaq(), "faq_opco_filing", "dans quel délai l'OPCO doit-il recevoir le contrat ?")
    assert "5 jours" in messages[0]["text"]


def test_what_a_geiq_is_is_not_taken_for_an_employer_describing_itself():
    from actions.offers import ActionOfferChecks

    geiq = {"entity": "employer_kind", "value": "private"}
    definition = run_text(ActionOfferChecks(), "inform", "c'est quoi un GEIQ", [geiq])
    assert "groupement d'employeurs pour l'insertion" in definition[0]["text"]
    offer = run_text(ActionOfferChecks(), "inform", "nous sommes un GEIQ dans le Nord", [geiq])
    assert "votre structure peut recruter" in offer[0]["text"]


@pytest.mark.parametrize(("text", "data_answer"), [
    ("est-ce que je garde mes allocations chômage ?", False),
    ("je perds mon RSA si je signe ?", False),
    ("que faites-vous de mes données ?", True),
    ("vous gardez mes infos si je suis au RSA ?", True),
])
def test_keeping_benefits_read_as_personal_data_gets_no_data_protection_answer(text, data_answer):
    """No sourced answer exists for keeping benefits during the contract: where to ask, not a wrong answer."""
    ranking = [{"name": "faq_personal_data", "confidence": 0.45}, {"name": "faq_status", "confidence": 0.17}]
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionAnswerFaq().run(dispatcher, make_tracker(text, intent="faq_personal_data", ranking=ranking), {}))
    [message] = dispatcher.messages
    assert ("Cet assistant n'enregistre" in message["text"]) is data_answer
    assert ("pas d'information vérifiée" in message["text"]) is not data_answer


@pytest.mark.parametrize(("action", "intent", "text", "where"), [
    (ActionAnswerFaq(), "faq_status", "je perds mon RSA si je signe ?", "CAF"),
    (ActionAnswerFaq(), "faq_personal_data", "est-ce que je peux cumuler le salaire et mon chômage ?", "France Travail"),
    (ActionAnswerFaq(), "faq_sectors", "je suis en arrêt maladie, je peux commencer ?", "médecin"),
    (ActionClarify(), "nlu_fallback", "et si je tombe enceinte pendant le contrat ?", "médecin"),
    (ActionClarify(), "nlu_fallback", "mes allocations sont-elles maintenues ?", "France Travail"),
    (ActionOutOfScope(), "out_of_scope", "il faut un titre de séjour ?", "préfecture"),
    (ActionAnswerFaq(), "faq_status", "je suis sans papiers, c'est possible ?", "préfecture"),
])
def test_own_benefits_or_health_get_where_to_ask_and_the_offer_of_the_check(action, intent, text, where):
    """The facts hold nothing on them, and a wrong answer could cost the person money: no topic's answer."""
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, make_tracker(text, intent=intent), {})
    events = asyncio.run(result)
    [message] = dispatcher.messages
    assert "pas d'information vérifiée" in message["text"] and where in message["text"]
    assert "Source :" not in message["text"]
    assert [b["payload"] for b in message["buttons"]] == ["/start_prescreen", "/human_handoff", "/help"]
    assert {"event": "slot", "name": "awaiting", "value": "offer_prescreen", "timestamp": None} in events


@pytest.mark.parametrize("text", [
    "je suis au RSA depuis deux ans, je peux postuler maintenant ?",  # the status question
    "je touche l'ARE, est-ce ouvert pour moi ?",
])
def test_benefits_named_without_asking_about_keeping_them_keep_their_topic(text):
    messages = run_text(ActionAnswerFaq(), "faq_status", text)
    assert "aucune condition de statut" in messages[0]["text"]


def test_during_a_check_the_question_on_benefits_gets_where_to_ask_without_a_second_check():
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("je garde le RSA pendant le contrat ?", intent="faq_status")
    tracker.active_loop = {"name": "prescreen_form"}
    events = asyncio.run(ActionAnswerFaq().run(dispatcher, tracker, {}))
    [message] = dispatcher.messages
    assert "CAF" in message["text"] and "Voulez-vous vérifier" not in message["text"]
    assert "/start_prescreen" not in [b["payload"] for b in message["buttons"]]
    assert events == []


@pytest.mark.parametrize(("text", "restarts"), [
    ("recommencer", True),
    ("je veux tout recommencer", True),
    ("on peut recommencer ?", True),  # the conversation: nothing else named
    ("on peut le refaire ?", False),
    ("est-ce qu'on peut repasser le jury ?", False),
    ("je veux le refaire", True),  # no question: a wish to start over
])
def test_starting_over_restarts_unless_the_question_asks_to_do_the_contract_again(text, restarts):
    """« on peut le refaire ? » after the failure's answer (read as starting over, 0.70) wiped the conversation."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionStartOver().run(dispatcher, make_tracker(text, intent="start_over"), {}))
    [message] = dispatcher.messages
    if restarts:
        assert message["response"] == "utter_restart" and [e["event"] for e in events] == ["restart"]
    else:
        assert "renouveler le contrat" in message["text"] and events == []


def after(text, intent):
    """The conversation so far: one question and its answer, then the latest message (added by the test)."""
    return [{"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}},
            {"event": "action", "name": "action_answer_faq"}]


@pytest.mark.parametrize(("before", "text", "intent", "entities", "expected"), [
    (("quels secteurs sont concernés ?", "faq_sectors"), "et le BTP ?", "nlu_fallback",
     [{"entity": "sector", "value": "btp"}], "difficultés particulières de recrutement"),
    (("quel salaire à 20 ans ?", "faq_salary"), "et avec un bac pro ?", "faq_certifications", [], "SMIC"),
    (("quel salaire à 20 ans ?", "faq_salary"), "et la durée ?", "faq_duration", [], "36 mois"),
    (("qui finance ?", "faq_funding"), "et pour un CAP ?", "nlu_fallback", [], "9 000 €"),
    # Without the question before, or when it was no FAQ question, the message keeps its own reading.
    (None, "et avec un bac pro ?", "faq_certifications", [], "RNCP"),
    (("bonjour", "greet"), "et le BTP ?", "nlu_fallback", [], "pas sûr d'avoir compris"),
    # Read as out of scope, the same (and declined without a FAQ answer just before).
    (("quels secteurs sont concernés ?", "faq_sectors"), "et le BTP ?", "out_of_scope",
     [{"entity": "sector", "value": "btp"}], "difficultés particulières de recrutement"),
    (("bonjour", "greet"), "et le BTP ?", "out_of_scope", [], "utter_out_of_scope"),
    (("qui finance ?", "faq_funding"), "et pour un CAP ?", "out_of_scope", [], "9 000 €"),
    # Out of scope and naming nothing the answer depends on: declined, not the topic again.
    (("quel salaire à 20 ans ?", "faq_salary"), "et la météo ?", "out_of_scope", [], "utter_out_of_scope"),
    # A long message starting with « et » is no follow-up.
    (("quel salaire à 20 ans ?", "faq_salary"), "et sinon quels diplômes peut-on préparer dans ce cadre ?",
     "faq_certifications", [], "RNCP"),
])
def test_a_short_follow_up_after_an_answer_gets_that_topic_when_the_nlu_cannot_read_it(before, text, intent,
                                                                                          entities, expected):
    events = (after(*before) if before else []) + [{"event": "user", "text": text}]
    dispatcher = CollectingDispatcher()
    action = {"nlu_fallback": ActionClarify(), "out_of_scope": ActionOutOfScope()}.get(intent, ActionAnswerFaq())
    tracker = make_tracker(text, intent=intent, entities=entities, events=events)
    asyncio.run(action.run(dispatcher, tracker, {}))
    assert expected in (dispatcher.messages[0].get("text") or dispatcher.messages[0]["response"])
