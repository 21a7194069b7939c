# mk/ui.mk: the web UI (docs/ui.md). Its bundle ui/dist/ is committed, generated: `make`
# compiles it into batchd (Makefile, build/gen/ui.c) and needs no Node.
#   make ui        rebuild ui/dist/ from ui/src/ (npm ci, then esbuild; needs node and npm)
#   make test-ui   end-to-end tests in headless Chromium (part of `make test`)

.PHONY: ui ui-deps

ui-deps:
	@scripts/install-deps.sh ui

ui: ui-deps
	@cd ui && npm ci --no-audit --no-fund --loglevel=error && node build.mjs
	@echo "ui/dist/ rebuilt; commit it with the sources"
