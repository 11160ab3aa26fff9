"""Work on a stream in chunks, in this process or on a pool: same results, same order."""

from __future__ import annotations

import pytest

from pipeline.chunks import chunked, map_chunks
from pipeline.mining import NamesLookedFor, read_for_names

TEXTS = [
    (f"arxiv:1901.{i:05}", 2019.0 + i / 12, text)
    for i, text in enumerate(
        [
            "Generative adversarial networks (GANs) and a GAN for images",
            "We train a GAN.",
            "No names here at all",
            "A long short-term memory (LSTM) network",
            "LSTM and GANs again",
        ]
        * 3
    )
]
LOOKED_FOR = NamesLookedFor(frozenset({"GAN", "GANs", "LSTM"}), frozenset({"gan", "lstm"}))


def test_chunked_keeps_every_item_in_order() -> None:
    assert list(chunked(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunked([], 3)) == []


def test_a_pool_gives_the_results_of_this_process_in_order(monkeypatch) -> None:
    monkeypatch.setattr("pipeline.chunks.CHUNK_ITEMS", 2)
    here = list(map_chunks(read_for_names, LOOKED_FOR, iter(TEXTS), workers=1))
    pooled = list(map_chunks(read_for_names, LOOKED_FOR, iter(TEXTS), workers=2))
    assert len(here) == 8  # 15 texts, two at a time
    assert pooled == here
    readings = [reading for chunk in here for reading in chunk]
    assert [r[0] for r in readings] == [t[0] for t in TEXTS]
    assert readings[0][2] == {"GAN", "GANs"}
    assert readings[2][2] == set()


def test_an_error_in_a_chunk_reaches_the_caller(monkeypatch) -> None:
    monkeypatch.setattr("pipeline.chunks.CHUNK_ITEMS", 2)
    broken = [*TEXTS[:3], ("arxiv:1901.99999", 2019.0, None)]  # no text: findall fails
    with pytest.raises(TypeError):
        list(map_chunks(read_for_names, LOOKED_FOR, iter(broken), workers=2))
