"""Entry point for ``python -m kb``.

Delegates to the same main() as the console script.
"""
from kb.cli import main

main()
