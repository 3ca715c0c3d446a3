"""kb's commands, by group: each module adds its commands to kb.cli.app.app when imported.
"""
