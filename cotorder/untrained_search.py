"""A search whose ranker trains nothing (``rank_by: baseline`` or ``lookup``), every round in one job.

A model-ranked search is one job per round (each round trains a model; a killed search resumes at its round).  A round
of the control or of the lookup ranker takes a second or so, less than a job's start, so the workflow plays all of such
a search's rounds in one job (:func:`run_search`): the same rounds as the jobs would play (:func:`cotorder.profiling.
run_round`, each round's record read back as the next round reads it from ``kept.json``), the same ``kept.json``
and ``losses.csv``, under ``seed=<s>/rounds/round<i>/``.  A round's data (``data.train``, ``data.valid``,
``mixture.train``: regenerated from the config, about 1 MB a profile at n = 8) is removed once the round is played:
54 searches of experiments/discovery.yaml kept 962 MB of it.  A killed job starts the search again; nothing of a
half-played search is kept.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from .datafiles import atomic_write
from .profiling import run_round
from .search import search_trace

DATA_FILES = ("data.train", "data.valid", "mixture.train")  # a profile's data, written by each ranking of a round


def run_search(replicate: dict, rounds: list, initial: list, folder, progress=print) -> dict:
    """Every round of one seed's search, in ``folder/round<i>`` (``kept.json`` and ``losses.csv`` as a round's job
    writes them): ``replicate`` is the seed's profile replicate (:meth:`cotorder.runs.Profile.replicate`), ``rounds``
    the search's rounds (``move``, ``size``, ``keep`` and the climb's keys: :func:`cotorder.search.plan_rounds`),
    ``initial`` the first round's survivors.  Each round's record goes through JSON before the next round reads it,
    as it does between jobs, so that both give the same bytes.  ``progress`` gets one line a round.  Returns the
    search's trace (:func:`cotorder.search.search_trace`: the found order first)."""
    folder = Path(folder)
    if folder.exists():  # a killed job's rounds: played again from the start
        shutil.rmtree(folder)
    survivors, records, start = initial, [], time.perf_counter()
    for index, step in enumerate(rounds, start=1):
        here = folder / f"round{index}"
        here.mkdir(parents=True)
        record = run_round(replicate, step["move"], step["size"], step["keep"], survivors, here,
                           per_block=step.get("per_block", False), confirm=step.get("confirm", 1),
                           previous=records[-1] if records else None)  # fmt: skip
        for name in DATA_FILES:  # the round's data: regenerated from the config, not kept
            for path in here.rglob(name):
                path.unlink()
        text = json.dumps(record, indent=1)
        with atomic_write(here / "kept.json", "w") as handle:
            handle.write(text)
        records.append(json.loads(text))
        survivors = records[-1]["kept"]
        passed = " (the climb had ended: passed through)" if record.get("passed") else ""
        progress(f"round {index} of {len(rounds)}, {step['move']} {step['size']}: {record['candidates']} candidates, "
                 f"best {record['kept'][0]}{passed} [{time.perf_counter() - start:.1f} s]")  # fmt: skip
    return search_trace(records)
