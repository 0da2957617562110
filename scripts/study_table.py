"""A study's table: where forward and inverse rank under each criterion, over seeds, from a results folder.

    .venv/bin/python scripts/study_table.py RESULTS [--criteria first final mean margin] [--seeds 3 4 5]
    .venv/bin/python scripts/study_table.py --configfile experiments/study_profiling.yaml [--seeds 0 1]

RESULTS is a study config's `results` folder (e.g. results/study_profiling); prints one Markdown table per
criterion and one of each profile's verdict (cotorder/study.py), each with the seeds it read.

Which replicates are read: without --configfile, every profiles/<name>/seed=<S>/losses.csv under RESULTS (a seed
since dropped from the config is still there, and read: the `seeds` columns say which were). With --configfile
(the overlays given to snakemake, after workflow_config.yaml), exactly the config's profiles and each one's
configured seeds, under the config's `results` (or RESULTS): a missing replicate is an error, folders of profiles
or seeds no longer configured are left out. Every table read is checked (cotorder.study.read_replicate_table): a
missing, empty, short or non-numeric losses.csv, or seeds with different orders, exit 2 with one line naming it.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cotorder.generate_cli import MAX_SEED, integer_flag  # noqa: E402
from cotorder.runs import ConfigError, plan  # noqa: E402
from cotorder.schema import config_file_problem, duplicate_key, load_schema, merged_files, schema_error  # noqa: E402
from cotorder.study import (  # noqa: E402
    CRITERIA,
    ReplicateTableError,
    profile_verdicts,
    replicate_ranks,
    study_table,
)


def configured(files: list[Path], parser) -> tuple[str, dict]:
    """The config's results root and profile name → seeds, the files merged over workflow_config.yaml as Snakemake
    merges them; exit 2 naming the file (and line) or the key on a bad config."""
    paths = [ROOT / "workflow_config.yaml", *files]
    for path in paths:
        problem = config_file_problem(path) or duplicate_key(path)
        if problem:
            parser.exit(2, f"{parser.prog}: --configfile {problem}\n")
    config = merged_files(paths)
    problem = schema_error(config, load_schema(ROOT / "schemas" / "config.schema.yaml"))
    try:
        if problem:
            raise ConfigError(problem.removeprefix("workflow config, "))
        found = plan(config)
    except ConfigError as error:
        parser.exit(2, f"{parser.prog}: --configfile: workflow config, {error}\n")
    return config.get("results", "results"), {name: list(profile.seeds) for name, profile in found.profiles.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("results", type=Path, nargs="?", help="the results folder (default: the config's `results`)")
    parser.add_argument("--criteria", nargs="+", choices=CRITERIA, default=list(CRITERIA))
    parser.add_argument(
        "--seeds", nargs="+", type=integer_flag("--seeds", 0, MAX_SEED), help="the seeds to report (default: all)"
    )
    parser.add_argument("--configfile", nargs="+", type=Path, help="the study's config overlays: read its seeds only")
    args = parser.parse_args(argv)
    profiles = None
    if args.configfile:
        results, profiles = configured(args.configfile, parser)
        args.results = args.results or Path(results)
    elif args.results is None:
        parser.error("give RESULTS (a results folder) or --configfile")
    if not args.results.is_dir():
        parser.exit(2, f"{parser.prog}: {args.results}: no such folder\n")
    try:
        ranks = replicate_ranks(args.results, profiles)
        if ranks.empty:
            parser.exit(2, f"{parser.prog}: {args.results}: no profile replicates (profiles/*/seed=*/losses.csv)\n")
        absent = sorted(set(args.seeds or []) - set(ranks["seed"]))
        if absent:
            found = " ".join(map(str, sorted(set(ranks["seed"]))))
            parser.error(f"--seeds {' '.join(map(str, absent))}: no replicate of that seed (seeds read: {found})")
        verdicts = profile_verdicts(args.results, args.seeds, profiles)
    except ReplicateTableError as error:
        parser.exit(2, f"{parser.prog}: {error}\n")
    for criterion in args.criteria:
        print(f"\n### criterion: {criterion}\n")
        print(study_table(ranks, criterion, args.seeds).to_markdown(index=False))
    print("\n### verdicts (by each profile's own criterion)\n")
    print(verdicts.to_markdown(index=False))


if __name__ == "__main__":
    main()
