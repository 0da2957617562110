"""A study's table: where forward and inverse rank under each criterion, over seeds, from a results folder.

    .venv/bin/python scripts/study_table.py RESULTS [--criteria first final mean margin] [--seeds 3 4 5]

RESULTS is a study config's `results` folder (e.g. results/study_profiling); prints one Markdown table per
criterion and one of each profile's verdict (cotorder/study.py).
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cotorder.study import CRITERIA, profile_verdicts, replicate_ranks, study_table  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--criteria", nargs="+", choices=CRITERIA, default=list(CRITERIA))
    parser.add_argument("--seeds", nargs="+", type=int, help="the seeds to report (default: all)")
    args = parser.parse_args()
    ranks = replicate_ranks(args.results)
    if ranks.empty:
        parser.exit(2, f"{parser.prog}: {args.results}: no profile replicates (profiles/*/seed=*/losses.csv)\n")
    for criterion in args.criteria:
        print(f"\n### criterion: {criterion}\n")
        print(study_table(ranks, criterion, args.seeds).to_markdown(index=False))
    print("\n### verdicts (by each profile's own criterion)\n")
    print(profile_verdicts(args.results, args.seeds).to_markdown(index=False))


if __name__ == "__main__":
    main()
