from pathlib import Path

from snakemake.utils import min_version

from cotorder.schema import check_workflow_config

min_version("9.0")


configfile: "workflow_config.yaml"


# Each config file's keys once per mapping, then the schema: one line naming the key, no traceback.
check_workflow_config(
    config,
    workflow.configfiles,
    Path(workflow.basedir) / "schemas" / "config.schema.yaml",
)


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/train.smk"
include: "rules/summary.smk"
include: "rules/profile.smk"
include: "rules/search.smk"


rule all:
    default_target: True
    input:
        final_targets(),
