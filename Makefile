# Top-level Makefile: the entry points a user runs.
#
#   make                 build src/redis-server (installs Debian deps if missing)
#   make test            unit tests + the Tcl integration suite
#   make cluster         build and start a local cluster (see README.md)
#   make install PREFIX=/usr/local
#   make clean
# Knobs (remembered between builds): MALLOC=jemalloc|libc SANITIZE=address|undefined V=1

.PHONY: all test unit cluster cluster-stop install clean bench deps

all: deps
	$(MAKE) -C src

deps:
	@sh deps/install.sh

unit: all
	$(MAKE) -C src unit

test: all
	@sh deps/npm.sh
	$(MAKE) -C src unit
	tclsh tests/test_helper.tcl $(TEST_ARGS)

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
