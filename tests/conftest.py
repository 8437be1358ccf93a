"""The order in which pytest runs the files of `make test`: the longest first.

`make test` spreads whole files over two pytest-xdist workers (``--dist loadfile
--no-loadscope-reorder``, see the Makefile), so it ends when the worker given the last long file ends.
Files are handed out in the order of the collection; this hook sorts that order, longest first,
by a proxy that needs no timing: the notebooks first (executing a chapter costs more than any test
file), the chapter with the most code cells first, then the test files by their number of tests.
The tests inside a file, and the cells inside a notebook, keep their order; serial runs get the same
order of files.
"""
from __future__ import annotations

from collections import Counter


def _file(item) -> str:
    return item.nodeid.split("::", 1)[0]


def pytest_collection_modifyitems(session, config, items):
    per_file = Counter(_file(item) for item in items)
    rank = {f: k for k, f in enumerate(dict.fromkeys(_file(item) for item in items))}
    items.sort(key=lambda item: (not _file(item).endswith(".ipynb"), -per_file[_file(item)],
                                 rank[_file(item)]))
