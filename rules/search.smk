rule search_round:
    input:
        survivors=previous_round,
        task=PLAN.task_file,
        code=package_files(
            "tasks.py",
            "task_files.py",
            "candidates.py",
            "config.py",
            "training.py",
            "baseline.py",
            "lookup.py",
            "profiling.py",
            "search.py",
        ),
    output:
        kept=SEARCH_KEPT,
        losses=f"{SEARCH_ROUND}/losses.csv",
    log:
        f"{RESULTS}/logs/search_round/{{search}}/seed={{seed}}/round{{round}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/search_round/{{search}}/seed={{seed}}/round{{round}}.tsv"
    conda:
        "../envs/train.yaml"
    threads: lambda wildcards: 2 if PLAN.trains_model(wildcards) else 1
    resources:
        gpu=lambda wildcards: GPU_REQUEST if PLAN.trains_model(wildcards) else 0,
        mem_mb=16000,
        runtime=720,
    params:
        round=PLAN.search_round,
    script:
        "../scripts/pipeline/search_round.py"


rule search_result:
    input:
        rounds=lambda wildcards: [
            SEARCH_KEPT.format(**wildcards, round=index)
            for index in PLAN.search_rounds(wildcards.search)
        ],
        code=package_files("search.py"),
    output:
        order=SEARCH_ORDER,
    log:
        f"{RESULTS}/logs/search_result/{{search}}/seed={{seed}}.log",
    conda:
        "../envs/summary.yaml"
    params:
        n=lambda wildcards: PLAN.searches[wildcards.search].profile.data["n"],
    script:
        "../scripts/pipeline/search_result.py"


rule search_summary:
    input:
        orders=lambda wildcards: PLAN.search_files(SEARCH_ORDER, wildcards.search),
        code=package_files("search.py"),
    output:
        summary=f"{SEARCH}/summary.csv",
        plot=report(
            f"{SEARCH}/search.png",
            caption="../report/search.rst",
            category="Order searches",
            subcategory="{search}",
        ),
    log:
        f"{RESULTS}/logs/search_summary/{{search}}.log",
    conda:
        "../envs/summary.yaml"
    params:
        seeds=lambda wildcards: PLAN.searches[wildcards.search].profile.seeds,
        named=lambda wildcards: PLAN.named_orders(wildcards.search),
    script:
        "../scripts/pipeline/search_summary.py"


rule searches:
    input:
        PLAN.search_files(f"{SEARCH}/summary.csv"),


# A path search (method: path) has one round, its kept.json written by this rule (a search round's otherwise).
ruleorder: search_path > search_round


rule search_path:
    input:
        task=PLAN.task_file,
        code=package_files(
            "tasks.py",
            "task_files.py",
            "candidates.py",
            "generate.py",
            "baseline.py",
            "lookup.py",
            "search.py",
            "paths.py",
        ),
    output:
        kept=SEARCH_KEPT,
        losses=f"{SEARCH_ROUND}/losses.csv",
        costs=f"{SEARCH_ROUND}/costs.csv",
        plot=report(
            f"{SEARCH_ROUND}/costs.png",
            caption="../report/search_path.rst",
            category="Order searches",
            subcategory="{search}",
        ),
    log:
        f"{RESULTS}/logs/search_path/{{search}}/seed={{seed}}/round{{round}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/search_path/{{search}}/seed={{seed}}/round{{round}}.tsv"
    wildcard_constraints:
        search="|".join(PLAN.path_searches) or "(?!)",
    conda:
        "../envs/paths.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        round=PLAN.search_round,
    script:
        "../scripts/pipeline/search_path.py"


# A search whose ranker trains nothing (rank_by: baseline or lookup) plays all its rounds in one job a seed.
ruleorder: search_untrained > search_result


rule search_untrained:
    input:
        task=PLAN.task_file,
        code=package_files(
            "tasks.py",
            "task_files.py",
            "candidates.py",
            "config.py",
            "baseline.py",
            "lookup.py",
            "profiling.py",
            "search.py",
            "untrained_search.py",
        ),
    output:
        order=SEARCH_ORDER,
        rounds=directory(f"{SEARCH_REPLICATE}/rounds"),
    log:
        f"{RESULTS}/logs/search_untrained/{{search}}/seed={{seed}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/search_untrained/{{search}}/seed={{seed}}.tsv"
    wildcard_constraints:
        search="|".join(PLAN.untrained_searches) or "(?!)",
    conda:
        "../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        search=PLAN.untrained_search,
    script:
        "../scripts/pipeline/search_untrained.py"
