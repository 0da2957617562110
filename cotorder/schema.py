"""The workflow config's first checks, before planning: its files' YAML and the schema.

Snakemake loads the config files itself, and its YAML loader lets a key given twice in one mapping
silently win; :func:`duplicate_key` reads each file again and refuses that, naming file, line and key.
:func:`schema_error` checks the merged config against ``schemas/config.schema.yaml`` with jsonschema,
an integer being an ``int`` (not ``2.0``, not ``true``), and describes the first error in one line:
the key's path (``profiles.relu_n8.candidates.count``) and what is wrong; within a ``oneOf`` (a
profile's ``candidates``, a search's ``initial``) the alternative the entry's keys point to.
:func:`check_workflow_config` runs both and exits with the message, no traceback. The schema
declares no defaults: the planner (:mod:`cotorder.runs`) fills them. :func:`config_names` states the
config (its files, the --config settings) for the plots' titles.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path

import jsonschema
import yaml
from jsonschema.exceptions import ValidationError, best_match

MAX_MESSAGE = 300  # characters of a value quoted in a message, at most


def _is_integer(checker, instance) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


def load_schema(path: str | os.PathLike) -> dict:
    return yaml.safe_load(Path(path).read_text())


# ---- A config file's YAML ----


def config_file_problem(path: str | os.PathLike) -> str | None:
    """One line naming ``path`` (and the line, for a YAML error) if it is not a config file Snakemake can load:
    missing, not YAML, empty, or not a mapping of keys; else None.  Snakemake's own messages for these name
    neither file nor line."""
    shown = _shown(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return f"{shown}: cannot be read ({getattr(error, 'strerror', None) or error})"
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{shown}:{mark.line + 1}:{mark.column + 1}" if mark else shown
        return f"{where}: not valid YAML: {getattr(error, 'problem', None) or error}"
    if loaded is None:
        return f"{shown}: empty: a config file is a mapping of keys (tasks:, results:, ...)"
    if not isinstance(loaded, dict):
        return f"{shown}: a {type(loaded).__name__}, not a mapping of keys (tasks:, results:, ...)"
    return None


def check_config_file(path: str | os.PathLike) -> None:
    """Exit with :func:`config_file_problem`'s line if ``path`` exists and Snakemake could not load it."""
    if os.path.exists(path):
        problem = config_file_problem(path)
        if problem:
            sys.exit(problem)


# ---- Keys given twice ----


class _Loader(yaml.SafeLoader):
    """Composes nodes (tags resolved) without building values, so that no key is lost yet."""


def _key_path(parts: list) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts).lstrip(".")


def _first_duplicate(node, parts: list, seen: set) -> tuple | None:
    """(line, path, first line) of the first key given twice in one mapping under ``node``."""
    if id(node) in seen:  # an alias: already walked
        return None
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        lines = {}
        for key, value in node.value:
            if key.tag == "tag:yaml.org,2002:merge" or not isinstance(key, yaml.ScalarNode):
                found = _first_duplicate(value, parts, seen) if key.tag == "tag:yaml.org,2002:merge" else None
            else:
                name = (key.tag, key.value)
                if name in lines:
                    return key.start_mark.line + 1, _key_path([*parts, key.value]), lines[name]
                lines[name] = key.start_mark.line + 1
                found = _first_duplicate(value, [*parts, key.value], seen)
            if found:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found = _first_duplicate(item, [*parts, index], seen)
            if found:
                return found
    return None


def _json_duplicate(text: str) -> str | None:
    found = []

    def pairs(items):
        keys = [key for key, _ in items]
        found.extend(key for key in keys if keys.count(key) > 1)
        return dict(items)

    try:
        json.loads(text, object_pairs_hook=pairs)
    except ValueError:
        return None
    return found[0] if found else None


