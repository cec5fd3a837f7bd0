/**
 * Django Migration Manifest for VS Code: starts the django-migration-manifest language server
 * (`python -m lsp_server`) for workspaces with Django migrations or a migrations.toml, shows
 * migration conflicts in the status bar, and offers resolve and update from the palette.
 */
import * as vscode from 'vscode';
import { commandOptions, isAnswer, ServerCommandOptions } from './commandArgs';
import { Commands, DISPLAY_NAME, FORWARDED, SECTION } from './constants';
import { getPythonApi } from './python';
import { ServerManager } from './serverManager';
import { needsRestart, readSettings } from './settings';
import { APPLY_STAGED_FIX, applyStagedFix } from './stagedFixes';
import { ConflictStatus } from './statusBar';

let manager: ServerManager | undefined;

/** What the extension returns from activate() (for other extensions and manual tests). */
export interface ExtensionApi {
  restart(): Promise<void>;
}

async function optionsFor(target: unknown): Promise<ServerCommandOptions | undefined> {
  const explicit = target instanceof vscode.Uri ? target.toString() : typeof target === 'string' ? target : undefined;
  const editor = vscode.window.activeTextEditor?.document.uri;
  const active = editor?.scheme === 'file' ? editor.toString() : undefined;
  const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.toString());
  const options = commandOptions(explicit, active, folders);
  if (!options.uri && folders.length > 1) {
    const folder = await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Which project?' });
    if (!folder) {
      return undefined;
    }
    return { uri: folder.uri.toString() };
  }
  return options;
}

export async function activate(context: vscode.ExtensionContext): Promise<ExtensionApi> {
  const channel = vscode.window.createOutputChannel(DISPLAY_NAME, { log: true });
  const status = new ConflictStatus();
  const servers = new ServerManager(context, channel);
  manager = servers;
  context.subscriptions.push(channel, status, servers);
  channel.info(`${DISPLAY_NAME} ${String(context.extension.packageJSON.version)} activated`);

  context.subscriptions.push(
    // a failure stays in the status bar while a restart is under way, until the server runs
    servers.onDidChangeState((state) => {
      if (state === 'failed') {
        status.setProblem(servers.problem);
      } else if (state === 'running') {
        status.setProblem(undefined);
      }
    }),
    vscode.commands.registerCommand(Commands.restartServer, async () => {
      await servers.restart('Restart Server');
    }),
    vscode.commands.registerCommand(Commands.showLogs, () => channel.show()),
    vscode.commands.registerCommand(APPLY_STAGED_FIX, applyStagedFix),
  );

  // the palette commands that forward to the server's own (which the client registers itself)
  for (const [command, serverCommand] of Object.entries(FORWARDED)) {
    context.subscriptions.push(
      vscode.commands.registerCommand(command, async (target?: unknown) => {
        const options = await optionsFor(target);
        if (options === undefined) {
          return undefined;
        }
        try {
          const answer = await servers.execute(serverCommand, [options]);
          // the server has logged (and shown) its message: the answer itself is for debugging
          if (isAnswer(answer)) {
            channel.debug(`${serverCommand}: ${answer.ok ? 'done' : 'not done'}`);
          } else if (answer !== undefined) {
            channel.debug(`${serverCommand}: ${JSON.stringify(answer, null, 2)}`);
          }
          return answer;
        } catch (error) {
          channel.error(`${serverCommand} failed: ${String(error)}`);
          void vscode.window.showErrorMessage(`Django Migration Manifest: ${serverCommand} failed: ${String(error)}`);
          return undefined;
        }
      }),
    );
  }

  let restartTimer: ReturnType<typeof setTimeout> | undefined;
  const restartSoon = (reason: string): void => {
    if (restartTimer !== undefined) {
      clearTimeout(restartTimer);
    }
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      void servers.restart(reason);
    }, 300);
  };
  context.subscriptions.push(
    { dispose: () => restartTimer !== undefined && clearTimeout(restartTimer) },
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (needsRestart(event)) {
        restartSoon('the interpreter or import strategy setting changed');
      }
      if (event.affectsConfiguration(`${SECTION}.trace.server`)) {
        // after the client's own listener, which re-reads trace.server alone
        setTimeout(() => void servers.refreshTrace(), 0);
      }
    }),
    channel.onDidChangeLogLevel(() => void servers.refreshTrace()),
  );

  void servers.restart('activation');

  // the Python extension's environment: followed while the interpreter setting is empty
  void getPythonApi((message) => channel.warn(message)).then((python) => {
    const environments = python?.environments;
    if (!environments) {
      return;
    }
    context.subscriptions.push(
      environments.onDidChangeActiveEnvironmentPath(() => {
        if (readSettings(vscode.workspace.workspaceFolders?.[0]).interpreter.length === 0) {
          restartSoon("the Python extension's active environment changed");
        }
      }),
    );
  });
  return {
    restart: async () => {
      await servers.restart('API');
    },
  };
}

export async function deactivate(): Promise<void> {
  await manager?.stop();
  manager = undefined;
}
