"""A post as a reader sees it: sections and headings, formulas in Unicode, wrapping for Chinese text.
"""
