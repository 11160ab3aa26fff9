"""Can a thread hide a model's load behind this process's other work?

    python benchmarks/background_loads.py [--repeat 3]

For each per-process load a run pays (lingua's line models, langdetect's profiles,
wordfreq's word lists), each in a fresh process: the load alone; a pure-Python busy loop
alone; and the busy loop run while a thread does the load. When the load lets the busy loop
run (it releases the GIL), "together" is close to the larger of the two; when it holds the
GIL, close to their sum, and a background thread would gain nothing.

Printed, one row per load: the medians of the load, the loop, the two together, and the
share of the load hidden (0 %: none, 100 %: all).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOOP_STEPS = 20_000_000

# Run in a fresh process: print {"load": s, "loop": s, "together": s} for the load named.
PROBE = r"""
import json, sys, threading, time

def load_lingua():
    from lingua import LanguageDetectorBuilder
    from pipeline.language import LINE_CANDIDATES
    LanguageDetectorBuilder.from_languages(*LINE_CANDIDATES).with_preloaded_language_models().build()

def load_langdetect():
    from pipeline.language import document_language
    document_language("Dies ist ein deutscher Satz über neuronale Netze und ihre Anwendungen.")

def load_wordfreq():
    from pipeline.link.names import common_word
    for language in ("de", "ms", "id"):
        common_word("transformer", language)

def loop(steps):
    total = 0
    for step in range(steps):
        total += step

name, mode, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
import pipeline.language, pipeline.link.names  # imports are not part of the load
load = globals()["load_" + name]
start = time.perf_counter()
if mode == "load":
    load()
elif mode == "loop":
    loop(steps)
else:
    thread = threading.Thread(target=load)
    thread.start()
    loop(steps)
    thread.join()
print(json.dumps(time.perf_counter() - start))
"""


def measure(name: str, mode: str) -> float:
    command = [sys.executable, "-c", PROBE, name, mode, str(LOOP_STEPS)]
    output = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    return float(json.loads(output.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'load':<10} {'load s':>7} {'loop s':>7} {'together s':>10} {'hidden':>7}")
    for name in ("lingua", "langdetect", "wordfreq"):
        figures = {
            mode: statistics.median(measure(name, mode) for _ in range(args.repeat))
            for mode in ("load", "loop", "together")
        }
        load, loop, together = figures["load"], figures["loop"], figures["together"]
        hidden = (load + loop - together) / min(load, loop)
        print(f"{name:<10} {load:7.2f} {loop:7.2f} {together:10.2f} {hidden:7.0%}")


if __name__ == "__main__":
    main()
