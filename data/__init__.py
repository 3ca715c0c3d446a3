"""Bundled data: the five captured listing pages and kb's reference files.

Installed as the package ``kb.data`` so that a wheel carries it; read through ``kb.paths``.
"""
