"""Run descriptions: a workflow config turned into one resolved, validated spec per run.

A workflow config (``workflow_config.yaml`` and the overlays in ``experiments/``, checked first by
``schemas/config.schema.yaml``) names tasks; each task entry gives a task kind and its settings, sequence
lengths ``n``, directions, split sizes and seeds, training ``seeds`` (one replicate each) and the ``model`` / ``train``
sections of a training config.  :func:`plan` resolves all of it once, before any job runs: every
(task, n, direction) becomes a :class:`Run` whose parts are what each job reads —

- ``data``: everything the run's data set depends on (task settings, n, the order's positions,
  split sizes and seeds);
- ``training``: a training config (:mod:`cotorder.config`) with every default filled, less the
  paths, which the pipeline's rules own (:func:`training_config` puts them in); one per replicate,
  differing only in ``train.seed``;
- ``evaluation``: the order, generation batch size and device of the evaluation.

Every part is a plain dict with sorted keys: Snakemake compares ``params`` by their ``repr`` (a
dataclass it would silently ignore), and the order in which a config file lists its keys changes
no result.  Any problem is a :class:`ConfigError` whose message starts with the config key.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from . import config as configuration
from . import paths, search, validation
from .baseline import CONTROL
from .candidates import MAX_CANDIDATES, candidate_orders
from .lookup import LOOKUP
from .orders import check_permutation, order_positions, random_permutation
from .tasks import FILE_KIND, SETTINGS, SettingError, Task

# The seminar's split sizes and seeds: the defaults of the workflow and of the generator CLI.
SPLIT_DEFAULTS = {"train_samples": 100_000, "test_samples": 1_000, "train_seed": 42}
TEST_SEEDS = {"relu": 123, "square": 43, "index": 43, "prod": 123, "python": 123}  # python: a file's task
SPLIT_KEYS = ("train_samples", "test_samples", "train_seed", "test_seed")
DIRECTIONS = ("forward", "inverse")  # named permutations come from the config's `permutations`
EMPTY = MappingProxyType({})  # a default for mappings a function only reads
# Training settings a workflow config may not give, and who sets them instead.
SET_BY_PIPELINE = {
    "output_dir": "set by the pipeline's rules",
    "checkpoint_dir": "set by the pipeline's rules",
    "num_threads": "set by Snakemake's threads (--set-threads train=N)",
}


class ConfigError(ValueError):
    """A workflow config problem; the message starts with the key (``tasks.relu.m: ...``)."""


def default_splits(kind: str) -> dict:
    """The seminar's split sizes and seeds for a task kind."""
    return {**SPLIT_DEFAULTS, "test_seed": TEST_SEEDS[kind]}


def canonical(value):
    """``value`` as plain JSON types with every mapping's keys sorted."""
    return json.loads(json.dumps(value, sort_keys=True))


def trains(scoring: Mapping) -> bool:
    """Whether a profile (its ``scoring`` settings) trains a model: all but the control (``rank_by: baseline``) and
    the lookup ranker (``rank_by: lookup``, count tables: :mod:`cotorder.lookup`)."""
    return scoring["rank_by"] not in (CONTROL, LOOKUP)


@dataclass(frozen=True)
class Run:
    """One (task, n, direction), its replicates' training seeds, and the settings each of its jobs reads."""

    task: str
    n: int
    direction: str
    seeds: tuple  # one replicate per seed: the same data, another training seed
    data: dict
    training: dict  # the first replicate's; replicate_training(seed) gives any replicate's
    evaluation: dict

    @property
    def wildcards(self) -> dict:
        return {"task": self.task, "n": self.n, "direction": self.direction}

    def replicate_training(self, seed: int) -> dict:
        """The training part of one replicate: the run's training config with ``train.seed`` = ``seed``."""
        if seed not in self.seeds:
            _seed(f"tasks.{self.task}", seed, self.seeds)
        training = copy.deepcopy(self.training)
        training["train"]["seed"] = seed
        return training


def training_config(
    training: dict, *, train_path, test_path, output_dir, checkpoint_dir, num_threads=None, order=None
) -> dict:
    """A run's ``training`` part with the paths Snakemake gives the job, its thread count and, for a search's
    direction, the order the search found."""
    config = copy.deepcopy(training)
    if order is not None:
        config["data"]["order"] = order
    config["data"].update(train_path=str(train_path), test_path=str(test_path))
    config["train"].update(output_dir=str(output_dir), checkpoint_dir=str(checkpoint_dir), num_threads=num_threads)
    return config


