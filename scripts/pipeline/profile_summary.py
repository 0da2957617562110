"""Snakemake script: a profile's replicates together: summary.csv, agreement.csv, losses.png.

summary.csv (:func:`cotorder.evidence.summarize`) carries, repeated on every row, the ``verdict`` and its
``verdict_reason``, each seed's Spearman's ρ between the model's ranking and the no-learning baseline's
(``baseline_spearman_seed<S>``), whether the ranking follows the token statistics (``follows_tokens``) and that
statement (``tokens_statement``; :func:`cotorder.evidence.token_statement`).  agreement.csv: ρ between seeds."""

import sys

from _job import log_to  # first: puts the workflow's package on sys.path

from cotorder.evidence import agreement, baseline_agreement, summarize, token_statement, verdict
from cotorder.profiling import is_control, plot_profile, write_table
from cotorder.study import ReplicateTableError, read_replicate_tables

log_to(snakemake.log[0])
try:  # every configured seed's table, readable, numbers where numbers go, the same orders: else one line naming it
    tables = read_replicate_tables(dict(zip(snakemake.params.seeds, snakemake.input.losses, strict=True)))
except ReplicateTableError as error:
    sys.exit(f"profile {snakemake.wildcards.profile}: {error}")
summary = summarize(tables)
found = verdict(summary, len(tables), control=is_control(tables))
pairs = agreement(tables)
tokens = baseline_agreement(tables)
follows = token_statement(tokens)
rhos = {f"baseline_spearman_seed{row.seed}": row.spearman for row in tokens.itertuples()}
repeated = {"verdict": found["verdict"], "verdict_reason": found["reason"], **rhos,
            "follows_tokens": follows["explained"], "tokens_statement": follows["statement"]}  # fmt: skip
write_table(summary.assign(**repeated), snakemake.output.summary)
write_table(pairs, snakemake.output.agreement)
plot_profile(summary, tables, found, tokens, snakemake.output.plot, title=f"loss profile {snakemake.wildcards.profile}")
print(summary.head(10).to_string(index=False))
print(f"rank agreement (Spearman) between seeds: {pairs['spearman'].round(3).tolist()}")
print(f"verdict: {found['verdict']}: {found['reason']}")
print(f"token statistics: {follows['statement']}")
