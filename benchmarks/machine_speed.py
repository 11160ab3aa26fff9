"""How fast this machine runs Python today: a fixed workload, timed.

    python benchmarks/machine_speed.py [--repeat 5]

The same 2-core machine has run the pipeline at 1.0x and 1.8x the time of another day with
the same code, so absolute figures of different days do not compare. This workload (plain
Python loops, dictionaries, string splitting and a regular expression, as the linker's
per-line work is) gives a reference: a benchmark that prints it beside its figures lets
them be scaled to another day's. Printed: the best of ``--repeat`` timings, in seconds.
"""

from __future__ import annotations

import argparse
import re
import time

WORD = re.compile(r"\w+")
# A fixed text, so the workload is the same on every machine and in every release.
_TEXT = " ".join(
    f"Attention {i} is all you need; Deep Residual Learning for Image Recognition {i % 7}."
    for i in range(2_000)
)


def _workload() -> int:
    counts: dict[str, int] = {}
    for _ in range(10):
        for word in WORD.findall(_TEXT):
            key = word.casefold()
            counts[key] = counts.get(key, 0) + 1
        for part in _TEXT.split(";"):
            counts[part[:8]] = counts.get(part[:8], 0) + len(part)
    total = 0
    for i in range(1_000_000):
        total += i % 7
    return total + len(counts)


def reference_seconds(repeat: int = 5) -> float:
    """The best of ``repeat`` timings of the workload (the least disturbed by other work)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        _workload()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"reference workload: {reference_seconds(args.repeat):.3f} s")


if __name__ == "__main__":
    main()