@dataclass(frozen=True)
class Profile:
    """One loss profile (:mod:`cotorder.profiling`): its data, its training and its scoring, and its replicates'
    seeds — each replicate trains on the same data with its own model initialisation and sample-to-order
    assignment (:meth:`replicate`)."""

    name: str
    seeds: tuple
    data: dict  # task settings, n, the candidate orders, split sizes and seeds
    training: dict  # a training config less its paths, with checkpoints at the scoring points
    scoring: dict  # rank_by, batch_size, device
    task: str = ""  # the name of its task in the config
    validate: int = 0  # how many candidates to train as runs for ground truth (cotorder/validation.py); 0: none
    validate_directions: tuple = ()  # or: which of its task's directions to train as its ground truth

    @property
    def labelled(self) -> list[str]:
        """The named orders (forward, inverse) among its candidates: its ground truth trains them by name."""
        n = self.data["n"]
        return [name for name in DIRECTIONS if order_positions(name, n) in self.data["candidates"]]

    @property
    def picks(self) -> int:
        """How many of its ground truth's trained orders are picked by rank (``<profile>_pick<k>``)."""
        return validation.pick_count(self.validate, len(self.labelled)) if self.validate else 0

    @property
    def validated(self) -> bool:
        """Whether it has a ground truth (``validate``)."""
        return bool(self.validate or self.validate_directions)

    @property
    def validation_directions(self) -> list[str]:
        """The directions its ground truth trains: those named (``validate.directions``), or forward and inverse
        where they are candidates, then the picks (``validate.orders``)."""
        if self.validate_directions:
            return list(self.validate_directions)
        picks = [f"{self.name}_pick{k}" for k in range(1, self.picks + 1)]
        return [*self.labelled, *picks] if self.validate else []

    def replicate(self, seed: int) -> dict:
        """One replicate's parts: the data with ``assignment_seed`` ``seed`` and its own ``validation_seed``
        (:func:`replicate_validation_seed`), the training with ``train.seed`` ``seed``."""
        if seed not in self.seeds:
            raise ConfigError(f"{self.name}: seed {seed} is not among its seeds {list(self.seeds)}")
        training = copy.deepcopy(self.training)
        training["train"]["seed"] = seed
        validation_seed = replicate_validation_seed(self.data["validation_seed"], seed)
        data = {**self.data, "assignment_seed": seed, "validation_seed": validation_seed}
        return {"data": data, "training": training, "scoring": self.scoring}


def replicate_validation_seed(validation_seed: int, seed: int) -> int:
    """The seed of a profile replicate's own validation split: one number from the profile's ``validation_seed`` and
    the replicate's ``seed`` (numpy's SeedSequence).  Each replicate scores on rows of its own, so that an order the
    rows of one split happen to favour is not favoured in every replicate, where no test on the replicates could tell
    it from learning (:mod:`cotorder.evidence`)."""
    return int(np.random.SeedSequence([validation_seed, seed]).generate_state(1)[0])


