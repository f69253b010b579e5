"""The forms' questions, as `action_ask_<slot>` actions so that their buttons can come from knowledge/."""

from __future__ import annotations

from rasa_sdk import Action
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import (
    contact_buttons,
    describe,
    employer_kind_buttons,
    sector_buttons,
    sector_certification_buttons,
    situation_buttons,
    value_before_message,
)
from actions.safety import apologise_on_error

QUESTIONS = {
    "age": ("Quel âge avez-vous ? (en chiffres, par exemple 34)", None),
    "situation": ("Quelle est votre situation aujourd'hui ?", situation_buttons),
    "cdi_amendment": (
        "Votre employeur actuel est-il d'accord pour modifier votre CDI par un avenant, le temps du contrat de "
        "professionnalisation ?",
        lambda: [{"title": "Oui", "payload": "/affirm"}, {"title": "Non", "payload": "/deny"},
                 {"title": "Je ne sais pas", "payload": "/dont_know"}],
    ),
    "target": ("Quel métier ou quel diplôme visez-vous ? (par exemple : aide-soignant, cuisinier, maçon ; "
               "ou « je ne sais pas »)", None),
    "department": ("Dans quel département souhaitez-vous travailler ? (numéro, nom, grande ville ou code postal)", None),
    "contact_preference": ("Si un porteur de projet peut vous accompagner, comment préférez-vous être "
                           "contacté(e) ?", contact_buttons),
    "contact_value": ("Indiquez le numéro de téléphone ou l'adresse e-mail à utiliser.", None),
    "first_name": ("Dernière question : quel prénom le porteur de projet pourra-t-il utiliser ? "
                   "(ou écrivez « passer »)", None),
    "employer_kind": ("Quel type de structure êtes-vous ?", employer_kind_buttons),
    "sector": ("Dans quel secteur recrutez-vous ?", sector_buttons),
    "hires": ("Combien de personnes souhaitez-vous recruter ? (en chiffres)", None),
}

# The employer check shares some questions with the candidate's check; these are put to the employer differently.
EMPLOYER_WORDING = {
    "target": "Pour quel métier ou quel diplôme recrutez-vous ? (par exemple : aide-soignant, cuisinier, maçon ; "
              "ou « je ne sais pas »)",
    "department": "Dans quel département se trouve le poste à pourvoir ? (numéro, nom, grande ville ou code postal)",
}

# The first question opens the pre-screen with this word; asked again (after "abc" or a FAQ), it does not.
OPENING_WORD = "Commençons. "

# After the validation has just shown choices of sectors or certifications, a second question would compete.
TARGET_FOLLOW_UP = "Choisissez ci-dessus, ou écrivez directement le métier ou le diplôme visé."


def choices_just_shown(tracker) -> bool:
    """Whether the assistant's latest message of this turn offers sectors or certifications to choose from."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot":
            buttons = (event.get("data") or {}).get("buttons") or []
            return any(b.get("payload", "").startswith(('/inform{"sector"', '/inform{"certification"'))
                       for b in buttons)
    return False


def _ask_action(slot: str) -> type[Action]:
    text, buttons = QUESTIONS[slot]

    def run(self, dispatcher: CollectingDispatcher, tracker, domain):
        if slot == "target" and choices_just_shown(tracker):
            dispatcher.utter_message(text=TARGET_FOLLOW_UP)
            return []
        in_employer_check = (tracker.active_loop or {}).get("name") == "employer_form"
        said = EMPLOYER_WORDING.get(slot, text) if in_employer_check else text
        if slot == "age" and value_before_message(tracker, "requested_slot") != "age":
            said = OPENING_WORD + said
        choices = buttons() if buttons else []
        if slot == "target":
            # The sector already named (the employer's answer, or the candidate's opening message): its
            # certifications to choose from, any other job can still be typed.
            sector = tracker.get_slot("sector")
            choices = sector_certification_buttons(sector)
            if choices:  # the buttons replace the examples
                said = (said.split("?")[0] + f"? Pour le {describe('sector', sector)}, voici les certifications de "
                        "mon catalogue ; vous pouvez aussi écrire un autre métier ou diplôme.")
        dispatcher.utter_message(text=said, buttons=choices)
        return []

    return apologise_on_error(type(f"AskFor_{slot}", (Action,), {"name": lambda self: f"action_ask_{slot}", "run": run,
                                                                  "__module__": __name__}))


# One action class per question, registered by rasa-sdk like any other action.
ASK_ACTIONS = [_ask_action(slot) for slot in QUESTIONS]