def _shown(path: str | os.PathLike) -> str:
    """``path`` as the user would write it: relative to the working folder where it lies inside it."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def duplicate_key(path: str | os.PathLike) -> str | None:
    """A message naming ``path``, the line and the key if a mapping in the file gives a key twice, else None."""
    text = Path(path).read_text(encoding="utf-8")
    path = _shown(path)
    try:
        found = _first_duplicate(yaml.compose(text, Loader=_Loader), [], set())
    except yaml.YAMLError:  # Snakemake read it, so it is JSON that YAML does not take (tabs)
        key = _json_duplicate(text)
        return None if key is None else f"{path}: key {key!r} is given twice in one object: the last would win"
    if found is None:
        return None
    line, key, first = found
    return f"{path}:{line}: {key} is given twice in one mapping (first at line {first}): the last would silently win"


# ---- The schema ----


def _shorten(text: str, limit: int = MAX_MESSAGE) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _branch(error: ValidationError) -> int:
    """The ``oneOf`` alternative that the instance's keys point to (most of its keys known to it, its required
    keys present)."""
    instance, branches = error.instance, error.schema["oneOf"]
    if not isinstance(instance, dict):
        return 0

    def fit(index):
        branch = branches[index]
        return (
            all(key in instance for key in branch.get("required", [])),
            sum(key in branch.get("properties", {}) for key in instance),
        )

    return max(range(len(branches)), key=fit)


def _describe_one_of(error: ValidationError) -> tuple[list, str]:
    branches = error.schema["oneOf"]
    if all(set(branch) == {"required"} for branch in branches):  # exactly one of these keys
        keys = [key for branch in branches for key in branch["required"]]
        given = [key for key in keys if isinstance(error.instance, dict) and key in error.instance]
        what = f"give exactly one of {', '.join(keys)}" + (f" (given: {', '.join(given)})" if given else "")
        return list(error.absolute_path), what
    alone = [branch["required"][0] for branch in branches if len(branch.get("required", ())) == 1]
    both = [key for key in alone if isinstance(error.instance, dict) and key in error.instance]
    if len(alone) == len(branches) and len(both) > 1:  # each form has a key of its own, and more than one is given
        return list(error.absolute_path), f"give one of {', '.join(alone)}, not {' and '.join(both)} together"
    index = _branch(error)
    inner = [sub for sub in error.context if sub.relative_schema_path[0] == index]
    if not inner:  # valid under more than one alternative
        return list(error.absolute_path), "matches more than one form of this entry"
    return _describe(best_match(inner))


# The schema's patterns for names (propertyNames), in words.
NAME_RULES = {
    "^[A-Za-z0-9_-]+$": "names are letters, digits, _ and -",
    "^[A-Za-z_][A-Za-z0-9_]*$": "argument names are letters, digits and _, not starting with a digit (no -)",
}


def _describe(error: ValidationError) -> tuple[list, str]:
    """(key path, what is wrong) of one schema error."""
    path, instance, schema = list(error.absolute_path), error.instance, error.schema
    if error.validator == "oneOf":
        return _describe_one_of(error)
    if "propertyNames" in error.relative_schema_path or "propertyNames" in error.schema_path:
        if error.validator == "pattern":  # what the key's pattern allows, in words
            rule = NAME_RULES.get(error.validator_value, f"names match {error.validator_value}")
            return path, f"name {instance!r}: {rule}"
        return path, f"name {instance!r} is reserved"
    if error.validator == "additionalProperties":
        known = sorted(schema.get("properties", {}))
        extra = [key for key in instance if key not in known]
        what = f"unknown key ({extra[0]!r} was unexpected; known keys: {', '.join(known)})"
        return [*path, extra[0]], what
    if error.validator == "required":
        missing = [key for key in error.validator_value if key not in instance]
        return path, f"missing required key {missing[0]!r}"
    if error.validator == "type":
        return path, f"{_shorten(repr(instance))} is not of type {error.validator_value!r}"
    return path, _shorten(error.message)


def schema_error(config: dict, schema: dict) -> str | None:
    """One line naming the first schema error's key path and what is wrong (and how many more), or None."""
    errors = list(Validator(schema).iter_errors(config))
    if not errors:
        return None
    path, what = _describe(errors[0])
    where = f"workflow config, {_key_path(path)}" if path else "workflow config"
    more = f" (and {len(errors) - 1} more schema error{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return f"{where}: {what}{more}"


def check_workflow_config(config: dict, config_files: Iterable, schema_path: str | os.PathLike) -> None:
    """Exit with a one-line message if a config file gives a key twice or the merged config breaks the schema."""
    for path in config_files:
        message = duplicate_key(path)
        if message:
            sys.exit(message)
    message = schema_error(config, load_schema(schema_path))
    if message:
        sys.exit(message)


# ---- The results root ----

# The repository's own files and folders: a results root among them would write task folders, logs/ and
# summary.csv into the project (a profile named `slurm` into profiles/slurm, a task named `cotorder` into the package).
PROJECT_ENTRIES = (
    ".ci", ".git", ".gitignore", ".snakemake", ".venv", "README.md", "Snakefile", "bench", "config", "cotorder",
    "docs", "envs", "experiments", "profiles", "pyproject.toml", "report", "rules", "schemas", "scripts", "tests",
    "workflow_config.yaml",
)  # fmt: skip
PROJECT_MARKERS = ("Snakefile", "rules", "cotorder", "workflow_config.yaml")  # a checkout of the project holds these
RESULT_TREES = ("profiles", "searches")  # a results root's per-profile and per-search folders


