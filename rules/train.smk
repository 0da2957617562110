rule train:
    input:
        train=f"{RUN}/data.train",
        test=f"{RUN}/data.test",
        code=package_files("config.py", "tasks.py", "training.py"),
    output:
        model=directory(f"{RUN}/model"),
    log:
        log_path("train"),
    benchmark:
        benchmark_path("train")
    conda:
        "../envs/train.yaml"
    threads: 2
    resources:
        gpu=GPU_REQUEST,
        mem_mb=16000,
        runtime=720,
    params:
        training=run_part("training"),
        checkpoints=f"{RUN}/checkpoints",  # kept across failures, so a rerun resumes
    script:
        "../scripts/pipeline/train.py"


rule evaluate:
    input:
        model=f"{RUN}/model",
        test=f"{RUN}/data.test",
        code=package_files("evaluation.py"),
    output:
        metrics=f"{RUN}/metrics.json",
        predictions=f"{RUN}/predictions.txt",
    log:
        log_path("evaluate"),
    benchmark:
        benchmark_path("evaluate")
    conda:
        "../envs/train.yaml"
    threads: 2
    resources:
        gpu=GPU_REQUEST,
        mem_mb=8000,
        runtime=60,
    params:
        evaluation=run_part("evaluation"),
    script:
        "../scripts/pipeline/evaluate.py"


rule models:
    input:
        PLAN.files(f"{RUN}/model"),


rule metrics:
    input:
        PLAN.files(f"{RUN}/metrics.json"),
