rule search_round:
    input:
        survivors=previous_round,
        code=package_files(
            "tasks.py",
            "candidates.py",
            "config.py",
            "training.py",
            "profiling.py",
            "search.py",
        ),
    output:
        kept=f"{SEARCH}/round{{round}}/kept.json",
        losses=f"{SEARCH}/round{{round}}/losses.csv",
    log:
        f"{RESULTS}/logs/search_round/{{search}}/round{{round}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/search_round/{{search}}/round{{round}}.tsv"
    conda:
        "../envs/train.yaml"
    threads: 2
    resources:
        gpu=GPU_REQUEST,
        mem_mb=16000,
        runtime=720,
    params:
        round=lambda wildcards: PLAN.search_round(wildcards),
    script:
        "../scripts/pipeline/search_round.py"


rule search_result:
    input:
        rounds=lambda wildcards: [
            f
            for f in PLAN.search_files(f"{SEARCH}/round{{round}}/kept.json")
            if f.startswith(f"{RESULTS}/searches/{wildcards.search}/")
        ],
        code=package_files("search.py"),
    output:
        order=SEARCH_ORDER,
        plot=report(
            f"{SEARCH}/search.png",
            caption="../report/search.rst",
            category="Order searches",
            subcategory="{search}",
        ),
    log:
        f"{RESULTS}/logs/search_result/{{search}}.log",
    conda:
        "../envs/summary.yaml"
    script:
        "../scripts/pipeline/search_result.py"


rule searches:
    input:
        PLAN.search_files(SEARCH_ORDER),
