rule profile_data:
    input:
        code=package_files(
            "tasks.py", "orders.py", "datafiles.py", "generate.py", "candidates.py"
        ),
    output:
        train=f"{PROFILE}/data.train",
        validation=f"{PROFILE}/data.valid",
    log:
        f"{RESULTS}/logs/profile_data/{{profile}}.log",
    conda:
        "../envs/data.yaml"
    params:
        data=lambda wildcards: PLAN.profile(wildcards).data,
    script:
        "../scripts/pipeline/profile_data.py"


rule profile:
    input:
        train=f"{PROFILE}/data.train",
        validation=f"{PROFILE}/data.valid",
        code=package_files("config.py", "tasks.py", "training.py", "profiling.py"),
    output:
        model=directory(f"{PROFILE}/model"),
        losses=f"{PROFILE}/losses.csv",
    log:
        f"{RESULTS}/logs/profile/{{profile}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/profile/{{profile}}.tsv"
    conda:
        "../envs/train.yaml"
    threads: 2
    resources:
        gpu=GPU_REQUEST,
        mem_mb=16000,
        runtime=720,
    params:
        profile=lambda wildcards: vars(PLAN.profile(wildcards)),
        checkpoints=f"{PROFILE}/checkpoints",  # every scoring point's; kept across failures
    script:
        "../scripts/pipeline/profile.py"


rule profile_plot:
    input:
        losses=f"{PROFILE}/losses.csv",
        code=package_files("profiling.py"),
    output:
        report(
            f"{PROFILE}/losses.png",
            caption="../report/profile.rst",
            category="Loss profiles",
            subcategory="{profile}",
        ),
    log:
        f"{RESULTS}/logs/profile_plot/{{profile}}.log",
    conda:
        "../envs/summary.yaml"
    script:
        "../scripts/pipeline/profile_plot.py"


rule profiles:
    input:
        PLAN.profile_files(f"{PROFILE}/losses.png"),