@dataclass(frozen=True)
class Plan:
    """Every run and profile of a workflow config, and which tasks run by default."""

    runs: dict  # (task, n, direction) -> Run
    selected: tuple  # task names run by default (``run_tasks``)
    task_names: tuple
    direction_names: tuple  # forward, inverse and the named permutations
    profiles: dict  # name -> Profile
    searches: dict  # name -> Search
    search_directions: dict  # direction -> (search, seed) whose found order it names
    pick_directions: dict  # direction -> (profile, k): a profile's k-th pick for its ground truth

    def search_round(self, wildcards) -> dict:
        """A search round's settings: its move, size and keep count, the seed's replicate of the profile, and
        (round 1) the initial orders."""
        found = self.searches[wildcards.search]
        if found.name in self.untrained_searches:
            rank_by = found.profile.scoring["rank_by"]
            raise ConfigError(f"searches.{found.name}: ranked by {rank_by}, which trains no model: one job plays all "
                              "its rounds (seed=<s>/rounds/round<i>/), not one a round")  # fmt: skip
        index = int(wildcards.round)
        if not 1 <= index <= len(found.rounds):
            raise ConfigError(f"searches.{found.name}: no round {index} (it has rounds 1 to {len(found.rounds)})")
        replicate = found.profile.replicate(_seed(f"searches.{found.name}", wildcards.seed, found.profile.seeds))
        return {**found.rounds[index - 1], "replicate": replicate, "initial": found.initial if index == 1 else None}

    def trains_model(self, wildcards) -> bool:
        """Whether a profile replicate's or a search round's job trains a model: all but the control's
        (``rank_by: baseline``) and the lookup ranker's, which need neither a GPU nor a second thread."""
        if getattr(wildcards, "search", None) is not None:
            return trains(self.searches[wildcards.search].profile.scoring)
        return trains(self.profiles[wildcards.profile].scoring)

    def search_files(self, pattern: str, search: str | None = None) -> list[str]:
        """``pattern`` formatted for every search (or ``search``), every seed where it names ``{seed}``, and every
        round where it names ``{round}``."""
        return [
            pattern.format(search=name, seed=seed, round=index)
            for name, found in self.searches.items()
            if search in (None, name)
            for seed in (found.profile.seeds if "{seed}" in pattern else [None])
            for index in (range(1, len(found.rounds) + 1) if "{round}" in pattern else [None])
        ]

    def untrained_search(self, wildcards) -> dict:
        """The settings of one seed's search whose ranker trains nothing, all its rounds played in one job
        (:func:`cotorder.untrained_search.run_search`): its rounds, initial orders and the seed's replicate."""
        found = self.searches[wildcards.search]
        replicate = found.profile.replicate(_seed(f"searches.{found.name}", wildcards.seed, found.profile.seeds))
        return {"rounds": found.rounds, "initial": found.initial, "replicate": replicate}

    @property
    def untrained_searches(self) -> list[str]:
        """The global–local searches whose ranker trains nothing (``rank_by: baseline`` or ``lookup``): one job a
        seed plays all their rounds (:mod:`cotorder.untrained_search`)."""
        return [name for name, found in self.searches.items()
                if not trains(found.profile.scoring) and found.rounds[0]["move"] != "path"]  # fmt: skip

    @property
    def path_searches(self) -> list[str]:
        """The searches of ``method: path`` (one round each: :func:`cotorder.paths.path_round`)."""
        return [name for name, found in self.searches.items() if found.rounds[0]["move"] == "path"]

    def named_orders(self, search: str) -> dict:
        """The named permutations among the directions of a search's task at its n (name → order, in the task's
        order): its summary gives each found order's Kendall distance to them (a known friendly order named
        under ``permutations`` and listed among the task's directions)."""
        profile = self.searches[search].profile
        return {run.direction: run.data["positions"] for (task, n, _), run in self.runs.items()
                if task == profile.task and n == profile.data["n"] and run.direction not in DIRECTIONS
                and run.data["positions"] is not None}  # fmt: skip

    def search_rounds(self, search: str) -> range:
        """A search's round numbers, 1 … R."""
        return range(1, len(self.searches[search].rounds) + 1)

    def searched(self, direction: str) -> tuple[str, int] | None:
        """The (search, seed) whose found order a direction names; None for any other direction."""
        return self.search_directions.get(direction)

    def picked(self, direction: str) -> tuple[str, int] | None:
        """The (profile, k) whose k-th ground-truth pick a direction names; None for any other direction."""
        return self.pick_directions.get(direction)

    def validation_runs(self, profile: str) -> list[Run]:
        """The runs a profile's ground truth trains, in order: forward, inverse, the picks."""
        found = self.profiles[profile]
        return [self.runs[found.task, found.data["n"], d] for d in found.validation_directions]

    def profile(self, wildcards) -> Profile:
        return self.profiles[wildcards.profile]

    def profile_replicate(self, wildcards) -> dict:
        found = self.profiles[wildcards.profile]
        return found.replicate(_seed(f"profiles.{found.name}", wildcards.seed, found.seeds))

    def profile_files(self, pattern: str, profile: str | None = None) -> list[str]:
        """``pattern`` formatted for every profile (or ``profile``), and every seed where it names ``{seed}``."""
        return [
            pattern.format(profile=name, seed=seed)
            for name, found in self.profiles.items()
            if profile in (None, name)
            for seed in (found.seeds if "{seed}" in pattern else [None])
        ]

    def validation_replicates(self, profile: str) -> list[dict]:
        """The wildcard values (task, n, direction, seed) of every replicate a profile's ground truth trains."""
        return [{**run.wildcards, "seed": seed} for run in self.validation_runs(profile) for seed in run.seeds]

    def validation_files(self, pattern: str, profile: str | None = None) -> list[str]:
        """``pattern`` formatted for every profile with ground truth (or ``profile``), and every pick where it names
        ``{pick}``."""
        return [
            pattern.format(profile=name, pick=k)
            for name, found in self.profiles.items()
            if found.validated and profile in (None, name)
            for k in (range(1, found.picks + 1) if "{pick}" in pattern else [None])
        ]

    def ground_truth_files(self, pattern: str) -> list[str]:
        """:meth:`validation_files` of every profile with ground truth, for the table of them all
        (``ground_truth.csv``); a config with none is the line that says so (no job that finds nothing to join)."""
        files = self.validation_files(pattern)
        if not files:
            raise ConfigError("ground_truth.csv: no profile of the config has a ground truth (give one validate: "
                              "{orders: K} or validate: {directions: [...]})")  # fmt: skip
        return files

    def run(self, wildcards) -> Run:
        """The run of a job's wildcards; a clear error for a run the config does not hold."""
        key = (wildcards.task, int(wildcards.n), wildcards.direction)
        if key not in self.runs:
            task, n, direction = key
            held = sorted({(k[1], k[2]) for k in self.runs if k[0] == task})
            raise ConfigError(
                f"tasks.{task}: no run with n = {n} and direction {direction!r} "
                f"(the config has: {', '.join(f'n={a} {b}' for a, b in held)})"
            )
        return self.runs[key]

    def task_file(self, wildcards) -> list[str]:
        """The Python file of a job's task (kind: python) as the config names it, for a run's, a profile's or a
        search's job: an input of every job that uses the task, so that editing the file reruns that task's jobs
        only.  None for a built-in kind."""
        if getattr(wildcards, "search", None) is not None:
            task = self.searches[wildcards.search].profile.data["task"]
        elif getattr(wildcards, "profile", None) is not None:
            task = self.profiles[wildcards.profile].data["task"]
        else:
            task = self.run(wildcards).data["task"]
        return [task["file"]] if "file" in task else []

    def settings(self, wildcards, part: str) -> dict:
        """One part of a job's run: ``data`` or ``evaluation`` (a run's), ``training`` (a replicate's)."""
        run = self.run(wildcards)
        return run.replicate_training(int(wildcards.seed)) if part == "training" else getattr(run, part)

    def selected_runs(self, tasks=None) -> list[Run]:
        tasks = self.selected if tasks is None else tasks
        return [run for key, run in self.runs.items() if key[0] in tasks]

    def replicates(self, tasks=None) -> list[dict]:
        """The wildcard values (task, n, direction, seed) of every replicate of the selected runs, in config order."""
        return [{**run.wildcards, "seed": seed} for run in self.selected_runs(tasks) for seed in run.seeds]

    def files(self, pattern: str, tasks=None) -> list[str]:
        """``pattern`` formatted with the wildcards of every selected replicate (once each: a run's pattern
        without ``{seed}`` gives one file per run)."""
        return list(dict.fromkeys(pattern.format(**wildcards) for wildcards in self.replicates(tasks)))


