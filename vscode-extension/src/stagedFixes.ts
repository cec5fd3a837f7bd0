/**
 * The renumber and merge quick fixes are a workspace edit (renames and text edits) followed by the
 * server's `stageResolution` command, which stages the result in git as `resolve` does.
 *
 * VS Code runs a code action's command only after its edit is applied, and finds the command
 * (its arguments held by the extension host) only while the list of code actions it came in is
 * alive. The edit changes the open documents, VS Code asks for code actions again and drops that
 * list: then the command is "not found", nothing is staged, and during a merge git is left with
 * the old file in its index and `migrations.toml` unmerged; committing what Source Control
 * suggests loses the renamed migration. Seen in code-server 4.139 (VS Code 1.139), about one
 * time in four (make vscode-ui).
 *
 * So such an action reaches VS Code as one command of the extension's own, run at once when chosen:
 * it applies the edit through `workspace.applyEdit` (as a refactoring, so VS Code's
 * `files.refactoring.autoSave` applies as it does for code actions), then runs the server's
 * command. Other clients are not concerned: the server sends the same action to all.
 */
import * as vscode from 'vscode';
import { SECTION, ServerCommands } from './constants';

/** Internal (not in the palette): applies a quick fix's edit, then the server's staging command. */
export const APPLY_STAGED_FIX = `${SECTION}.applyStagedFix`;

/** Code actions from the server, the staged fixes rewritten as {@link APPLY_STAGED_FIX}. */
export function deferStaging(
  actions: (vscode.Command | vscode.CodeAction)[] | null | undefined,
): (vscode.Command | vscode.CodeAction)[] | null | undefined {
  for (const item of actions ?? []) {
    // a CodeAction's `command` is a Command; a Command's is a string
    const action = item as vscode.CodeAction;
    if (typeof action.command !== 'object' || action.command.command !== ServerCommands.stageResolution) {
      continue;
    }
    if (!action.edit) {
      continue;
    }
    action.command = {
      title: action.command.title,
      command: APPLY_STAGED_FIX,
      arguments: [action.edit, action.command],
    };
    action.edit = undefined;
  }
  return actions;
}

/** The command's handler: the edit, then (only if it was applied) the staging. */
export async function applyStagedFix(edit: vscode.WorkspaceEdit, staging: vscode.Command): Promise<boolean> {
  if (!(await vscode.workspace.applyEdit(edit, { isRefactoring: true }))) {
    return false;
  }
  await vscode.commands.executeCommand(staging.command, ...(staging.arguments ?? []));
  return true;
}
