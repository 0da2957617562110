rule generate:
    input:
        order=searched_order,
        task=PLAN.task_file,
        code=package_files(
            "tasks.py", "task_files.py", "orders.py", "datafiles.py", "generate.py"
        ),
    output:
        train=f"{RUN}/data.train",
        test=f"{RUN}/data.test",
    log:
        log_path("generate", RUN_ID),
    conda:
        "../envs/data.yaml"
    params:
        data=run_settings("data"),
    script:
        "../scripts/pipeline/generate.py"


rule data:
    input:
        PLAN.files(f"{RUN}/data.train"),
        PLAN.files(f"{RUN}/data.test"),
