/** The language client: the server process of a launch plan, and what VS Code sends it. */
import * as vscode from 'vscode';
import {
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  ShowMessageNotification,
  ShowMessageParams,
  Trace,
} from 'vscode-languageclient/node';
import { CLIENT_ID, DISPLAY_NAME, DOCUMENT_SELECTOR, SECTION, WATCHED_GLOBS } from './constants';
import { LaunchPlan } from './launch';
import { effectiveTrace, shouldNotify } from './logging';
import { answerConfiguration, readSettings } from './settings';

export interface ClientParts {
  client: LanguageClient;
  /** The file watchers: disposed with the client. */
  disposables: vscode.Disposable[];
}

/** The client's options for a launch plan (exported for the record: see the README). */
export function clientOptions(
  plan: LaunchPlan,
  channel: vscode.LogOutputChannel,
  watchers: vscode.FileSystemWatcher[],
): LanguageClientOptions {
  return {
    documentSelector: DOCUMENT_SELECTOR,
    outputChannel: channel,
    traceOutputChannel: channel,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    initializationOptions: plan.initializationOptions,
    // what changes behind the editor's back (makemigrations, git checkout, resolve in a terminal)
    synchronize: { fileEvents: watchers },
    middleware: {
      workspace: {
        // the server's keys only: VS Code's section also holds the client's own settings
        configuration: (params, token, next) =>
          answerConfiguration(params.items, async () => next(params, token)),
      },
    },
  };
}

function showMessage(channel: vscode.LogOutputChannel, folder: vscode.WorkspaceFolder | undefined) {
  return (params: ShowMessageParams): void => {
    const log = params.type === 1 ? channel.error : params.type === 2 ? channel.warn : channel.info;
    log.call(channel, `[server] ${params.message}`);
    if (!shouldNotify(readSettings(folder).showNotifications, params.type)) {
      return;
    }
    const show =
      params.type === 1
        ? vscode.window.showErrorMessage
        : params.type === 2
          ? vscode.window.showWarningMessage
          : vscode.window.showInformationMessage;
    void show(params.message, 'Show Logs').then((choice) => {
      if (choice) {
        channel.show(true);
      }
    });
  };
}

export function createClient(
  plan: LaunchPlan,
  channel: vscode.LogOutputChannel,
  folder: vscode.WorkspaceFolder | undefined,
): ClientParts {
  const watchers = WATCHED_GLOBS.map((glob) => vscode.workspace.createFileSystemWatcher(glob));
  const executable = {
    command: plan.executable.command,
    args: plan.executable.args,
    options: { cwd: plan.executable.options.cwd, env: plan.executable.options.env },
  };
  const serverOptions: ServerOptions = { run: executable, debug: executable };
  const client = new LanguageClient(CLIENT_ID, DISPLAY_NAME, serverOptions, clientOptions(plan, channel, watchers));
  // before start(): replaces the client's own handler, to honour showNotifications
  client.onNotification(ShowMessageNotification.type, showMessage(channel, folder));
  return { client, disposables: watchers };
}

/** Apply the trace in force (the setting, or the log channel's level if more verbose). */
export async function applyTrace(client: LanguageClient, channel: vscode.LogOutputChannel): Promise<void> {
  const setting = vscode.workspace.getConfiguration(SECTION).get<unknown>('trace.server');
  const trace = effectiveTrace(setting, channel.logLevel);
  await client.setTrace(Trace.fromString(trace));
}
