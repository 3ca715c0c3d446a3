"""Search: normalization and segmentation, the FTS5 index (a derived part), the query language,
ranking and snippets, synonyms, and related posts.
"""
