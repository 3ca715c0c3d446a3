"""The quiz: scheduling (FSRS), the questions cards ask, topics to drill, and the interactive screen.
"""