def _seed(where: str, seed, seeds) -> int:
    """``seed`` (a wildcard's text or a number) where it is one of ``seeds``; else the line that says so."""
    if int(seed) not in seeds:
        raise ConfigError(f"{where}.seeds: seed {int(seed)} is not among its seeds {list(seeds)}")
    return int(seed)


def plan(config: Mapping) -> Plan:
    """Resolve and check a workflow config (already checked by its JSON schema)."""
    tasks = config["tasks"]
    permutations = config.get("permutations", {})
    selected = tuple(config.get("run_tasks", tasks))
    for name in selected:
        if name not in tasks:
            raise ConfigError(f"run_tasks: {name!r}: no such task (tasks: {', '.join(tasks)})")
    for name, entry in tasks.items():  # a task file's problem first, named by its task's keys (not by a search's)
        if entry.get("kind") == FILE_KIND:
            _task_at(name, entry, entry["n"])
    searches = {name: _search(name, entry, tasks) for name, entry in config.get("searches", {}).items()}
    # A search's found order is a direction: <search> (its first seed's) or <search>_seed<seed>.
    search_directions = {}
    for name, found in searches.items():
        named = {name: (name, found.profile.seeds[0])}
        named.update({f"{name}_seed{seed}": (name, seed) for seed in found.profile.seeds})
        for direction, (_, seed) in named.items():  # `s` with seed 1 and a search `s_seed1`: which would it be?
            if direction in search_directions:
                other, other_seed = search_directions[direction]
                raise ConfigError(f"searches.{name}: its direction {direction!r} (seed {seed}) would also name "
                                  f"searches.{other}'s seed {other_seed}; rename one of the two")  # fmt: skip
        search_directions.update(named)
    for name in set(search_directions) & {*DIRECTIONS, *permutations}:
        raise ConfigError(f"searches: the direction name {name!r} is taken by a direction or a permutation")
    searched = {direction: searches[name].profile.data for direction, (name, _) in search_directions.items()}
    runs = {}
    for name, entry in tasks.items():
        for run in _task_runs(name, entry, permutations, searched):
            runs[run.task, run.n, run.direction] = run
    given = config.get("profiles", {})
    profiles = {name: _profile(name, entry, tasks, permutations=permutations) for name, entry in given.items()}
    # A profile's ground truth (`validate`): forward, inverse and its picks (<profile>_pick<k>, the order read from
    # the profile's summary), or the directions it names, trained as runs of its task at its n, with the task's
    # settings and seeds (profiles naming the same directions of a task share their runs).
    pick_directions = {
        f"{name}_pick{k}": (name, k) for name, found in profiles.items() for k in range(1, found.picks + 1)
    }
    for name in set(pick_directions) & {*DIRECTIONS, *permutations, *search_directions}:
        raise ConfigError(f"profiles: the ground-truth direction name {name!r} is taken by another direction")
    for found in profiles.values():
        entry = {**tasks[found.task], "n": [found.data["n"]], "directions": found.validation_directions}
        picked = {direction: found.data for direction in entry["directions"] if direction in pick_directions}
        for run in _task_runs(found.task, entry, permutations, picked):
            runs.setdefault((run.task, run.n, run.direction), run)
    direction_names = (*DIRECTIONS, *permutations, *search_directions, *pick_directions)
    return Plan(runs, selected, tuple(tasks), direction_names, profiles, searches, search_directions, pick_directions)


def _task(name: str, entry: Mapping) -> Task:
    """The task a config's task entry describes; a bad setting is the line naming its key."""
    try:
        return Task.from_settings({key: value for key, value in entry.items() if key in SETTINGS})
    except SettingError as error:
        where = f"tasks.{name}"
        raise ConfigError(f"{where}.{error.key}: {error.message}" if error.key else f"{where}: {error}") from None


def _task_at(name: str, entry: Mapping, lengths) -> Task:
    """:func:`_task`, checked at each sequence length: a python task's file imported and its functions run on a
    small seeded batch at each n (:meth:`cotorder.tasks.Task.check_at`)."""
    task = _task(name, entry)
    for n in lengths:
        try:
            task.check_at(n)
        except SettingError as error:
            raise ConfigError(f"tasks.{name}.{error.key}: {error.message}") from None
    return task


