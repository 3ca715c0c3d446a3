"""kb: a terminal knowledge base and flashcard quiz over a Chinese ML blog.

The package is a library (capture parsing, import, queries) with a thin typer CLI in kb.cli.
"""

__version__ = "0.1.0"
