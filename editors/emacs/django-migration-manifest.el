;;; django-migration-manifest.el --- eglot setup for the django-migration-manifest language server  -*- lexical-binding: t; -*-

;; Usage: put this file on your `load-path' and add to your init file, after your own
;; changes to `eglot-server-programs':
;;
;;   (require 'django-migration-manifest)
;;
;; Works with eglot 1.9 and later: Emacs 29+ (built in), GNU ELPA, or Debian's Emacs 28 with
;; its `elpa-eglot' package.
;;
;; Migration files (any *.py in a folder named "migrations") and migrations.toml then get the
;; language server (python -m lsp_server) through eglot: diagnostics for migration conflicts, a
;; stale manifest and unsafe operations, quick fixes with M-x eglot-code-actions, hovers, and
;; the commands below.
;;
;; How it shares Python with your other server: eglot runs at most one server per major mode
;; in a project, and gives every buffer of that mode to it.  So migration files get a major
;; mode of their own, `django-migration-manifest-python-mode' (derived from `python-mode':
;; same editing, same `python-mode-hook'), and migrations.toml gets
;; `django-migration-manifest-toml-mode' (derived from `conf-toml-mode').  One entry in
;; `eglot-server-programs' lists both modes, so both kinds of buffer share one server process,
;; and only they: your other Python files keep their own server (pylsp, pyright...), which never
;; sees the migrations.  What eglot cannot do is give one buffer two servers: migration files
;; get this server's diagnostics and actions, not your Python server's.
;;
;; The settings (docs/lsp.md) go in `django-migration-manifest-initialization-options';
;; per project, eglot's `eglot-workspace-configuration' answers workspace/configuration:
;;
;;   ((nil . ((eglot-workspace-configuration
;;             . (:djangoMigrationManifest (:lint (:ignore ["remove-index"])))))))

;;; Code:

(require 'eglot)
(require 'cl-lib)
(require 'python)
(require 'conf-mode)

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

;;;###autoload
(define-derived-mode django-migration-manifest-python-mode python-mode "Python[migration]"
  "`python-mode' for Django migration files, served by django-migration-manifest.")

;;;###autoload
(define-derived-mode django-migration-manifest-toml-mode conf-toml-mode "TOML[manifest]"
  "`conf-toml-mode' for migrations.toml, served by django-migration-manifest.")

(defun django-migration-manifest--ours-p (file)
  "Whether FILE is a migration module or a migrations.toml."
  (and file
       (or (string-match-p "/migrations\\.toml\\'" file)
           (string-match-p "/migrations/[^/]+\\.py\\'" file))))

(defun django-migration-manifest--contact (&optional _interactive)
  "The server for a migration buffer or migrations.toml (an `eglot-server-programs' contact)."
  (cons 'django-migration-manifest-server django-migration-manifest-command))

(defconst django-migration-manifest--entry
  '(((django-migration-manifest-python-mode :language-id "python")
     (django-migration-manifest-toml-mode :language-id "toml"))
    . django-migration-manifest--contact)
  "The `eglot-server-programs' entry: both modes, one server process per project.")

(add-to-list 'auto-mode-alist
             '("/migrations/[^/]+\\.py\\'" . django-migration-manifest-python-mode))
(add-to-list 'auto-mode-alist
             '("/migrations\\.toml\\'" . django-migration-manifest-toml-mode))
(add-to-list 'eglot-server-programs django-migration-manifest--entry)

(defun django-migration-manifest-maybe-start ()
  "Start (or join) this project's django-migration-manifest server in this buffer.
The entry goes first in this buffer's `eglot-server-programs', ahead of any entry for
`python-mode' added after this file was loaded (eglot takes the first that matches)."
  (when (django-migration-manifest--ours-p buffer-file-name)
    (setq-local eglot-server-programs
                (cons django-migration-manifest--entry
                      (remove django-migration-manifest--entry
                              (default-value 'eglot-server-programs))))
    (eglot-ensure)))

(add-hook 'django-migration-manifest-python-mode-hook #'django-migration-manifest-maybe-start)
(add-hook 'django-migration-manifest-toml-mode-hook #'django-migration-manifest-maybe-start)

(defun django-migration-manifest--command (command)
  "Run the server's COMMAND for the current project."
  (let ((server (eglot-current-server)))
    (unless (cl-typep server 'django-migration-manifest-server)
      (user-error "The django-migration-manifest server is not running here"))
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
