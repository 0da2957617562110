import sys
from pathlib import Path

from snakemake.utils import min_version

from cotorder.schema import (
    added_tasks_warning,
    check_config_file,
    check_results_root,
    check_workflow_config,
    command_line_settings,
    stacked_results_warning,
)
from cotorder.summary import report_command, where_results_are

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
# Overlays that set different results roots (all but the last overridden), and tasks of an overlay's own written into
# the default's folder (and the default's grid run beside them): one line each, once (not again in each job's own
# Snakemake).
if not (workflow.remote_exec or workflow.subprocess_exec):
    for warning in (
        stacked_results_warning(
            workflow.configfiles,
            config.get("results", "results"),
            Path(workflow.basedir) / "workflow_config.yaml",
        ),
        added_tasks_warning(
            config, "workflow_config.yaml", workflow.overwrite_configfiles
        ),
    ):
        if warning:
            print(warning, file=sys.stderr)


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


# A successful run (not a dry run: Snakemake calls no hook then) ends with where its results are.
onsuccess:
    jobs = workflow.dag.jobs
    report = report_command(
        sys.argv[0],
        RESULTS,
        workflow.overwrite_configfiles,
        command_line_settings(
            workflow.overwrite_configfiles,
            workflow.config_settings.overwrite_config,
        ),
    )
    built = [str(path) for job in jobs for path in job.output]
    whole = any(job.rule.name == "all" for job in jobs)
    print(where_results_are(RESULTS, built, whole, report), file=sys.stderr)
