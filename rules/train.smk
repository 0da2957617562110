rule train:
    input:
        train=f"{RUN}/data.train",
        test=f"{RUN}/data.test",
        order=searched_order,
        task=PLAN.task_file,
        code=package_files("config.py", "tasks.py", "task_files.py", "training.py"),
    output:
        model=directory(f"{REPLICATE}/model"),
    log:
        log_path("train", REPLICATE_ID),
    benchmark:
        benchmark_path("train", REPLICATE_ID)
    conda:
        "../envs/train.yaml"
    threads: 2
    resources:
        gpu=GPU_REQUEST,
        mem_mb=16000,
        runtime=720,
    params:
        training=run_settings("training"),
        checkpoints=f"{REPLICATE}/checkpoints",  # kept across failures, so a rerun resumes
    script:
        "../scripts/pipeline/train.py"


rule evaluate:
    input:
        model=f"{REPLICATE}/model",
        test=f"{RUN}/data.test",
        order=searched_order,
        code=package_files("evaluation.py"),
    output:
        metrics=f"{REPLICATE}/metrics.json",
        predictions=f"{REPLICATE}/predictions.txt",
    log:
        log_path("evaluate", REPLICATE_ID),
    benchmark:
        benchmark_path("evaluate", REPLICATE_ID)
    conda:
        "../envs/train.yaml"
    threads: 2
    resources:
        gpu=GPU_REQUEST,
        mem_mb=8000,
        runtime=60,
    params:
        evaluation=run_settings("evaluation"),
    script:
        "../scripts/pipeline/evaluate.py"


rule models:
    input:
        PLAN.files(f"{REPLICATE}/model"),


rule metrics:
    input:
        PLAN.files(f"{REPLICATE}/metrics.json"),
