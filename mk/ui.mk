# mk/ui.mk: the web UI (docs/ui.md). Its bundle ui/dist/ is committed, generated: `make`
# compiles it into batchd (Makefile, build/gen/ui.c) and needs no Node.
#   make ui        rebuild ui/dist/ from ui/src/ (npm ci, then esbuild; needs node and npm)
#   make test-ui   end-to-end tests in headless Chromium (part of `make test`)

.PHONY: ui ui-deps

ui-deps: deps
	@scripts/install-deps.sh ui

ui: ui-deps
	@cd ui && npm ci --no-audit --no-fund --loglevel=error && node build.mjs
	@echo "ui/dist/ rebuilt; commit it with the sources"

TEST_EXTRA += test-ui

.PHONY: test-ui

# Installs Chromium (and Node, npm where none is on PATH) first, then runs the browser
# tests on a real batchd; screenshots in $(BUILD)/ui-screens/.
# (installed in the recipe, after test-deps: two apt-get never run at once)
test-ui: all test-deps
	@scripts/install-deps.sh ui
	@BUILD_DIR=$(CURDIR)/$(BUILD) tests/ui/run.sh
