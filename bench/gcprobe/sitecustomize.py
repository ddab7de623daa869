"""The garbage collector's pauses and the memory of every Daphne worker a bench starts.

    PYTHONPATH=bench/gcprobe GCPROBE_DIR=/tmp/gc .venv/bin/python bench/scale.py --storm ...
    .venv/bin/python bench/gcprobe/summary.py /tmp/gc

Python imports `sitecustomize` from its path at start-up; the benches pass their environment
to the workers they start, so each Daphne process (and only those) times every collection
(`gc.callbacks`) and writes, every 2 s, GCPROBE_DIR/<pid>.json: collections and seconds paused
per generation, the longest pause, every pause over 20 ms with its time, and its resident
memory over time. Nothing of the application is changed; a measuring tool, not a setting.
"""

import os
import sys

if os.environ.get("GCPROBE_DIR") and "daphne" in " ".join(sys.argv):
    import gc
    import json
    import threading
    import time

    _folder = os.environ["GCPROBE_DIR"]
    _stats = {"n": [0, 0, 0], "t": [0.0, 0.0, 0.0], "max": [0.0, 0.0, 0.0], "big": []}
    _started = [0.0]
    _rss = []

    def _timed(phase, info):
        if phase == "start":
            _started[0] = time.perf_counter()
            return
        paused, generation = time.perf_counter() - _started[0], info["generation"]
        _stats["n"][generation] += 1
        _stats["t"][generation] += paused
        _stats["max"][generation] = max(_stats["max"][generation], paused)
        if paused > 0.02:
            _stats["big"].append(
                (time.time(), generation, round(paused * 1000, 1), info.get("collected"))
            )

    gc.callbacks.append(_timed)

    def _write():
        page = os.sysconf("SC_PAGE_SIZE")
        while True:
            time.sleep(2)
            with open("/proc/self/statm") as f:
                rss_mb = int(f.read().split()[1]) * page / 2**20
            _rss.append((round(time.time()), round(rss_mb)))
            state = dict(_stats, at=time.time(), rss_mb=rss_mb, rss_series=_rss)
            state.update(thr=gc.get_threshold(), freeze=gc.get_freeze_count(), argv=sys.argv)
            with open(os.path.join(_folder, f"{os.getpid()}.json"), "w") as f:
                json.dump(state, f)

    threading.Thread(target=_write, daemon=True).start()
