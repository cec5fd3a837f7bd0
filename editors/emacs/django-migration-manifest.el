;;; django-migration-manifest.el --- eglot setup for the django-migration-manifest language server  -*- lexical-binding: t; -*-

;; Usage: put this file on your `load-path' and add to your init file
;;
;;   (require 'django-migration-manifest)
;;
;; Migration files (any *.py in a folder named "migrations") and migrations.toml then get the
;; language server (python -m lsp_server) through eglot (Emacs 29+, or eglot from ELPA):
;; diagnostics for migration conflicts, a stale manifest and unsafe operations, quick fixes
;; with M-x eglot-code-actions, hovers, and the commands below. Other Python files keep
;; whatever server you use for them: this only applies to migration buffers.
;;
;; The settings (docs/lsp.md) go in `django-migration-manifest-initialization-options';
;; per project, eglot's `eglot-workspace-configuration' answers workspace/configuration:
;;
;;   ((nil . ((eglot-workspace-configuration
;;             . (:djangoMigrationManifest (:lint (:ignore ["remove-index"])))))))

;;; Code:

(require 'eglot)
(require 'cl-lib)

(defgroup django-migration-manifest nil
  "The django-migration-manifest language server."
  :group 'tools
  :prefix "django-migration-manifest-")

(defcustom django-migration-manifest-command '("python" "-m" "lsp_server")
  "How to start the language server."
  :type '(repeat string))

;; The tests start the server with these same options for the Emacs capability profile
;; (tests/lsp/lsp_helpers.py, EMACS_OPTIONS): keep them in step.
(defcustom django-migration-manifest-initialization-options
  '(:lint (:enabled t :ignore ["unknown-operation"])
    :codeLens t
    :hover t)
  "The server's settings, sent as initializationOptions (see docs/lsp.md)."
  :type 'sexp)

(defclass django-migration-manifest-server (eglot-lsp-server) ()
  :documentation "The django-migration-manifest language server.")

(cl-defmethod eglot-initialization-options ((_server django-migration-manifest-server))
  "Send `django-migration-manifest-initialization-options'."
  django-migration-manifest-initialization-options)

(defun django-migration-manifest--ours-p (file)
  "Whether FILE is a migration module or a migrations.toml."
  (and file
       (or (string-match-p "/migrations\\.toml\\'" file)
           (string-match-p "/migrations/[^/]+\\.py\\'" file))))

(defun django-migration-manifest-maybe-start ()
  "Start eglot with the django-migration-manifest server in a migration buffer."
  (when (django-migration-manifest--ours-p buffer-file-name)
    (setq-local eglot-server-programs
                (cons (cons major-mode
                            (cons 'django-migration-manifest-server
                                  django-migration-manifest-command))
                      eglot-server-programs))
    (eglot-ensure)))

(dolist (hook '(python-mode-hook python-ts-mode-hook toml-ts-mode-hook conf-toml-mode-hook))
  (add-hook hook #'django-migration-manifest-maybe-start))

(defun django-migration-manifest--command (command)
  "Run the server's COMMAND for the current project."
  (let ((server (eglot-current-server)))
    (unless server (user-error "The django-migration-manifest server is not running here"))
    (eglot-execute-command server command
                           (vector (list :root (expand-file-name
                                                (project-root (project-current))))))))

(defun django-migration-manifest-resolve ()
  "Resolve every migration conflict (renumber, or as configured), as `resolve' does."
  (interactive)
  (django-migration-manifest--command "djangoMigrationManifest.resolve"))

(defun django-migration-manifest-update ()
  "Regenerate migrations.toml from the migrations."
  (interactive)
  (django-migration-manifest--command "djangoMigrationManifest.updateManifest"))

(defun django-migration-manifest-info ()
  "Show the server's version, roots and state."
  (interactive)
  (django-migration-manifest--command "djangoMigrationManifest.showInfo"))

(provide 'django-migration-manifest)
;;; django-migration-manifest.el ends here
