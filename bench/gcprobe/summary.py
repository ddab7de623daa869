"""What bench/gcprobe recorded, per app: `.venv/bin/python bench/gcprobe/summary.py DIR`.

For each worker: collections per generation, seconds paused in each, the longest pause, the
full collections (generation 2) with their time, pause and objects collected, and its resident
memory at the end and at its peak. The room's workers are told from the bare app's by their
command line (`bench.bare_app`).
"""

import json
import sys
import time
from pathlib import Path


def app_of(state: dict) -> str:
    return "bare" if "bench.bare_app" in " ".join(state["argv"]) else "room"


def main(folder: Path) -> None:
    workers = sorted(
        (json.loads(path.read_text()) for path in folder.glob("*.json")),
        key=lambda state: state["rss_series"][0][0],
    )
    for state in workers:
        full = [b for b in state["big"] if b[1] == 2]
        print(
            f"{app_of(state)}: thresholds {tuple(state['thr'])}; collections "
            f"{'/'.join(str(n) for n in state['n'])} (gen 0/1/2), paused "
            f"{'/'.join(f'{t:.2f}' for t in state['t'])} s, longest "
            f"{max(state['max']) * 1000:.0f} ms; memory {state['rss_mb']:.0f} MB at the end, "
            f"peak {max(entry[1] for entry in state['rss_series'])} MB"
        )
        for at, _generation, ms, collected in full:
            clock = time.strftime("%H:%M:%S", time.gmtime(at))
            print(f"    full collection at {clock}: {ms:.0f} ms, {collected} objects freed")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
