# mk/deb.mk: the Debian packages (docs/packaging.md).
#   make deb        batchd, libbatch0 and libbatch-dev .deb files in build/deb/, built
#                   with debhelper from a copy of the tree; lintian's report beside them
#   make test-deb   builds them and checks their metadata and contents (dpkg-deb -I/-c),
#                   lintian, then installs them into a throwaway root and runs batchd,
#                   batchctl and the SDK's examples from there (tests/packaging/deb.sh;
#                   part of `make test`: about 2 minutes more, for a second compile)

DEB_DIR := $(BUILD)/deb

TEST_EXTRA += test-deb

.PHONY: deb test-deb

deb: deps
	@scripts/install-deps.sh deb
	@scripts/build-deb.sh $(VERSION) $(DEB_DIR)

test-deb: deb test-deps
	@tests/packaging/deb.sh $(CURDIR)/$(DEB_DIR) $(VERSION)
