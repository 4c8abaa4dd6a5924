# migration-api: the two commands of the quick start are `make run` and `make test`.
.DEFAULT_GOAL := help
SHELL := /bin/bash
JOBS ?= $(shell nproc)
PORT ?= 8000
RELEASE_DIR := build/release

.PHONY: help deps build run test test-sanitize check-deploy fuzz lint format bench-ingest bench-reports bench-imports clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

deps: ## Install the Debian packages the project needs (quick no-op when present)
	@scripts/install-deps.sh

build: deps ## Build the release binary (build/release/migration-api) and the tests
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

run: build ## Serve on :8000 with the embedded defaults (SQLite file + local object folder)
	@mkdir -p var
	$(RELEASE_DIR)/src/migration-api serve --port $(PORT)

test: build lint ## Build and run every test (starts PostgreSQL on loopback, stops it after)
	@scripts/test-servers.sh run -- ctest --test-dir $(RELEASE_DIR) --output-on-failure -j 2
	@scripts/run-fuzzers.sh $${FUZZ_SECONDS:-30}
	@$(MAKE) --no-print-directory check-deploy

test-sanitize: deps ## The unit and integration tests built with AddressSanitizer + UBSan
	@scripts/test-sanitize.sh

check-deploy: deps ## Build and run the container; lint and emulate the AWS/Kubernetes deployment (offline)
	@scripts/check-deploy.sh

fuzz: deps ## Run every fuzz target for FUZZ_SECONDS (default 300) each
	@scripts/run-fuzzers.sh $${FUZZ_SECONDS:-300}

lint: build ## clang-tidy, clang-format (check) and cppcheck on the project's own code
	@scripts/lint.sh $(RELEASE_DIR)

format: ## Format the C++ sources with clang-format
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

bench-ingest: build ## Ingest benchmark (1M rows: psql \copy vs upload; SQLite rows/s; batch endpoint)
	@bench/ingest/run.sh

bench-reports: build ## Report latency at 10M hires on both backends; ingest cost of the maintained counts
	@bench/reports/run.sh

bench-imports: build ## Import of 1M rows from S3 (moto) vs HTTP upload of the same file: counts, rejects, time ratio, RSS
	@bench/imports/run.sh

clean: ## Remove build outputs
	rm -rf build
