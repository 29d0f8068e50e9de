"""Typed async clients, one per API; never imports Textual.

What the network said comes back as immutable records, `typing.NamedTuple`s: a start defines
dozens of them, and a NamedTuple is defined in ~0.1 ms where a frozen dataclass took ~0.8
(its methods compiled with `exec`) and built with one call where a frozen dataclass set each
field with `object.__setattr__` (a test keeps dataclasses out of the sources a start imports).
Change one with `_replace`. Their equality is a tuple's: records of two classes with equal
fields are equal, so never mix classes in one set, dict key or comparison. nekoBT's and the
Torrent API's models, which load with a torrent search, are still frozen dataclasses.
"""