def _task_runs(name: str, entry: Mapping, permutations: Mapping, found_orders: Mapping = EMPTY) -> list[Run]:
    """A task entry's runs.  ``found_orders``: direction → the data spec of the search or profile whose found or
    picked order it names (its order is read when its jobs run)."""
    where = f"tasks.{name}"
    task = _task(name, entry)
    splits = {**default_splits(task.kind), **{key: entry[key] for key in SPLIT_KEYS if key in entry}}
    if splits["test_seed"] == splits["train_seed"]:  # refused, not redrawn: another seed is the user's to give
        given = {key: "" if key in entry else " (its default)" for key in ("train_seed", "test_seed")}
        raise ConfigError(f"{where}.test_seed: {splits['test_seed']}{given['test_seed']} is also {where}.train_seed"
                          f"{given['train_seed']}: every test input would be a training input; give the two different "
                          "seeds")  # fmt: skip
    for direction in entry["directions"]:
        if direction not in DIRECTIONS and direction not in permutations and direction not in found_orders:
            raise ConfigError(
                f"{where}.directions: {direction!r}: expected forward, inverse, a name from `permutations`, "
                "or a search's (<search> or <search>_seed<seed>)"
            )
        if direction in found_orders:
            found = found_orders[direction]
            if found["task"] != task.settings() or entry["n"] != [found["n"]]:
                raise ConfigError(
                    f"{where}.directions: {direction!r}: that search is for {found['task']['kind']} at n = "
                    f"{found['n']}; the task is {task.kind} at n = {entry['n']} (same settings and one n needed)"
                )
    for key, owner in SET_BY_PIPELINE.items():
        if key in (entry.get("train") or {}):
            raise ConfigError(f"{where}.train.{key}: {owner}, not by the workflow config")
    if "seeds" in entry and "seed" in (entry.get("train") or {}):
        raise ConfigError(f"{where}.seeds: give the training seeds either as seeds or as train.seed, not both")
    _task_at(name, entry, entry["n"])
    runs = []
    for n in entry["n"]:
        named = {}  # positions → the direction naming them at this n: one order is trained once
        for direction in entry["directions"]:
            # A search's order is known once the search has run: its jobs read it (training_config's order).
            positions = None if direction in found_orders else _positions(direction, n, permutations, f"tasks.{name}")
            if positions is not None:
                if tuple(positions) in named:
                    first = named[tuple(positions)]
                    raise ConfigError(f"{where}.directions: {direction!r} is the same order as {first!r} at n = {n} "
                                      "(it would be trained twice)")  # fmt: skip
                named[tuple(positions)] = direction
            training = _training(task, n, positions or "forward", entry, f"{where} (n = {n}, {direction})")
            evaluation = {
                "order": positions,
                "batch_size": training["train"]["test_batch_size"],
                "device": training["train"]["device"],
                "precision": training["train"]["precision"],
            }
            data = {"task": task.settings(), "n": n, "positions": positions, **splits}
            if direction in found_orders:
                data["search"] = training["data"]["order"] = direction
            seeds = tuple(entry.get("seeds", [training["train"]["seed"]]))
            training["train"]["seed"] = seeds[0]
            runs.append(Run(name, n, direction, seeds, *map(canonical, (data, training, evaluation))))
        # Once a training config has bounded n (max_sequence_length): the count is a power of n.
        if task.input_count(n) < splits["test_samples"]:
            raise ConfigError(f"{where}.test_samples: {splits['test_samples']} test samples of {task.kind} at n = {n}, "
                              f"which has only {task.input_count(n)} distinct inputs")  # fmt: skip
        if task.kind == FILE_KIND:  # its test split is drawn apart from its training split (generate.inputs_apart)
            try:
                task.check_apart(n, splits["test_samples"], splits["train_samples"])
            except SettingError as error:
                raise ConfigError(f"{where}.test_samples: the test split: {error.message}") from None
    return runs


def _positions(direction: str, n: int, permutations: Mapping, user: str) -> list[int]:
    """The forward position written at each place of the CoT, for one run or profile; ``user``: the config key that
    names the direction there (``tasks.relu``, ``profiles.p.validate.directions``), for the message."""
    if direction in DIRECTIONS:
        return order_positions(direction, n)
    spec = permutations[direction]
    if "seed" in spec:
        return random_permutation(n, spec["seed"])
    try:
        return check_permutation(spec["positions"], n)
    except ValueError as error:
        raise ConfigError(f"permutations.{direction}.positions (used by {user}, n = {n}): {error}") from None


def _training(task: Task, n: int, positions, entry: Mapping, where: str, defaults: Mapping | None = None,
              conditioning: str = "none") -> dict:  # fmt: skip
    """The run's training config, resolved, without the paths the rules give it; ``defaults`` under the entry's."""
    defaults = defaults or {}
    config = {
        "data": {**task.settings(), "n": n, "order": positions, "conditioning": conditioning},
        "model": {**defaults.get("model", {}), **(entry.get("model") or {})},
        "train": {**defaults.get("train", {}), **(entry.get("train") or {})},
    }
    try:
        resolved = configuration.resolve(config, paths=False)
    except ValueError as error:
        raise ConfigError(f"{where}: {error}") from None
    for section, keys in configuration.PATH_KEYS.items():
        for key in keys:
            del resolved[section][key]
    del resolved["train"]["num_threads"]  # the job's threads: snakemake.threads
    return resolved