def _key_origin(config_files: Iterable, key: str, value) -> str:
    """``file:line: key`` of a config file that sets the top-level ``key`` to ``value``, or ``workflow config, key``
    where none does (a --config setting, the default)."""
    for path in reversed([Path(path) for path in config_files]):
        try:
            node = yaml.compose(path.read_text(encoding="utf-8"), Loader=_Loader)
            given = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(node, yaml.MappingNode) and isinstance(given, dict) and key in given:
            if given[key] != value:
                continue  # overridden (by an overlay, or --config)
            lines = [name.start_mark.line + 1 for name, _ in node.value if getattr(name, "value", None) == key]
            return f"{_shown(path)}:{lines[-1]}: {key}"
    return f"workflow config, {key}"


def results_root_problem(results: str, repository: str | os.PathLike, working: str | os.PathLike) -> str | None:
    """What is wrong with ``results`` as the results root (relative to the ``working`` folder, Snakemake's), or None.

    Refused: ``~`` (not expanded: it would make a folder named ``~``); a relative root that leads out of the working
    folder (``..``: an absolute path says so on purpose); a file (or a path through one); the repository itself or a
    folder holding it (``.``, ``/``); a root among the project's own files and folders (:data:`PROJECT_ENTRIES`), or
    a folder holding a checkout of the project; a root inside another results root's ``profiles/`` or ``searches/``
    folder (a ``profiles`` or ``searches`` folder next to a ``logs/`` folder), whose summary.csv it would overwrite."""
    if results.startswith("~"):
        expanded = os.path.expanduser(results)
        return f"{results!r} starts with ~, which is not expanded (a folder named ~ would be made): write {expanded!r}"
    # Normalised, links kept: a linked folder of the project is still the project's.
    working, repository = (Path(os.path.abspath(folder)) for folder in (working, repository))
    root = Path(os.path.normpath(working / results))
    if not Path(results).is_absolute() and not root.is_relative_to(working):
        return f"{results!r} leads out of the working folder {working}: give an absolute path to write there"
    for folder in (root, *root.parents):
        if folder.exists() and not folder.is_dir():
            return f"{results!r}: {_shown(folder)} is a file, not a folder"
    if repository.is_relative_to(root):
        what = "the repository itself" if root == repository else f"a folder holding the repository ({repository})"
        return f"{results!r} is {what}: outputs would land among the project's files; name a folder, e.g. results/x"
    if root.is_relative_to(repository):
        first = root.relative_to(repository).parts[0]
        if first in PROJECT_ENTRIES:
            return f"{results!r} lies in the project's own {first}: name a folder of its own, e.g. results/x"
    real, real_repository = Path(os.path.realpath(root)), Path(os.path.realpath(repository))
    if real != root and real.is_relative_to(real_repository):  # a link into the project is the project's
        parts = real.relative_to(real_repository).parts
        if not parts or parts[0] in PROJECT_ENTRIES:
            what = f"the project's own {parts[0]}" if parts else "the repository itself"
            return f"{results!r} is a link into {what} ({real}): name a folder of its own, e.g. results/x"
    markers = [name for name in PROJECT_MARKERS if (root / name).exists()]
    if markers:
        return f"{results!r} holds {markers[0]}, a checkout of the project: name a folder of its own"
    for folder in (root, *root.parents):
        if folder.name in RESULT_TREES and (folder.parent / "logs").is_dir():
            return (
                f"{results!r} lies in {_shown(folder)}, another results root's {folder.name} folder: "
                f"its summary.csv and logs would overwrite that root's; name a folder of its own"
            )
    return None


def check_results_root(config: dict, config_files: Iterable, repository: str | os.PathLike) -> None:
    """Exit with a one-line message naming the ``results`` key (file and line where a config file set it) if the
    results root is refused (:func:`results_root_problem`)."""
    results = config.get("results", "results")
    if not isinstance(results, str):  # the schema's to name
        return
    problem = results_root_problem(results, repository, os.getcwd())
    if problem:
        sys.exit(f"{_key_origin(config_files, 'results', results)}: {problem}")


def stacked_results_warning(config_files: Iterable, results: str, default_file: str | os.PathLike) -> str | None:
    """A one-line warning, or None: two or more overlays (the config files but ``default_file``, which Snakemake lists
    last and every overlay overrides) set different ``results`` roots, and all but the last are silently overridden."""
    given = {}
    default = os.path.realpath(default_file)
    for path in config_files:
        if os.path.realpath(path) == default:
            continue
        try:
            value = (yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}).get("results")
        except (OSError, yaml.YAMLError, AttributeError):
            continue
        if value is not None:
            given[_shown(path)] = value
    if len(set(map(str, given.values()))) < 2:
        return None
    listed = ", ".join(f"{path}: {value!r}" for path, value in given.items())
    return f"warning: the overlays set different results roots ({listed}); everything is written to {results!r}"


