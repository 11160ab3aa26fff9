"""One function over a stream of items, a chunk at a time, in this process or on a pool of
processes; the results come back in the items' order either way.

``catalog import`` reads a snapshot of hundreds of thousands of records three times, and the
work on each record (names, keywords, who writes a name) is independent of the others: on a
pool it uses every core. The stream is never held whole: at most two chunks per process are
under way. What every chunk needs besides its items (``state``: the names looked for, the
corpus's word frequencies) is handed to each process once, when it starts.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import Any, TypeVar

State = TypeVar("State")
Item = TypeVar("Item")
Result = TypeVar("Result")

# Items a process is handed at a time: the pickling is small beside the work on them, and a
# pool of two is busy within a second of its start.
CHUNK_ITEMS = 2_000
CHUNKS_PER_PROCESS = 2
# How every pool of the project starts its processes: a fork of a process that runs threads
# (progress bars, Prefect) can inherit a held lock and hang; spawn starts afresh.
START_METHOD = "spawn"

# This process's ``state``, when it is a pool's process.
_state: Any = None


def _remember(state: Any) -> None:
    global _state
    _state = state


def _call(function: Callable[[Any, list[Any]], Any], items: list[Any]) -> Any:
    return function(_state, items)


def chunked(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    """``items`` in consecutive lists of ``size`` (the last one shorter)."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def map_chunks(
    function: Callable[[State, list[Item]], Result],
    state: State,
    items: Iterable[Item],
    workers: int = 1,
) -> Iterator[Result]:
    """``function(state, chunk)`` for each chunk of ``items`` (``CHUNK_ITEMS`` each), in
    order: in this process for one worker, else on a pool of ``workers`` processes
    (``function`` must be importable by name, ``state`` and the items picklable)."""
    chunks = chunked(items, CHUNK_ITEMS)
    if workers <= 1:
        yield from (function(state, chunk) for chunk in chunks)
        return
    context = multiprocessing.get_context(START_METHOD)
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_remember, initargs=(state,)
    ) as pool:
        pending: deque[Future[Result]] = deque()
        for chunk in chunks:
            pending.append(pool.submit(_call, function, chunk))
            if len(pending) >= CHUNKS_PER_PROCESS * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