BASELINE_CELLS = 2**28  # a profile's baseline count tables: at most 2 GiB an array (profile jobs ask for 16 GB)
# A profile's training defaults: the paper's small model, one epoch, lr 5e-5 decaying linearly from the start.
PROFILE_DEFAULTS = {
    "model": {
        "model_type": "decoder_only",
        "num_decoder_layers": 1,
        "num_decoder_heads": 1,
        "d_model": 512,
        "decoder_ffn_dim": 2048,
        "dropout": 0.1,
    },  # fmt: skip
    "train": {
        "num_train_epochs": 1,
        "learning_rate": 5e-5,
        "lr_scheduler_type": "linear",
        "warmup_ratio": 0.0,
        "batch_size": 128,
    },  # fmt: skip
}
PROFILE_SETTINGS = {"validation_samples": 1000, "validation_seed": 7, "seeds": [0], "score_points": 4,
                    "rank_by": "mean", "scoring_batch_size": 512, "conditioning": "none"}  # fmt: skip


def _profile(
    name: str, entry: Mapping, tasks: Mapping, where: str | None = None, candidates=None, permutations=EMPTY
) -> Profile:
    """A profile's parts; a search's rounds (``candidates`` given: a placeholder their jobs replace) share them.
    ``permutations``: the config's named orders, which ``candidates.include`` and ``validate.directions`` may name."""
    where = where or f"profiles.{name}"
    if entry["task"] not in tasks:
        raise ConfigError(f"{where}.task: {entry['task']!r}: no such task (tasks: {', '.join(tasks)})")
    task_entry = tasks[entry["task"]]
    task = Task.from_settings({key: value for key, value in task_entry.items() if key in SETTINGS})
    n = entry["n"]
    try:
        task.check_at(n)
    except SettingError as error:
        key = "n" if error.key == "n" else f"task ({entry['task']}).{error.key}"
        raise ConfigError(f"{where}.{key}: {error.message}") from None
    settings = {**PROFILE_SETTINGS, **{key: entry[key] for key in PROFILE_SETTINGS if key in entry}}
    splits = {**default_splits(task.kind), **{key: task_entry[key] for key in SPLIT_KEYS if key in task_entry}}
    splits.update({key: entry[key] for key in ("train_samples", "train_seed") if key in entry})
    _check_profile_seeds(where, entry, settings, entry["task"], task_entry, splits)
    owners = {**SET_BY_PIPELINE, "save_steps": "set by score_points", "save_total_limit": "set by score_points"}
    for key, owner in owners.items():
        if key in (entry.get("train") or {}):
            raise ConfigError(f"{where}.train.{key}: {owner}, not by the workflow config")
    if "seed" in (entry.get("train") or {}):
        raise ConfigError(f"{where}.train.seed: set by seeds (each seed one replicate), not by train.seed")
    held_out = splits["test_samples"] + settings["validation_samples"]
    if task.input_count(n) < held_out:
        raise ConfigError(f"{where}.validation_samples: {task.kind} at n = {n} has {task.input_count(n)} distinct "
                          f"inputs, fewer than the {held_out} of the test and validation splits")  # fmt: skip
    training = _training(task, n, "mixed", entry, where, PROFILE_DEFAULTS, settings["conditioning"])
    steps = configuration.total_steps(splits["train_samples"], training["train"])
    if trains({"rank_by": settings["rank_by"]}) and settings["score_points"] > steps:  # a control has no points
        raise ConfigError(f"{where}.score_points: {settings['score_points']} points in a run of {steps} steps")
    training["train"]["save_steps"] = max(1, math.ceil(steps / settings["score_points"]))
    training["train"]["save_total_limit"] = settings["score_points"] + 1
    named = {}  # the named orders it includes or validates on, other than forward and inverse: their positions
    validate = entry.get("validate", {})
    for key, names in (("candidates.include", entry.get("candidates", {}).get("include", ())),
                       ("validate.directions", validate.get("directions", ()))):  # fmt: skip
        for direction in names:
            if direction not in DIRECTIONS and direction not in permutations:
                raise ConfigError(f"{where}.{key}: {direction!r}: expected forward, inverse or a name from "
                                  "`permutations`")  # fmt: skip
            if direction in permutations:
                named[direction] = _positions(direction, n, permutations, f"{where}.{key}")
    if candidates is None:  # drawn last: at a large n, drawing takes longer than every check above
        given = entry["candidates"]
        count = len(given["orders"]) if "orders" in given else given.get("count")
        if count is not None and count < 2:
            raise ConfigError(f"{where}.candidates: one candidate order: a ranking needs at least 2")
        try:
            candidates = candidate_orders(
                n,
                given.get("kind"),
                given.get("count"),
                given.get("seed", 0),
                given.get("orders"),
                given.get("include", ()),
                named,
            )
        except ValueError as error:
            raise ConfigError(f"{where}.candidates: {error}") from None
    if len(candidates) > splits["train_samples"]:
        raise ConfigError(f"{where}.train_samples: {splits['train_samples']} samples for {len(candidates)} candidates "
                          "leave some orders without a single training sample")  # fmt: skip
    _check_baseline_tables(where, entry["task"], task, n, settings["conditioning"], len(candidates))
    try:  # the validation split is drawn apart from the training and test splits (candidates.write_profile_data)
        task.check_apart(n, settings["validation_samples"], splits["train_samples"] + splits["test_samples"])
    except SettingError as error:
        raise ConfigError(f"{where}.validation_samples: the validation split: {error.message}") from None
    data = {
        "task": task.settings(),
        "n": n,
        "candidates": candidates,
        "train_samples": splits["train_samples"],
        "train_seed": splits["train_seed"],
        "conditioning": settings["conditioning"],
        "validation_samples": settings["validation_samples"],
        "validation_seed": settings["validation_seed"],
        "test_samples": splits["test_samples"],  # the test split, which validation samples must avoid
        "test_seed": splits["test_seed"],
    }
    if task.kind == FILE_KIND:  # its runs' test split is drawn apart from the task's training split: which one
        task_splits = {**default_splits(task.kind), **{key: task_entry[key] for key in SPLIT_KEYS if key in task_entry}}
        data["test_apart_from"] = {key: task_splits[key] for key in ("train_samples", "train_seed")}
    scoring = {"rank_by": settings["rank_by"], "batch_size": settings["scoring_batch_size"],
               "device": training["train"]["device"]}  # fmt: skip
    orders = validate.get("orders", 0)
    if orders > len(candidates):
        raise ConfigError(f"{where}.validate.orders: {orders} orders to train, but the profile has "
                          f"{len(candidates)} candidates")  # fmt: skip
    directions = validate.get("directions", ())
    trained = {}
    for direction in directions:
        positions = named.get(direction) or order_positions(direction, n)
        if positions not in candidates:
            raise ConfigError(f"{where}.validate.directions: {direction!r} (the order {positions}) is not among the "
                              "profile's candidates; name it in candidates.include")  # fmt: skip
        if tuple(positions) in trained:
            raise ConfigError(f"{where}.validate.directions: {direction!r} is the same order as "
                              f"{trained[tuple(positions)]!r} at n = {n}")  # fmt: skip
        trained[tuple(positions)] = direction
    # Sorted keys as canonical gives them; the candidates (lists of ints already) not sent through JSON, which at
    # 5,040 orders of n = 4,000 took seconds.
    data = dict(sorted({**canonical({k: v for k, v in data.items() if k != "candidates"}),
                        "candidates": candidates}.items()))  # fmt: skip
    parts = (data, *map(canonical, (training, scoring)))
    return Profile(name, tuple(settings["seeds"]), *parts, task=entry["task"], validate=orders,
                   validate_directions=tuple(directions))  # fmt: skip


