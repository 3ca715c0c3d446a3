"""kb browse: a full-screen reader (Textual) to find, read and study posts in one place.

data and review are plain Python (what the screens show, the review's rules); only the screens import Textual.
"""
