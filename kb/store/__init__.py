"""The schema layer: connecting to SQLite, transactions, the meta table and the schema's migrations.

It knows tables, not posts or cards: it imports nothing of kb but kb.errors.
"""
