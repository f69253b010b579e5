"""The bot's "/" commands: Telegram's command menu, also understood in the console."""

from __future__ import annotations

# command -> (payload sent to Rasa, description shown in Telegram's menu)
COMMANDS = {
    "start": ("/greet", "Commencer et choisir votre profil"),
    "aide": ("/help", "Ce que je peux faire pour vous"),
    "eligibilite": ("/start_prescreen", "Vérifier si vous pouvez en bénéficier"),
    "employeur": ("/employer_check", "Employeur : puis-je recruter ainsi ?"),
    "mes_donnees": ("/my_data", "Voir les données enregistrées sur vous"),
    "supprimer_mes_donnees": ("/delete_my_data", "Supprimer vos données"),
    "annuler": ("/stop", "Annuler l'étape en cours"),
}


def command_name(text: str) -> str:
    """"/Aide@MonBot merci" -> "aide"."""
    return text.split()[0].lstrip("/").split("@")[0].lower() if text.strip() else ""


def command_payload(text: str) -> str | None:
    """The payload of a command typed as a message ("/aide" -> "/help"), None for anything else."""
    if not text.startswith("/"):
        return None
    command = COMMANDS.get(command_name(text))
    return command[0] if command else None
