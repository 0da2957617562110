rule generate:
    input:
        code=package_files("tasks.py", "orders.py", "datafiles.py", "generate.py"),
    output:
        train=f"{RUN}/data.train",
        test=f"{RUN}/data.test",
    log:
        log_path("generate"),
    conda:
        "../envs/data.yaml"
    params:
        generation=generation_params,
    script:
        "../scripts/pipeline/generate.py"


rule data:
    input:
        run_files(f"{RUN}/data.train"),
        run_files(f"{RUN}/data.test"),
