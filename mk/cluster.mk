# mk/cluster.mk: issue 22's nodes on one PostgreSQL repository (docs/cluster.md).
#   make test-cluster   tests/cluster/lease.sh (the planner lease with real nodes: takeover
#                       after kill -9 and SIGSTOP, node lost, the lost node's jobs killed)

TEST_EXTRA += test-cluster

.PHONY: test-cluster

test-cluster: all
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/cluster/lease.sh
