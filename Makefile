# Top-level Makefile: the entry points a user runs.
#
#   make                 build src/redis-server (installs Debian deps if missing)
#   make test            unit tests + the Tcl integration suite
#   make cluster         build and start a local cluster (see README.md)
#   make image           the container image (build/redis-nat-7.0.15.oci.tar)
#   make fuzz            run the libFuzzer targets (FUZZ_SECONDS=60 each)
#   make install PREFIX=/usr/local
#   make clean
# Knobs (remembered between builds): MALLOC=jemalloc|libc SANITIZE=address|undefined V=1

.PHONY: all test unit cluster cluster-stop install clean bench deps fuzz image

all: deps
	$(MAKE) -C src

deps:
	@sh deps/install.sh

unit: all
	$(MAKE) -C src unit

test: all
	@sh deps/npm.sh
	$(MAKE) -C src unit
	@if command -v clang >/dev/null 2>&1; then $(MAKE) -s -j2 -C src/fuzz run FUZZ_SECONDS=$(TEST_FUZZ_SECONDS); \
	 else echo "fuzz: skipped (no clang)"; fi
	tclsh tests/test_helper.tcl $(TEST_ARGS)

# libFuzzer targets (src/fuzz): FUZZ_SECONDS per target, corpus in tests/fuzz
FUZZ_SECONDS ?= 60
TEST_FUZZ_SECONDS ?= 5
fuzz: deps
	$(MAKE) -C src/fuzz run FUZZ_SECONDS=$(FUZZ_SECONDS)

# The container image as an OCI archive, without a Docker engine
image: all
	@sh utils/build-image.sh

cluster: all
	@sh utils/local-cluster.sh start

cluster-stop:
	@sh utils/local-cluster.sh stop

bench: all
	@utils/bench

install: all
	$(MAKE) -C src install

clean:
	$(MAKE) -C src clean
	$(MAKE) -C src/fuzz clean
