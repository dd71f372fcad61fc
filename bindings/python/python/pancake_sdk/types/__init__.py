"""The schemas of each API as Python types (`TypedDict`s and aliases), generated from the specs.

Answers are plain dicts: these types describe them for type checkers and editors. Every key is
optional, and an answer keeps the keys the spec does not know.
"""

from . import botcake, pancake

__all__ = ["botcake", "pancake"]
