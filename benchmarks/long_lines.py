"""Time language detection, extraction and matching on 2 MB texts of several shapes: one
line (dense mentions, author references, one huge token, runs of punctuation...) or many
short ones (a sentence naming a model on each, a table of titles): every stage must stay
linear.

    python benchmarks/long_lines.py [--bytes N]
"""

from __future__ import annotations

import argparse
import time

from pipeline.catalog import load_catalog
from pipeline.config import load_settings
from pipeline.language import document_language, segment_lines
from pipeline.link import (
    CANDIDATE_COLUMNS,
    Matcher,
    candidate_rows,
    mentions_table,
    resolve_rows,
)

SHAPES = {
    "titles and links": "Attention Is All You Need - https://arxiv.org/abs/1706.03762 ~ ",
    "chinese and english": "论文《Language Models are Few-Shot Learners》 arXiv:2005.14165 ，",
    "author references": "as Wang et al. (2023) and Rae et al. (2021) found, ",
    "one token": "x",
    "spaces": " ",
    "dots": ".",
    "quotes": '"',
    "han": "论",
    "lines with a name": "实验中我们使用BERT模型进行了文本分类，结果很好。\n",
    "table of titles": "| Attention Is All You Need | BERT | 2017 |\n",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bytes", type=int, default=2 * 1024 * 1024)
    size = parser.parse_args().bytes
    matcher = Matcher(load_catalog(load_settings().catalog_path))
    print(f"{'shape':22s} {'chars':>9s} {'mentions':>9s} language  extract   match")
    for name, unit in SHAPES.items():
        text = (unit * (size // len(unit.encode()) + 1)).encode()[:size].decode("utf-8", "ignore")
        t0 = time.perf_counter()
        language = document_language(text)
        segments = segment_lines(text, language)
        t1 = time.perf_counter()
        candidates = candidate_rows(
            "bench.txt", text, segments, matcher.names, document_language=language
        )
        t2 = time.perf_counter()
        mentions = mentions_table(resolve_rows(CANDIDATE_COLUMNS, candidates, matcher))
        t3 = time.perf_counter()
        timings = f"{t1 - t0:7.2f}s {t2 - t1:7.2f}s {t3 - t2:6.2f}s"
        print(f"{name:22s} {len(text):9d} {len(mentions):9d} {timings}")


if __name__ == "__main__":
    main()