def _check_baseline_tables(where: str, task_name: str, task: Task, n: int, conditioning: str, candidates: int) -> None:
    """Refuse a profile (or search round) of ``candidates`` orders whose no-learning baseline's count tables
    (:mod:`cotorder.baseline`) would not fit a job: groups × n × (V + 1) × V cells of 8 bytes, one group or
    (conditioning: prefix) one a candidate, and a few such arrays at once in the job."""
    low, high = task.value_range(n)
    groups = candidates if conditioning == "prefix" else 1
    cells = groups * n * (high - low + 2) * (high - low + 1)
    if cells > BASELINE_CELLS:
        key = "conditioning" if cells // groups <= BASELINE_CELLS else f"task ({task_name}).{task.values_key(n)}"
        raise ConfigError(f"{where}.{key}: the no-learning baseline's count tables would hold {groups} × n × (V + 1) × "
                          f"V = {cells} cells at n = {n} (V = {high - low + 1} values"
                          f"{', a table a candidate with conditioning: prefix' if groups > 1 else ''}), above the "
                          f"{BASELINE_CELLS} a job's memory holds (8 bytes a cell, a few copies at once)")  # fmt: skip


def _check_profile_seeds(where: str, entry: Mapping, settings: Mapping, task: str, task_entry: Mapping, splits) -> None:
    """Refuse a validation split drawn from the training split's seed (its inputs would be the training inputs) or
    from the test split's (it could not avoid the test inputs).  Held-out inputs are refused, not redrawn: another
    seed is the user's to give."""
    seeds = {
        "validation": (settings["validation_seed"], f"{where}.validation_seed",
                       "" if "validation_seed" in entry else " (its default)"),
        "training": (splits["train_seed"], *_split_key(where, entry, task, task_entry, "train_seed")),
        "test": (splits["test_seed"], *_split_key(where, {}, task, task_entry, "test_seed")),
    }  # fmt: skip
    seed, key, default = seeds["validation"]
    for split in ("training", "test"):
        other, other_key, other_default = seeds[split]
        if seed == other:
            raise ConfigError(f"{key}: {seed}{default} is also {other_key}{other_default}: the validation split would "
                              f"draw the {split} split's inputs; give the two different seeds")  # fmt: skip


def _split_key(where: str, entry: Mapping, task: str, task_entry: Mapping, key: str) -> tuple[str, str]:
    """Where a profile's split seed is set: the profile, its task, or (neither) the task's default."""
    if key in entry:
        return f"{where}.{key}", ""
    return f"tasks.{task}.{key}", "" if key in task_entry else " (its default)"


@dataclass(frozen=True)
class Search:
    """A global–local order search (:mod:`cotorder.search`): its initial orders, its rounds, the profile each
    round runs on its own candidates."""

    name: str
    initial: list  # the first round's survivors
    rounds: list  # one {"move", "size", "keep"} per round, in order
    profile: Profile  # what every round profiles, its candidates left to the round; one search per seed


