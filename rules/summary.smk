from cotorder.schema import config_names


rule summarize:
    input:
        metrics=PLAN.files(f"{REPLICATE}/metrics.json"),
        code=package_files("summary.py"),
    output:
        replicates=f"{RESULTS}/replicates.csv",
        summary=report(
            f"{RESULTS}/summary.csv",
            caption="../report/summary.rst",
            category="Summary",
        ),
    log:
        f"{RESULTS}/logs/summarize.log",
    conda:
        "../envs/summary.yaml"
    params:
        replicates=PLAN.replicates(),
    script:
        "../scripts/pipeline/summarize.py"


rule plot:
    input:
        summary=f"{RESULTS}/summary.csv",
        replicates=f"{RESULTS}/replicates.csv",
        code=package_files("summary.py"),
    output:
        success=report(
            f"{RESULTS}/plots/success_rate.png",
            caption="../report/success_rate.rst",
            category="Plots",
        ),
        positions=report(
            f"{RESULTS}/plots/position_accuracy.png",
            caption="../report/position_accuracy.rst",
            category="Plots",
        ),
    log:
        f"{RESULTS}/logs/plot.log",
    conda:
        "../envs/summary.yaml"
    params:
        # the figures' titles state the config plotted (and the seeds, from the replicates)
        configs=config_names(
            workflow.configfiles,
            workflow.overwrite_configfiles,
            workflow.config_settings.overwrite_config,
        ),
    script:
        "../scripts/pipeline/plot.py"


rule ground_truth:
    input:
        correlations=lambda wildcards: PLAN.ground_truth_files(
            f"{PROFILE}/validation_correlation.csv"
        ),
        code=package_files("validation.py"),
    output:
        table=f"{RESULTS}/ground_truth.csv",
        markdown=f"{RESULTS}/ground_truth.md",
        plot=report(
            f"{RESULTS}/ground_truth.png",
            caption="../report/ground_truth.rst",
            category="Loss profiles",
        ),
    log:
        f"{RESULTS}/logs/ground_truth.log",
    conda:
        "../envs/summary.yaml"
    params:
        profiles=PLAN.validation_files("{profile}"),
    script:
        "../scripts/pipeline/ground_truth.py"
