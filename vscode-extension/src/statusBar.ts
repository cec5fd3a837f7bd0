/**
 * The status bar item: shown while the workspace has migration conflicts (from the diagnostics
 * the server publishes), running "Resolve Migration Conflicts" when clicked; or, when the server
 * could not start, saying so and opening the log.
 */
import * as vscode from 'vscode';
import { Commands } from './constants';
import { describeConflicts, findConflicts } from './conflicts';

export class ConflictStatus implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscriptions: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private problem: string | undefined;

  constructor() {
    this.item = vscode.window.createStatusBarItem(`${Commands.resolveConflicts}.status`, vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'Django Migration Conflicts';
    this.subscriptions.push(vscode.languages.onDidChangeDiagnostics(() => this.schedule()));
    this.update();
  }

  /** Why the server is not running (`undefined`: it is, or is starting). */
  setProblem(problem: string | undefined): void {
    this.problem = problem;
    this.update();
  }

  private schedule(): void {
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.update();
      }, 100);
    }
  }

  update(): void {
    const entries = vscode.languages
      .getDiagnostics()
      .filter(([uri]) => uri.scheme === 'file')
      .map(([uri, diagnostics]) => [uri.fsPath, diagnostics] as const);
    const conflicts = findConflicts(entries);
    const shown = describeConflicts(conflicts, (file) => vscode.workspace.asRelativePath(file));
    if (shown) {
      const target = conflicts.leaves[0] ?? conflicts.manifests[0];
      this.item.text = shown.text;
      this.item.tooltip = shown.tooltip;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      this.item.command = {
        title: 'Resolve Migration Conflicts',
        command: Commands.resolveConflicts,
        arguments: [vscode.Uri.file(target).toString()],
      };
      this.item.show();
    } else if (this.problem) {
      this.item.text = '$(error) Migration Manifest';
      this.item.tooltip = `${this.problem}\n\nClick to show the log.`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      this.item.command = Commands.showLogs;
      this.item.show();
    } else {
      this.item.hide();
    }
  }

  dispose(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
    }
    for (const subscription of this.subscriptions) {
      subscription.dispose();
    }
    this.item.dispose();
  }
}
