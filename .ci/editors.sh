# Sourced by .ci/run: the real editors the language server's tests drive headless (Debian's
# Emacs with eglot and lsp-mode; Neovim is installed above). Here they must run: install what
# is missing, and make the tests fail rather than skip without them.
_mm_editor_packages=""
command -v emacs >/dev/null 2>&1 || _mm_editor_packages="$_mm_editor_packages emacs-nox"
dpkg -s elpa-eglot >/dev/null 2>&1 || _mm_editor_packages="$_mm_editor_packages elpa-eglot"
dpkg -s elpa-lsp-mode >/dev/null 2>&1 || _mm_editor_packages="$_mm_editor_packages elpa-lsp-mode"
if [ -n "$_mm_editor_packages" ]; then
    _mm_sudo=""
    if [ "$(id -u)" != 0 ]; then _mm_sudo="sudo"; fi
    $_mm_sudo apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $_mm_sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
        $_mm_editor_packages >/dev/null
fi
export MIGRATION_MANIFEST_REQUIRE_EDITORS=1
