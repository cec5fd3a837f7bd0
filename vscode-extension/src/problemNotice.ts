/**
 * Why the language server is not running, told once and withdrawn once it runs.
 *
 * VS Code cannot close a message shown with `showErrorMessage`, and an error message with buttons
 * stays on screen until the user closes it: after the interpreter is fixed it would still say the
 * server is broken, and every retry that failed would add another. So a start-up failure is told
 * by a notification the extension can close (`window.withProgress` in the notification area):
 * - one per distinct problem: a restart that fails the same way adds nothing (the log has it);
 * - closed when the server starts, or replaced when it fails for another reason;
 * - closed by its Cancel button; the same problem is then not told again until the server has run.
 * The status bar item (statusBar.ts) says it too, for as long as it holds, and opens the log.
 */
import * as vscode from 'vscode';
import { DISPLAY_NAME } from './constants';

interface Shown {
  problem: string;
  close(): void;
}

/** The problem without the leading "Django Migration Manifest: " (the notification's title). */
export function withoutName(problem: string): string {
  const prefix = `${DISPLAY_NAME}: `;
  return problem.startsWith(prefix) ? problem.slice(prefix.length) : problem;
}

export class ProblemNotice implements vscode.Disposable {
  private shown: Shown | undefined;

  /** The problem told (and not withdrawn); it may have been dismissed. */
  get problem(): string | undefined {
    return this.shown?.problem;
  }

  /** The server did not start: tell `problem`, unless it is the one already told. */
  show(problem: string): void {
    if (this.shown?.problem === problem) {
      return;
    }
    this.withdraw();
    let close: () => void = () => undefined;
    const closed = new Promise<void>((resolve) => (close = resolve));
    this.shown = { problem, close: () => close() };
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: DISPLAY_NAME, cancellable: true },
      (progress, token) => {
        progress.report({ message: `${withoutName(problem)} The language server starts once this is fixed.` });
        // Cancel: the user has read it; the same problem is not told again (see `show`)
        token.onCancellationRequested(() => close());
        return closed;
      },
    );
  }

  /** The server runs (or was stopped on purpose): close the notification. */
  withdraw(): void {
    this.shown?.close();
    this.shown = undefined;
  }

  dispose(): void {
    this.withdraw();
  }
}
