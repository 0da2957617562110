check_training_settings()


rule train:
    input:
        train=f"{RUN}/data.train",
        test=f"{RUN}/data.test",
        code=package_files("config.py", "training.py"),
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
        config=training_config,
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
        order=lambda wildcards: positions(
            wildcards.task, wildcards.n, wildcards.direction
        ),
        batch_size=lambda wildcards: resolve_training_config(
            training_config(wildcards)
        )["train"]["test_batch_size"],
    script:
        "../scripts/pipeline/evaluate.py"


rule models:
    input:
        run_files(f"{RUN}/model"),


rule metrics:
    input:
        run_files(f"{RUN}/metrics.json"),
