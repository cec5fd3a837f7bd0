/**
 * One language server for the window (it serves every workspace folder): started on activation,
 * restarted when the interpreter, the import strategy or the Python extension's environment
 * changes, or on request. Starts and stops run one at a time, in order.
 *
 * When it cannot start (or stops without being asked), the log says why at Error, the status bar
 * item says so for as long as it holds, and one notification tells it (problemNotice.ts): not
 * again for a restart that fails the same way, and withdrawn once the server runs. A restart on
 * purpose (the command, a setting, the Python environment) is no failure: nothing is told.
 */
import * as vscode from 'vscode';
import { CloseAction, ExecuteCommandRequest, LanguageClient, State } from 'vscode-languageclient/node';
import { applyTrace, createClient } from './client';
import { Commands, DISPLAY_NAME } from './constants';
import { planLaunch } from './launch';
import { ProblemNotice } from './problemNotice';
import { getPythonApi, PythonExtensionApi } from './python';
import { readSettings } from './settings';

export type ServerState = 'starting' | 'running' | 'failed';

export class ServerManager implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private clientDisposables: vscode.Disposable[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private pending: Promise<LanguageClient | undefined> | undefined;
  private readonly stateEmitter = new vscode.EventEmitter<ServerState>();
  private disposed = false;
  private readonly notice = new ProblemNotice();
  /** Why the server is not running, when it failed. */
  problem: string | undefined;
  readonly onDidChangeState = this.stateEmitter.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly channel: vscode.LogOutputChannel,
  ) {}

  /** The first folder: its settings choose the interpreter; the server runs in it. */
  private folder(): vscode.WorkspaceFolder | undefined {
    return vscode.workspace.workspaceFolders?.[0];
  }

  private async python(): Promise<PythonExtensionApi | undefined> {
    if (readSettings(this.folder()).interpreter.length > 0) {
      return undefined; // the setting decides: the Python extension is not asked
    }
    return getPythonApi((message) => this.channel.warn(message));
  }

  /** Stop the running server (if any) and start a new one. */
  restart(reason: string): Promise<LanguageClient | undefined> {
    const run = async (): Promise<LanguageClient | undefined> => {
      await this.stopClient();
      if (this.disposed) {
        return undefined;
      }
      this.channel.info(`starting the language server (${reason})`);
      return this.start();
    };
    const started = this.queue.then(run, run);
    this.queue = started;
    this.pending = started;
    return started;
  }

  /** The running client, once any start under way has finished. */
  async ready(): Promise<LanguageClient | undefined> {
    if (this.pending) {
      await this.pending.catch(() => undefined);
    }
    return this.client?.state === State.Running ? this.client : undefined;
  }

  private async start(): Promise<LanguageClient | undefined> {
    this.stateEmitter.fire('starting');
    const folder = this.folder();
    const result = await planLaunch({
      extensionPath: this.context.extensionPath,
      folder,
      python: await this.python(),
    });
    for (const line of result.ok ? result.plan.log : result.log) {
      this.channel.info(line);
    }
    if (!result.ok) {
      this.fail(result.message);
      return undefined;
    }
    const { client, disposables, errors } = createClient(result.plan, this.channel, folder);
    this.client = client;
    let started = false;
    this.clientDisposables = [
      ...disposables,
      client.onDidChangeState((event) => {
        if (this.client !== client || !started) {
          return; // a client stopped on purpose, or the first start (told below)
        }
        if (event.newState === State.Stopped && errors.lastClose === CloseAction.Restart) {
          // not asked to: it crashed, and the client starts it again (up to 4 times in 3 minutes)
          this.channel.warn('the language server stopped unexpectedly: starting it again');
        } else if (event.newState === State.Stopped) {
          this.fail(`${DISPLAY_NAME}: the language server stopped. Show Logs says why; Restart Server starts it again.`);
        } else if (event.newState === State.Running) {
          this.succeed(client);
        }
      }),
    ];
    try {
      await client.start();
    } catch (error) {
      this.fail(`${DISPLAY_NAME}: the language server did not start: ${String(error)}`);
      return undefined;
    }
    started = true;
    await applyTrace(client, this.channel).catch(() => undefined);
    this.succeed(client);
    return client;
  }

  private succeed(client: LanguageClient): void {
    this.problem = undefined;
    this.notice.withdraw();
    const info = client.initializeResult?.serverInfo;
    this.channel.info(`language server running: ${info ? `${info.name} ${info.version ?? ''}`.trim() : 'started'}`);
    this.stateEmitter.fire('running');
  }

  /** Why the server is not running: in the log, the status bar, and (once) a notification. */
  private fail(message: string): void {
    this.problem = message;
    this.channel.error(message);
    this.stateEmitter.fire('failed');
    this.notice.show(message);
  }

  private async stopClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        if (client.needsStop()) {
          await client.stop(5000);
        }
      } catch (error) {
        this.channel.warn(`stopping the language server: ${String(error)}`);
      }
      await client.dispose().catch(() => undefined);
    }
    for (const disposable of this.clientDisposables) {
      disposable.dispose();
    }
    this.clientDisposables = [];
  }

  /** The trace follows the setting and the log channel's level. */
  async refreshTrace(): Promise<void> {
    const client = this.client;
    if (client?.state === State.Running) {
      await applyTrace(client, this.channel).catch(() => undefined);
    }
  }

  /** Run one of the server's commands (`workspace/executeCommand`); `undefined`: no server. */
  async execute(command: string, args: unknown[]): Promise<unknown> {
    const client = await this.ready();
    if (!client) {
      const why = this.problem ?? 'it is not running';
      void vscode.window.showErrorMessage(`Django Migration Manifest: no language server (${why}).`, 'Show Logs', 'Restart').then((choice) => {
        if (choice === 'Show Logs') {
          this.channel.show(true);
        } else if (choice === 'Restart') {
          void vscode.commands.executeCommand(Commands.restartServer);
        }
      });
      return undefined;
    }
    this.channel.info(`running ${command} ${JSON.stringify(args)}`);
    return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
  }

  async stop(): Promise<void> {
    const stopping = this.queue.then(
      () => this.stopClient(),
      () => this.stopClient(),
    );
    this.queue = stopping;
    await stopping;
  }

  dispose(): void {
    this.disposed = true;
    this.notice.dispose();
    void this.stop();
    this.stateEmitter.dispose();
  }
}
