# mk/nodes.mk: the nodes as operators see them (issue 22, docs/daemon.md "Nodes"):
# tests/api/nodes.sh (the routes, batchctl nodes, draining, on SQLite) and
# tests/daemon/nodes.sh (two batchd on one PostgreSQL started by the test, one with a
# skewed clock).
#   make test-nodes     (part of `make test`)

TEST_EXTRA += test-nodes

.PHONY: test-nodes

test-nodes: all test-deps
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/api/nodes.sh
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/daemon/nodes.sh
