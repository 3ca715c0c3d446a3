"""Importing captures: the files read, the stages each file goes through, and the worker processes
that prepare a large import's text ahead of the importer.
"""
