# SPDX-License-Identifier: Apache-2.0
# make        build everything into build/
# make run    build, self-test, and show the platform (see README)
# make check  build and run every test: unit, CLI, fuzz replay, constant-time (valgrind),
#             then the unit tests again under ASan+UBSan, then a short libFuzzer run per target
# make bench  ccsp vs OpenSSL throughput, one core, and TLCP handshakes/s and record MB/s; then SDF ops/s and
#             latency through libsdf -> vsmd; then the ccspd gateway under wrk (requests/s, p50/p99)
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
FUZZ_SECONDS ?= 10
JOBS       ?= $(shell nproc)

.PHONY: all deps build run check check-asan fuzz bench clean

all: build

deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory

run: build
	@scripts/run.sh $(BUILD)

check: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory check-asan
	@$(MAKE) --no-print-directory fuzz

check-asan: deps
	@cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DCCSP_SANITIZE=ON >/dev/null
	@cmake --build $(BUILD_ASAN) -j $(JOBS) -- --no-print-directory
	ctest --test-dir $(BUILD_ASAN) --output-on-failure -j $(JOBS)

fuzz: deps
	@CC=clang cmake -S . -B $(BUILD_FUZZ) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCCSP_FUZZ=ON >/dev/null
	@cmake --build $(BUILD_FUZZ) -j $(JOBS) -- --no-print-directory
	@scripts/fuzz-smoke.sh $(BUILD_FUZZ) $(FUZZ_SECONDS)

bench: build
	@$(BUILD)/bin/ccsp-bench $(BENCH_ARGS)
	@scripts/bench-sdf.sh $(BUILD)
	@scripts/bench-ccspd.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
