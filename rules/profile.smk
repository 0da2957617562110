rule profile_data:
    input:
        task=PLAN.task_file,
        code=package_files(
            "tasks.py",
            "task_files.py",
            "orders.py",
            "datafiles.py",
            "generate.py",
            "candidates.py",
        ),
    output:
        train=f"{PROFILE_REPLICATE}/data.train",
        validation=f"{PROFILE_REPLICATE}/data.valid",
    log:
        f"{RESULTS}/logs/profile_data/{{profile}}/seed={{seed}}.log",
    conda:
        "../envs/data.yaml"
    params:
        data=lambda wildcards: PLAN.profile_replicate(wildcards)["data"],  # its own validation rows
    script:
        "../scripts/pipeline/profile_data.py"


rule profile:
    input:
        train=f"{PROFILE_REPLICATE}/data.train",
        validation=f"{PROFILE_REPLICATE}/data.valid",
        task=PLAN.task_file,
        code=package_files(
            "config.py",
            "tasks.py",
            "task_files.py",
            "training.py",
            "candidates.py",
            "baseline.py",
            "lookup.py",
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
    threads: lambda wildcards: 2 if PLAN.trains_model(wildcards) else 1
    resources:
        gpu=lambda wildcards: GPU_REQUEST if PLAN.trains_model(wildcards) else 0,
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


rule profile_pick:
    input:
        summary=f"{PROFILE}/summary.csv",
        code=package_files("validation.py"),
    output:
        order=PROFILE_PICK,
    log:
        f"{RESULTS}/logs/profile_pick/{{profile}}/pick{{pick}}.log",
    conda:
        "../envs/summary.yaml"
    params:
        picks=lambda wildcards: PLAN.profiles[wildcards.profile].picks,
    script:
        "../scripts/pipeline/profile_pick.py"


rule profile_validation:
    input:
        summary=f"{PROFILE}/summary.csv",
        losses=lambda wildcards: PLAN.profile_files(
            f"{PROFILE_REPLICATE}/losses.csv", wildcards.profile
        ),
        metrics=lambda wildcards: [
            f"{REPLICATE}/metrics.json".format(**replicate)
            for replicate in PLAN.validation_replicates(wildcards.profile)
        ],
        code=package_files("validation.py", "study.py", "evidence.py"),
    output:
        table=f"{PROFILE}/validation.csv",
        correlation=f"{PROFILE}/validation_correlation.csv",
        plot=report(
            f"{PROFILE}/validation.png",
            caption="../report/validation.rst",
            category="Loss profiles",
            subcategory="{profile}",
        ),
    log:
        f"{RESULTS}/logs/profile_validation/{{profile}}.log",
    conda:
        "../envs/summary.yaml"
    params:
        seeds=lambda wildcards: PLAN.profile(wildcards).seeds,
    script:
        "../scripts/pipeline/profile_validation.py"


rule validations:
    input:
        PLAN.validation_files(f"{PROFILE}/validation.csv"),