def _search(name: str, entry: Mapping, tasks: Mapping) -> Search:
    """A search's rounds and profile.  The cheap bounds come first (settings that would be ignored, the profile's
    sequence length, each round's size against the cap, in round order), so that planning any search takes
    seconds: only then are its initial orders drawn."""
    where = f"searches.{name}"
    if entry.get("method") == "path":
        return _path_search(name, entry, tasks)
    for key in ("time_limit", "solution_limit"):
        if key in entry:
            raise ConfigError(f"{where}.{key}: a setting of method: path, not of the global-local search")
    n, depth, given = entry["n"], entry["depth"], entry["initial"]
    _check_local_stage(where, entry)
    if "block_size" in given and given.get("kind") != "blocks":
        raise ConfigError(f"{where}.initial.block_size: a setting of kind: blocks, not of kind: {given['kind']}")
    if given.get("block_size", 0) >= n:
        raise ConfigError(f"{where}.initial.block_size: {given['block_size']} places a block at n = {n}: one block, "
                          "so the initial orders would be forward and inverse alone; give a size below n")  # fmt: skip
    profile = _profile(name, entry, tasks, where, candidates=[])
    steps = _search_rounds(where, n, {"depth": depth, **{key: entry[key] for key in search.STAGE_KEYS if key in entry}})
    sizes = []
    for move, size in ((step["move"], step["size"]) for step in steps):  # in order: a later round may be far too
        count = search.round_size(n, move, size, depth)  # large to work out (intra rounds of n/2)
        if count is None or count > MAX_CANDIDATES:
            if move == "climb":
                raise ConfigError(f"{where}.climb: a climb round at n = {n} would profile {count} candidates (the "
                                  f"incumbent and its (n-1)^2 insertion moves), above the cap of {MAX_CANDIDATES}; "
                                  "climb: false leaves the climb out")  # fmt: skip
            key = "depth" if move == "global" else "max_block"
            many = count or (f"(K+1)! = {depth + 1}!" if move == "global" else f"at least {size}!")
            raise ConfigError(f"{where}.{key}: the {move} round of size {size} would profile {many} candidates, "
                              f"above the cap of {MAX_CANDIDATES}")  # fmt: skip
        sizes.append(count)
    try:
        initial = search.initial_orders(n, depth, given)
    except ValueError as error:
        raise ConfigError(f"{where}: {error}") from None
    largest = max([len(initial), *sizes[1:]])
    if largest > profile.data["train_samples"]:
        raise ConfigError(f"{where}.train_samples: {profile.data['train_samples']} samples for rounds of up to "
                          f"{largest} candidates leave some orders without a single training sample")  # fmt: skip
    _check_baseline_tables(where, entry["task"], Task.from_settings(profile.data["task"]), n,
                           profile.data["conditioning"], largest)  # fmt: skip
    return Search(name, canonical(initial), canonical(steps), profile)


def _check_local_stage(where: str, entry: Mapping) -> None:
    """Refuse a setting of the local stage in a search entry that leaves the local stage out (``local: false``)."""
    if not entry.get("local", True):
        for key in ("max_block", "intra", "climb"):
            if key in entry and entry[key] is not False:
                raise ConfigError(f"{where}.{key}: a setting of the local stage, which local: false leaves out")


def _search_rounds(where: str, n: int, options: Mapping) -> list:
    """:func:`cotorder.search.plan_rounds` of a search's depth and stages (``options``), a problem in one line naming
    its key: the climb's its own (checked first), the schedule's the depth (``intra``'s values are the schema's)."""
    try:
        search.climb_settings(n, options.get("climb", True))
    except ValueError as error:
        raise ConfigError(f"{where}.{error}") from None
    try:
        return search.plan_rounds(n, **options)
    except ValueError as error:
        raise ConfigError(f"{where}.depth: {error}") from None


def _path_search(name: str, entry: Mapping, tasks: Mapping) -> Search:
    """A path search (``method: path``, :mod:`cotorder.paths`): one round, the shortest path through the lookup
    ranker's transition costs on the search's data (its profile's, ranked by lookup: no model trained), continued
    by the converging search where one step is not enough (its depth, local stage and climb checked here)."""
    where = f"searches.{name}"
    if "initial" in entry:
        raise ConfigError(f"{where}.initial: a setting of the global-local search; the path method starts from the "
                          "shortest path")  # fmt: skip
    if entry.get("rank_by", LOOKUP) != LOOKUP:
        raise ConfigError(f"{where}.rank_by: {entry['rank_by']}: the path method ranks by lookup (count tables, no "
                          "model trained)")  # fmt: skip
    _check_local_stage(where, entry)
    profile = _profile(name, {**entry, "rank_by": LOOKUP}, tasks, where, candidates=[])
    n, continuation = entry["n"], paths.continuation_options(entry)
    _search_rounds(where, n, continuation)
    step = {"move": "path", "size": n, "keep": 1, "time_limit": entry.get("time_limit", paths.TIME_LIMIT),
            **({"solution_limit": entry["solution_limit"]} if "solution_limit" in entry else {}),
            "continuation": continuation}  # fmt: skip
    return Search(name, [], canonical([step]), profile)
