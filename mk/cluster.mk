# mk/cluster.mk: issue 22's nodes on one PostgreSQL repository (docs/cluster.md).
#   make test-cluster   tests/cluster/lease.sh (the planner lease with real nodes: takeover
#                       after kill -9 and SIGSTOP, node lost, the lost node's jobs killed),
#                       tests/cluster/claims.sh (claims: runs spread, labels, stops, a
#                       worker lost) and tests/cluster/chaos.sh in its short form (40 s of faults on
#                       three nodes, about 70 s in all)
#   make soak           also runs chaos.sh with 600 s of faults (soak-cluster)
# Replay a chaos run with SEED=N (each run prints its seed).

TEST_EXTRA += test-cluster

.PHONY: test-cluster soak-cluster

test-cluster: all
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/cluster/lease.sh
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/cluster/claims.sh
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/cluster/chaos.sh

soak-cluster: all
	@BUILD_DIR=$(CURDIR)/$(BUILD) FAULT_SECONDS=600 tests/cluster/chaos.sh

soak: soak-cluster
