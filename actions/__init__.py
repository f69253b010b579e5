"""Rasa custom actions: thin adapters from the dialogue to knowledge/ and storage/."""
