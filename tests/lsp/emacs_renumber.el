;;; emacs_renumber.el --- run by test_lsp_emacs.py inside `emacs --batch'  -*- lexical-binding: t; -*-

;; A user's Emacs: another Python language server for `python-mode' (their own), then the shipped
;; snippet loaded as the README documents.  Opens a Python file of the project, a conflicted
;; migration and migrations.toml, waits for the diagnostics, applies the renumber quick fix
;; through the client's own code-action command (the title typed at its prompt, on stdin), saves
;; every buffer and writes what happened as JSON.
;;
;; Environment: MM_CLIENT ("eglot" or "lsp-mode"), MM_EDITORS (editors/emacs), MM_PYTHON,
;; MM_ROOT, MM_MIGRATION, MM_PLAIN (a project Python file that is not a migration), MM_OTHER
;; (the other server's script), MM_OTHER_LOG, MM_OUT.

(require 'json)
(require 'cl-lib)
(package-initialize)

(defvar mm-client (getenv "MM_CLIENT"))
(defvar mm-python (getenv "MM_PYTHON"))
(defvar mm-root (file-name-as-directory (getenv "MM_ROOT")))
(defvar mm-result (list))
(defvar mm-steps nil)

(defun mm-put (key value) (setq mm-result (plist-put mm-result key value)))
(defun mm-step (name) (push name mm-steps) (message "step: %s" name))

(defun mm-finish (ok &optional error)
  (mm-put :ok (if ok t :json-false))
  (mm-put :error error)
  (mm-put :steps (vconcat (reverse mm-steps)))
  (with-temp-file (getenv "MM_OUT") (insert (json-encode mm-result)))
  (kill-emacs (if ok 0 1)))

(defun mm-wait (predicate seconds)
  "Let the servers talk until PREDICATE holds (non-nil) or SECONDS pass."
  (let ((deadline (+ (float-time) seconds)) found)
    (while (and (not (setq found (funcall predicate))) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    found))

(defun mm-command-loop ()
  "What the command loop does after each command, then while the user pauses: eglot starts
in `post-command-hook', lsp-mode (`lsp-deferred') on an idle timer."
  (run-hooks 'post-command-hook)
  (dolist (timer (copy-sequence timer-idle-list))
    (when (time-less-p (timer--time timer) 1)
      (timer-event-handler timer))))

(defun mm-open (relative)
  (find-file (expand-file-name relative mm-root))
  (mm-command-loop)
  (current-buffer))

;;; The user's own configuration: another server for Python.
(defvar mm-other-command (list mm-python (getenv "MM_OTHER") (getenv "MM_OTHER_LOG")))

(cond
 ((equal mm-client "eglot")
  ;; As the README says: the snippet on the load path, then require it.
  (add-to-list 'load-path (getenv "MM_EDITORS"))
  (require 'django-migration-manifest)
  (setq django-migration-manifest-command (list mm-python "-m" "lsp_server"))
  (setq django-migration-manifest-initialization-options
        (append '(:pollInterval 0.2) django-migration-manifest-initialization-options))
  ;; The user's Python server, added after the snippet: it comes first in the list.
  (add-to-list 'eglot-server-programs (cons 'python-mode mm-other-command))
  (add-hook 'python-mode-hook #'eglot-ensure))
 (t
  (require 'lsp-mode)
  (setq lsp-session-file (expand-file-name "lsp-session" (getenv "MM_HOME"))
        lsp-auto-guess-root t
        lsp-client-packages nil
        lsp-enable-snippet nil
        lsp-keep-workspace-alive nil
        lsp-restart 'ignore
        lsp-log-io nil)
  (lsp-register-client
   (make-lsp-client :new-connection (lsp-stdio-connection (lambda () mm-other-command))
                    :major-modes '(python-mode)
                    :server-id 'other-python))
  (add-hook 'python-mode-hook #'lsp-deferred)
  (add-to-list 'load-path (getenv "MM_EDITORS"))
  (require 'django-migration-manifest-lsp-mode)
  (setq django-migration-manifest-lsp-command (list mm-python "-m" "lsp_server"))
  (setq django-migration-manifest-lsp-initialization-options
        (append '(:pollInterval 0.2) django-migration-manifest-lsp-initialization-options))))

;;; Per client: servers, diagnostics, code actions.
(defun mm-server-name (buffer)
  (with-current-buffer buffer
    (if (equal mm-client "eglot")
        (let ((server (eglot-current-server)))
          (and server (if (eq (eieio-object-class-name server) 'django-migration-manifest-server)
                          "django-migration-manifest" "other")))
      (and (bound-and-true-p lsp-mode)
           (mapconcat (lambda (w) (symbol-name (lsp--workspace-server-id w)))
                      (sort (copy-sequence (lsp-workspaces))
                            (lambda (a b) (string< (symbol-name (lsp--workspace-server-id a))
                                                   (symbol-name (lsp--workspace-server-id b)))))
                      "+")))))

(defun mm-our-server (buffer)
  (with-current-buffer buffer
    (if (equal mm-client "eglot")
        (eglot-current-server)
      (cl-find 'django-migration-manifest (lsp-workspaces) :key #'lsp--workspace-server-id))))

(defun mm-processes ()
  "The server processes alive (ours and the other one), by command."
  (cl-loop for process in (process-list)
           for command = (process-command process)
           when (and (process-live-p process) command
                     (or (member "lsp_server" command) (member (getenv "MM_OTHER") command)))
           collect (if (member "lsp_server" command) "django-migration-manifest" "other")))

(defun mm-diagnostics (buffer)
  "The codes and lines of BUFFER's diagnostics from our server."
  (with-current-buffer buffer
    (if (equal mm-client "eglot")
        (cl-loop for diag in (append (flymake-diagnostics)
                                     (bound-and-true-p eglot--diagnostics))
                 for lsp = (cdr (assoc 'eglot-lsp-diag (flymake-diagnostic-data diag)))
                 when (and lsp (equal (plist-get lsp :source) "django-migration-manifest"))
                 collect (list (plist-get lsp :code)
                               (plist-get (plist-get (plist-get lsp :range) :start) :line))
                 into found
                 finally return (cl-remove-duplicates found :test #'equal))
      (cl-loop for diag in (gethash (lsp--fix-path-casing buffer-file-name)
                                    (lsp-diagnostics t))
               when (equal (lsp-get diag :source) "django-migration-manifest")
               collect (list (lsp-get diag :code)
                             (lsp-get (lsp-get (lsp-get diag :range) :start) :line))))))

(defun mm-goto-line (line)
  (goto-char (point-min))
  (forward-line line)
  (search-forward "Migration" (line-end-position))
  (backward-char 2))

(defun mm-titles ()
  (if (equal mm-client "eglot")
      (mapcar (lambda (a) (plist-get a :title))
              (eglot-code-actions (point) nil nil nil))
    (mapcar (lambda (a) (lsp-get a :title)) (lsp-code-actions-at-point))))

(defun mm-apply-quick-fix ()
  "Pick the quick fix as a user does: the client's own command, the title typed at its
prompt (stdin, in batch)."
  (let ((last-nonmenu-event ?\r))
    (if (equal mm-client "eglot")
        (call-interactively #'eglot-code-actions)
      (call-interactively #'lsp-execute-code-action))))

(defun mm-main ()
  (let* ((plain (mm-open (getenv "MM_PLAIN")))
         (migration (progn (mm-step "plain file opened") (mm-open (getenv "MM_MIGRATION"))))
         (manifest nil))
    (mm-step "migration opened")
    (unless (mm-wait (lambda () (mm-our-server migration)) 30)
      (mm-finish nil "our server never attached to the migration"))
    (unless (mm-wait (lambda () (mm-diagnostics migration)) 30)
      (mm-finish nil "no diagnostics arrived"))
    (mm-step "diagnostics")
    (setq manifest (mm-open "migrations.toml"))
    (mm-step "migrations.toml opened")
    (mm-wait (lambda () (mm-diagnostics manifest)) 15)
    (mm-put :diagnostics (vconcat (mapcar #'vconcat (mm-diagnostics migration))))
    (mm-put :manifest_diagnostics (vconcat (mapcar #'vconcat (mm-diagnostics manifest))))
    (mm-put :plain_server (mm-server-name plain))
    (mm-put :migration_server (mm-server-name migration))
    (mm-put :manifest_server (mm-server-name manifest))
    (mm-put :same_server (if (eq (mm-our-server migration) (mm-our-server manifest)) t :json-false))
    (mm-put :processes (vconcat (sort (mm-processes) #'string<)))
    (with-current-buffer migration
      (mm-goto-line (nth 1 (car (mm-diagnostics migration))))
      (mm-put :titles (vconcat (mm-titles)))
      (mm-step "code actions")
      (mm-apply-quick-fix))
    (mm-step "applied")
    (unless (mm-wait (lambda () (null (mm-diagnostics migration))) 30)
      (mm-finish nil (format "the conflict did not clear: %S" (mm-diagnostics migration))))
    (mm-step "cleared")
    (mm-put :applied_with (if (file-exists-p (expand-file-name "blog/migrations/0004_blog_post.py" mm-root))
                              "renamed" "not renamed"))
    (save-some-buffers t)  ; C-x s, answering yes
    (mm-step "saved")
    (mm-finish t)))

(condition-case err
    (mm-main)
  (error (mm-finish nil (format "%S" err))))
