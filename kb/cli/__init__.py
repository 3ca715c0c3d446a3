"""kb's command line: the typer app (kb.cli.app), its commands by group, rendering, paging, completion.

Importing this package registers every command; `kb = kb.cli:main` is the console script.
"""
from kb.cli import app as _app_module
from kb.cli.commands import posts, sources, admin, study, cards, search, browse  # noqa: F401, I001 - each registers its commands, in this order

app = _app_module.app
main = _app_module.main
