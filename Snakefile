from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "workflow_config.yaml"


validate(config, "schemas/config.schema.yaml")


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
