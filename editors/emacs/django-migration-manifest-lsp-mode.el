;;; django-migration-manifest-lsp-mode.el --- lsp-mode setup for the django-migration-manifest language server  -*- lexical-binding: t; -*-

;; Usage: put this file on your `load-path' and add to your init file
;;
;;   (require 'django-migration-manifest-lsp-mode)
;;
;; Works with lsp-mode 8 and later (MELPA, or Debian's `elpa-lsp-mode').
;;
;; Migration files (any *.py in a folder named "migrations") and migrations.toml then get the
;; language server (python -m lsp_server) as an lsp-mode add-on client: it runs beside your
;; Python server (pyright, pylsp...), which keeps serving every Python file, the migrations
;; included; lsp-mode shows both servers' diagnostics and code actions in a migration buffer.
;; Quick fixes: M-x lsp-execute-code-action.  One server process per project serves every
;; migration buffer and migrations.toml.
;;
;; The settings (docs/lsp.md) go in `django-migration-manifest-lsp-initialization-options'.

;;; Code:

(require 'lsp-mode)

(defgroup django-migration-manifest-lsp nil
  "The django-migration-manifest language server, through lsp-mode."
  :group 'tools
  :prefix "django-migration-manifest-lsp-")

(defcustom django-migration-manifest-lsp-command '("python" "-m" "lsp_server")
  "How to start the language server."
  :type '(repeat string))

(defcustom django-migration-manifest-lsp-initialization-options
  '(:lint (:enabled t :ignore ["unknown-operation"])
    :codeLens t
    :hover t)
  "The server's settings, sent as initializationOptions (see docs/lsp.md)."
  :type 'sexp)

(defun django-migration-manifest-lsp--ours-p (file &optional _mode)
  "Whether FILE is a migration module or a migrations.toml."
  (and file
       (or (string-match-p "/migrations\\.toml\\'" file)
           (string-match-p "/migrations/[^/]+\\.py\\'" file))
       t))

(add-to-list 'lsp-language-id-configuration '(conf-toml-mode . "toml"))

(lsp-register-client
 (make-lsp-client
  :new-connection (lsp-stdio-connection (lambda () django-migration-manifest-lsp-command))
  :activation-fn #'django-migration-manifest-lsp--ours-p
  :add-on? t
  :server-id 'django-migration-manifest
  :initialization-options (lambda () django-migration-manifest-lsp-initialization-options)))

(defun django-migration-manifest-lsp-maybe-start ()
  "Start lsp-mode in a migration buffer or migrations.toml (it starts every client that
matches: this one, and your Python server in a migration buffer)."
  (when (and (django-migration-manifest-lsp--ours-p buffer-file-name)
             (not (bound-and-true-p lsp-mode)))
    (lsp-deferred)))

(dolist (hook '(python-mode-hook python-ts-mode-hook conf-toml-mode-hook toml-ts-mode-hook))
  (add-hook hook #'django-migration-manifest-lsp-maybe-start))

(defun django-migration-manifest-lsp--command (command)
  "Run the server's COMMAND for the current project."
  (lsp-send-execute-command command (vector (list :root (lsp-workspace-root)))))

(defun django-migration-manifest-lsp-resolve ()
  "Resolve every migration conflict (renumber, or as configured), as `resolve' does."
  (interactive)
  (django-migration-manifest-lsp--command "djangoMigrationManifest.resolve"))

(defun django-migration-manifest-lsp-update ()
  "Regenerate migrations.toml from the migrations."
  (interactive)
  (django-migration-manifest-lsp--command "djangoMigrationManifest.updateManifest"))

(provide 'django-migration-manifest-lsp-mode)
;;; django-migration-manifest-lsp-mode.el ends here
