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
        code=package_files(
            "config.py",
            "tasks.py",
            "training.py",
            "candidates.py",
            "baseline.py",
            "profiling.py",
        ),
    output:
        mixture=f"{PROFILE_REPLICATE}/mixture.train",
        model=directory(f"{PROFILE_REPLICATE}/model"),
        losses=f"{PROFILE_REPLICATE}/losses.csv",
    log:
        f"{RESULTS}/logs/profile/{{profile}}/seed={{seed}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/profile/{{profile}}/seed={{seed}}.tsv"
    conda:
        "../envs/train.yaml"
    threads: 2
    resources:
        gpu=GPU_REQUEST,
        mem_mb=16000,
        runtime=720,
    params:
        replicate=PLAN.profile_replicate,
        checkpoints=f"{PROFILE_REPLICATE}/checkpoints",  # every scoring point's; kept across failures
    script:
        "../scripts/pipeline/profile.py"


rule profile_summary:
    input:
        losses=lambda wildcards: PLAN.profile_files(
            f"{PROFILE_REPLICATE}/losses.csv", wildcards.profile
        ),
        code=package_files("evidence.py", "profiling.py"),
    output:
        summary=f"{PROFILE}/summary.csv",
        agreement=f"{PROFILE}/agreement.csv",
        plot=report(
            f"{PROFILE}/losses.png",
            caption="../report/profile.rst",
            category="Loss profiles",
            subcategory="{profile}",
        ),
    log:
        f"{RESULTS}/logs/profile_summary/{{profile}}.log",
    conda:
        "../envs/summary.yaml"
    params:
        seeds=lambda wildcards: PLAN.profile(wildcards).seeds,
    script:
        "../scripts/pipeline/profile_summary.py"


rule profiles:
    input:
        PLAN.profile_files(f"{PROFILE}/losses.png"),
