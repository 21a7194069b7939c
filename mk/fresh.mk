# mk/fresh.mk: the fresh-machine test (issue 19; docs/packaging.md, "A fresh machine").
#   make test-fresh   a fresh clone of the last commit built with `make -j2` in a minimal
#                     Debian 12 chroot (debootstrap), then `make unit-run`, `make test-cli`
#                     and `make run` there (tests/packaging/fresh.sh; as root). Not part of
#                     `make test`: it downloads a base system and takes many minutes.

.PHONY: test-fresh

test-fresh:
	@scripts/install-deps.sh fresh
	@tests/packaging/fresh.sh
