"""Answers built from knowledge/, ready for dispatcher.utter_message: a FAQ topic, the minimum salary for an
age, which the salary topic offers to compute ("Indiquez un âge … et je calcule le montant"), or what a term such
as OPCO means."""

from __future__ import annotations

from typing import Any

FAQ_PREFIX = "faq_"
SALARY_TOPIC = "salary"
HIRING_AIDS_TOPIC = "hiring_aids"

# Conversation intents worth offering as a guess, with the label of their button.
GUESS_LABELS = {
    "start_prescreen": "Vérifier si je suis concerné(e)",
    "employer_check": "Je suis employeur",
    "sponsor_info": "Je porte un projet",
    "human_handoff": "Parler à une personne",
    "my_data": "Mes données",
    "delete_my_data": "Supprimer mes données",
    "help": "Voir le menu",
}


def format_date(day) -> str:
    return day.strftime("%d/%m/%Y")


def with_sources(text: str, sources, verified) -> str:
    source_lines = [f"Source : {source.title} — {source.url}" for source in sources]
    return "\n\n".join([text, "\n".join(source_lines + [f"(Information vérifiée le {format_date(verified)})"])])


def follow_up_buttons(kb, topic_ids: list[str]) -> list[dict[str, str]]:
    return [{"title": kb.faq_topics[follow].title, "payload": f"/{FAQ_PREFIX}{follow}"}
            for follow in topic_ids[:3] if follow in kb.faq_topics]


def render_message(kb, topic_id: str, on) -> dict[str, Any]:
    """Text with its source lines, plus follow-up buttons."""
    answer = kb.render_faq(topic_id, on=on)
    return {"text": with_sources(answer.text, answer.sources, kb.faq_topics[topic_id].verified),
            "buttons": follow_up_buttons(kb, answer.follow_ups)}


def salary_message(kb, age: int, on) -> dict[str, Any]:
    """The legal minimum pay at `age` on the day `on`, with its sources and the salary topic's follow-ups."""
    buttons = follow_up_buttons(kb, kb.faq_topics[SALARY_TOPIC].follow_ups)
    min_age = kb.programme.min_age
    if age < min_age:
        source = kb.rules["age_min"].source
        text = (f"Un contrat de professionnalisation ne peut être signé qu'à partir de {min_age} ans : à {age} ans, "
                "il n'y a donc pas encore de salaire à calculer.")
        return {"text": with_sources(text, [source], source.verified), "buttons": buttons}
    result = kb.minimum_salary(age, qualified=False, on=on)
    text = result.text + " La convention collective peut prévoir mieux."
    oldest_check = min(source.verified for source in result.sources)
    return {"text": with_sources(text, result.sources, oldest_check), "buttons": buttons}


def hiring_aids_message(kb, age: int) -> dict[str, Any]:
    """The hiring aids for a job seeker of `age`, with their sources and the aids topic's follow-ups."""
    text, sources = kb.hiring_aids_at(age)
    return {"text": with_sources(text, sources, min(source.verified for source in sources)),
            "buttons": follow_up_buttons(kb, kb.faq_topics[HIRING_AIDS_TOPIC].follow_ups)}


def answered_with_definition(dispatcher, kb, text: str | None, bare: bool = True) -> bool:
    """Give the definition of the term a message only asks the meaning of ("c'est quoi un OPCO ?"); False when
    the message is not such a question.

    Whatever the NLU made of such a question (the OPCO's filing topic, an employer describing itself for "GEIQ"),
    the person asked what the word means."""
    term = kb.term_asked(text or "", bare=bare)
    terms = kb.terms_compared(text or "") or ([term] if term else [])  # « différence entre CDD et CDI ? »: both
    for term in terms:
        dispatcher.utter_message(**definition_message(kb, term))
    return bool(terms)


def definition_message(kb, term) -> dict[str, Any]:
    return {"text": with_sources(term.definition, term.sources, term.verified),
            "buttons": follow_up_buttons(kb, term.follow_ups)}