# ---- An overlay that adds tasks to the default config's ----


def added_tasks_warning(config: dict, default_file: str | os.PathLike, overlay_files: Iterable) -> str | None:
    """A one-line warning, or None: the config adds tasks to the default config's (``default_file``, which every
    overlay is merged into) but keeps its ``results`` folder (one summary.csv for both) and, said too where so, its
    ``run_tasks`` (none: the default's tasks run as well). Names the ``overlay_files`` (given with --configfile) that
    add the tasks. A config that adds tasks in a folder of its own is left alone (the paper's grid adds tasks beside
    the default's on purpose)."""
    default = yaml.safe_load(Path(default_file).read_text(encoding="utf-8")) or {}
    defaults = list(default.get("tasks") or {})
    added = [name for name in config.get("tasks") or {} if name not in defaults]
    results = config.get("results", "results")
    same_root = isinstance(results, str) and os.path.normpath(results) == os.path.normpath(
        default.get("results", "results")
    )
    if not added or not same_root:
        return None
    adding = [
        _shown(path)
        for path in overlay_files
        if set(added) & set((yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}).get("tasks") or {})
    ]
    names = ", ".join(added)
    message = (
        f"warning: {' and '.join(adding) or '--config'} adds task{'s' if len(added) > 1 else ''} {names} but keeps "
        f"the default config's results folder {results}/ (one summary.csv for both)"
    )
    advice = f"results: results/{added[0]}"
    if config.get("run_tasks") is None:
        message += f" and sets no run_tasks: {_shown(default_file)}'s tasks ({', '.join(defaults)}) run too"
        advice = f"run_tasks: [{names}] and {advice}"
    return f"{message}. Add {advice} (a starter: experiments/own_task_template.yaml)"


# ---- The config as a figure's title states it ----


def _merged(base: dict, over: dict) -> dict:
    """``over`` merged into ``base`` as Snakemake merges config files: mappings merge, anything else is replaced."""
    merged = dict(base)
    for key, value in over.items():
        both = isinstance(value, dict) and isinstance(merged.get(key), dict)
        merged[key] = _merged(merged[key], value) if both else value
    return merged


def merged_files(paths: Iterable) -> dict:
    """The config files' content merged in order, as Snakemake merges them (each file checked first:
    :func:`config_file_problem`)."""
    merged = {}
    for path in paths:
        merged = _merged(merged, yaml.safe_load(Path(path).read_text(encoding="utf-8")))
    return merged


def config_names(config_files, overwrite_files=(), overwrite_config=None) -> list[str]:
    """The workflow's config as a figure title states it: its files in the order they were merged (the Snakefile's
    before those given with --configfile), relative to the working folder where they lie inside it, and the
    settings given with --config (Snakemake's ``overwrite_config``: the --configfile files' content and --config's
    settings over it; the settings are the top-level keys the files do not account for)."""
    given = [str(path) for path in overwrite_files]
    files = [str(path) for path in config_files if str(path) not in given] + given
    names = [_shown(path) for path in files]
    settings = [
        f"{key}={_shorten(json.dumps(value, separators=(',', ':'), default=str), 40)}"
        for key, value in command_line_settings(given, overwrite_config).items()
    ]
    return names + ([f"--config {' '.join(settings)}"] if settings else [])


def command_line_settings(overwrite_files, overwrite_config=None) -> dict:
    """The settings given with --config: the top-level keys of Snakemake's ``overwrite_config`` (the --configfile
    files' content and --config's settings over it) that the files given with --configfile do not account for."""
    from_files = {}
    for path in overwrite_files:
        from_files = _merged(from_files, yaml.safe_load(Path(path).read_text()) or {})
    return {
        key: value
        for key, value in (overwrite_config or {}).items()
        if key not in from_files or from_files[key] != value
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m cotorder.schema FILE...``: each config file's YAML checked, naming file and line (Snakemake's
    message for an overlay given with --configfile names neither): exit 2 at the first problem."""
    paths = sys.argv[1:] if argv is None else argv
    if not paths:
        print("usage: python -m cotorder.schema CONFIG_FILE...", file=sys.stderr)
        return 2
    for path in paths:
        problem = config_file_problem(path) or duplicate_key(path)
        if problem:
            print(problem, file=sys.stderr)
            return 2
    print(f"{len(paths)} config file{'s' if len(paths) > 1 else ''}: YAML mappings, no key given twice")
    return 0


if __name__ == "__main__":
    sys.exit(main())
