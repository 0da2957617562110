from pathlib import Path

from snakemake.utils import min_version

from cotorder.schema import check_config_file, check_results_root, check_workflow_config

min_version("9.0")

# Snakemake's own message for a YAML error here names neither file nor line.
check_config_file("workflow_config.yaml")


configfile: "workflow_config.yaml"


# Each config file's keys once per mapping, then the schema: one line naming the key, no traceback.
check_workflow_config(
    config,
    workflow.configfiles,
    Path(workflow.basedir) / "schemas" / "config.schema.yaml",
)
# Where everything will be written: not a file, not the repository or its folders, not another root's profile.
check_results_root(config, workflow.configfiles, workflow.basedir)


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
