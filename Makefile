.DEFAULT_GOAL := help
.PHONY: help run test lint bench assets setup

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

run: ## Set up everything, load demo data, serve web + worker + beat; prints the URL and logins
	@scripts/run.sh

test: ## Set up everything, then lint, checks and the whole test suite (browser included)
	@scripts/test.sh

lint: ## ruff and mypy only
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy .

bench: ## Benchmarks: seeding and pages at scale (writes figures to stdout)
	@scripts/bench.sh

assets: ## Rebuild GOV.UK Frontend CSS/JS into static/ from the npm registry (commit the result)
	@scripts/build-assets.sh

setup: ## Only the set-up: packages, virtualenv, PostgreSQL, Redis, migrations
	@scripts/setup.sh
