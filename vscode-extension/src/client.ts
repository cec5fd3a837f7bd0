/** The language client: the server process of a launch plan, and what VS Code sends it. */
import * as vscode from 'vscode';
import {
  BaseLanguageClient,
  CloseAction,
  CloseHandlerResult,
  ErrorAction,
  ErrorHandler,
  ErrorHandlerResult,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  ShowMessageNotification,
  ShowMessageParams,
  Trace,
  vsdiag,
  WorkspaceDiagnosticRequest,
} from 'vscode-languageclient/node';
import { ClientOutput, TraceOutput } from './clientLog';
import { CLIENT_ID, DIAGNOSTIC_SOURCE, DISPLAY_NAME, DOCUMENT_SELECTOR, SECTION, WATCHED_GLOBS } from './constants';
import { LaunchPlan } from './launch';
import { effectiveTrace, shouldNotify } from './logging';
import { answerConfiguration, readSettings } from './settings';
import { deferStaging } from './stagedFixes';
import { toWorkspaceReport, WireWorkspaceReport } from './workspaceDiagnostics';

export interface ClientParts {
  client: LanguageClient;
  /** The file watchers and the client's output: disposed with the client. */
  disposables: vscode.Disposable[];
  errors: QuietErrorHandler;
}

/**
 * The client's own error handling, told nothing itself: it restarts a server that crashed (up to
 * 4 times in 3 minutes) as it does by default, but pops up no notification of its own. Whether the
 * server runs is told by the extension (serverManager.ts: the status bar item and one notification
 * it withdraws when the server runs again); the client's lines still go to the log.
 */
export class QuietErrorHandler implements ErrorHandler {
  private fallback: ErrorHandler | undefined;
  /** What was decided when the connection last closed unasked: restart the server, or not. */
  lastClose: CloseAction | undefined;

  /** The client's default handler, once the client exists. */
  use(fallback: ErrorHandler): void {
    this.fallback = fallback;
  }

  async error(...args: Parameters<ErrorHandler['error']>): Promise<ErrorHandlerResult> {
    const result = this.fallback ? await this.fallback.error(...args) : { action: ErrorAction.Shutdown };
    return { ...result, handled: true };
  }

  async closed(): Promise<CloseHandlerResult> {
    const result = this.fallback ? await this.fallback.closed() : { action: CloseAction.DoNotRestart };
    this.lastClose = result.action;
    return { ...result, handled: true };
  }
}

/** `workspace/diagnostic`, made by the extension: see workspaceDiagnostics.ts. */
function workspaceDiagnostics(client: () => BaseLanguageClient | undefined) {
  return async (
    previous: vsdiag.PreviousResultId[],
    token: vscode.CancellationToken,
    reporter: vsdiag.ResultReporter,
  ): Promise<vsdiag.WorkspaceDiagnosticReport> => {
    const language = client();
    if (!language || !language.isRunning()) {
      return { items: [] };
    }
    const params = {
      identifier: DIAGNOSTIC_SOURCE,
      previousResultIds: previous.map((p) => ({ uri: language.code2ProtocolConverter.asUri(p.uri), value: p.value })),
    };
    try {
      const answer = (await language.sendRequest(WorkspaceDiagnosticRequest.type, params, token)) as WireWorkspaceReport | null;
      if (!answer || token.isCancellationRequested) {
        return { items: [] };
      }
      const converters = {
        asUri: (uri: string) => language.protocol2CodeConverter.asUri(uri),
        asDiagnostics: (items: unknown[], t: vscode.CancellationToken) =>
          language.protocol2CodeConverter.asDiagnostics(items as never, t),
      };
      reporter(await toWorkspaceReport(answer, previous, converters, token));
      return { items: [] };
    } catch (error) {
      return language.handleFailedRequest(WorkspaceDiagnosticRequest.type, token, error, { items: [] });
    }
  };
}

/** The client's options for a launch plan (exported for the record: see the README). */
export function clientOptions(
  plan: LaunchPlan,
  channel: vscode.LogOutputChannel,
  watchers: vscode.FileSystemWatcher[],
  client: () => BaseLanguageClient | undefined = () => undefined,
  output: { outputChannel: vscode.OutputChannel; traceOutputChannel: vscode.OutputChannel } = {
    outputChannel: new ClientOutput(channel.name, channel),
    traceOutputChannel: new TraceOutput(channel.name, channel),
  },
  errorHandler: ErrorHandler = new QuietErrorHandler(),
): LanguageClientOptions {
  return {
    documentSelector: DOCUMENT_SELECTOR,
    // the client's lines and the server's stderr, at their levels, in the log (clientLog.ts)
    outputChannel: output.outputChannel,
    traceOutputChannel: output.traceOutputChannel,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    errorHandler,
    initializationOptions: plan.initializationOptions,
    // what changes behind the editor's back (makemigrations, git checkout, resolve in a terminal)
    synchronize: { fileEvents: watchers },
    middleware: {
      // the renumber/merge fixes: the edit, then git staging, always both (see stagedFixes.ts)
      provideCodeActions: async (document, range, context, token, next) =>
        deferStaging(await next(document, range, context, token)),
      // files whose problems went away are cleared (see workspaceDiagnostics.ts)
      provideWorkspaceDiagnostics: (previous, token, reporter) => workspaceDiagnostics(client)(previous, token, reporter),
      workspace: {
        // the server's keys only: VS Code's section also holds the client's own settings
        configuration: (params, token, next) =>
          answerConfiguration(params.items, async () => next(params, token)),
      },
    },
  };
}

/**
 * `window/showMessage`: a notification, as `showNotifications` says. Not logged here: the server
 * logs every message it shows (`window/logMessage`, at its level), so the log has it once.
 */
export function showMessage(channel: vscode.LogOutputChannel, folder: vscode.WorkspaceFolder | undefined) {
  return (params: ShowMessageParams): void => {
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
  let created: LanguageClient | undefined;
  const output = { outputChannel: new ClientOutput(channel.name, channel), traceOutputChannel: new TraceOutput(channel.name, channel) };
  const errors = new QuietErrorHandler();
  const options = clientOptions(plan, channel, watchers, () => created, output, errors);
  const client = new LanguageClient(CLIENT_ID, DISPLAY_NAME, serverOptions, options);
  created = client;
  errors.use(client.createDefaultErrorHandler());
  // before start(): replaces the client's own handler, to honour showNotifications
  client.onNotification(ShowMessageNotification.type, showMessage(channel, folder));
  return { client, disposables: [...watchers, output.outputChannel, output.traceOutputChannel], errors };
}

/** Apply the trace in force (the setting, or the log channel's level if more verbose). */
export async function applyTrace(client: LanguageClient, channel: vscode.LogOutputChannel): Promise<void> {
  const setting = vscode.workspace.getConfiguration(SECTION).get<unknown>('trace.server');
  const trace = effectiveTrace(setting, channel.logLevel);
  await client.setTrace(Trace.fromString(trace));
}
