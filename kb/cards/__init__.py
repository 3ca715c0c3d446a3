"""Flashcards: definitions extracted from post text (pure), kept as cards (a derived part), exported for Anki.
"""
