# Sourced by .ci/run: the real editors the language server's tests drive headless (Debian's
# Emacs with eglot and lsp-mode; Neovim is installed above). Here they must run: install what
# is missing, and make the tests fail rather than skip without them.
.ci/apt-install.sh emacs-nox elpa-eglot elpa-lsp-mode
export MIGRATION_MANIFEST_REQUIRE_EDITORS=1
