"""Posts: capture files parsed into excerpts, the names posts get, their order, and reading them back.

Core functions take a connection (or text) and return plain data.
"""
