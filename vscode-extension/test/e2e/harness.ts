/**
 * A minimal editor over vscode-languageclient's own JSON-RPC layer
 * (vscode-languageserver-protocol/node, which the client is built on): starts the server process
 * as the extension's launch plan says, initializes it with what the extension sends (the same
 * initialization options; `workspace/configuration` answered by the extension's own middleware
 * function) and the capabilities of VS Code's client that matter here.
 */
import { ChildProcess, spawn } from 'child_process';
import {
  createProtocolConnection,
  Diagnostic,
  InitializeResult,
  ProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';
import { ServerExecutable } from '../../src/launch';
import { answerConfiguration } from '../../src/settings';

export type DiagnosticsMode = 'push' | 'pull';

/** What vscode-languageclient 9 declares, trimmed to what the server reads. */
export function vscodeCapabilities(mode: DiagnosticsMode): Record<string, unknown> {
  const capabilities: any = {
    general: { positionEncodings: ['utf-16'] },
    workspace: {
      applyEdit: true,
      workspaceEdit: {
        documentChanges: true,
        resourceOperations: ['create', 'rename', 'delete'],
        failureHandling: 'textOnlyTransactional',
        normalizesLineEndings: true,
      },
      didChangeConfiguration: { dynamicRegistration: true },
      didChangeWatchedFiles: { dynamicRegistration: true, relativePatternSupport: true },
      executeCommand: { dynamicRegistration: true },
      workspaceFolders: true,
      configuration: true,
      codeLens: { refreshSupport: true },
    },
    textDocument: {
      synchronization: { dynamicRegistration: true, willSave: true, willSaveWaitUntil: true, didSave: true },
      publishDiagnostics: {
        relatedInformation: true,
        versionSupport: false,
        tagSupport: { valueSet: [1, 2] },
        codeDescriptionSupport: true,
        dataSupport: true,
      },
      codeAction: {
        dynamicRegistration: true,
        isPreferredSupport: true,
        disabledSupport: true,
        dataSupport: true,
        resolveSupport: { properties: ['edit'] },
        codeActionLiteralSupport: {
          codeActionKind: { valueSet: ['', 'quickfix', 'refactor', 'source', 'source.organizeImports'] },
        },
      },
      hover: { dynamicRegistration: true, contentFormat: ['markdown', 'plaintext'] },
      definition: { dynamicRegistration: true, linkSupport: true },
      documentLink: { dynamicRegistration: true, tooltipSupport: true },
      codeLens: { dynamicRegistration: true },
    },
    window: {
      workDoneProgress: true,
      showMessage: { messageActionItem: { additionalPropertiesSupport: true } },
      showDocument: { support: true },
    },
  };
  if (mode === 'pull') {
    capabilities.workspace.diagnostics = { refreshSupport: true };
    capabilities.textDocument.diagnostic = { dynamicRegistration: true, relatedDocumentSupport: false };
  }
  return capabilities;
}

export class Editor {
  readonly connection: ProtocolConnection;
  readonly process: ChildProcess;
  readonly published = new Map<string, Diagnostic[]>();
  readonly logMessages: { type: number; message: string }[] = [];
  readonly shownMessages: { type: number; message: string }[] = [];
  readonly registrations: { method: string }[] = [];
  readonly configurationAnswers: unknown[][] = [];
  stderr = '';
  initializeResult: InitializeResult | undefined;
  private exited: Promise<number | null>;

  constructor(executable: ServerExecutable) {
    // as vscode-languageclient starts an Executable: spawn(command, args, {cwd, env})
    this.process = spawn(executable.command, executable.args, {
      cwd: executable.options.cwd,
      env: executable.options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.process.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => this.process.on('exit', (code) => resolve(code)));
    this.connection = createProtocolConnection(
      new StreamMessageReader(this.process.stdout!),
      new StreamMessageWriter(this.process.stdin!),
    );
    this.connection.onNotification('textDocument/publishDiagnostics', (params: any) => {
      this.published.set(params.uri, params.diagnostics);
    });
    this.connection.onNotification('window/logMessage', (params: any) => this.logMessages.push(params));
    this.connection.onNotification('window/showMessage', (params: any) => this.shownMessages.push(params));
    this.connection.onNotification('$/progress', () => undefined);
    this.connection.onRequest('workspace/configuration', async (params: any) => {
      // the extension's middleware; VS Code's own answer for other sections would be null here
      const answer = await answerConfiguration(params.items, async () => params.items.map(() => null));
      this.configurationAnswers.push(answer);
      return answer;
    });
    this.connection.onRequest('client/registerCapability', (params: any) => {
      this.registrations.push(...params.registrations);
      return null;
    });
    this.connection.onRequest('window/workDoneProgress/create', () => null);
    this.connection.onRequest('workspace/codeLens/refresh', () => null);
    this.connection.onRequest('workspace/diagnostic/refresh', () => null);
    this.connection.onRequest('window/showDocument', () => ({ success: true }));
    this.connection.listen();
  }

  async initialize(
    folder: { uri: string; name: string },
    initializationOptions: unknown,
    mode: DiagnosticsMode,
  ): Promise<InitializeResult> {
    this.initializeResult = await this.connection.sendRequest('initialize', {
      processId: process.pid,
      clientInfo: { name: 'Visual Studio Code', version: '1.82.0' },
      locale: 'en',
      rootPath: null,
      rootUri: folder.uri,
      workspaceFolders: [folder],
      initializationOptions,
      capabilities: vscodeCapabilities(mode),
      trace: 'off',
    });
    await this.connection.sendNotification('initialized', {});
    return this.initializeResult!;
  }

  open(uri: string, languageId: string, text: string): Promise<void> {
    return this.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId, version: 1, text },
    });
  }

  pullDocument(uri: string): Promise<any> {
    return this.connection.sendRequest('textDocument/diagnostic', { textDocument: { uri } });
  }

  pullWorkspace(): Promise<any> {
    return this.connection.sendRequest('workspace/diagnostic', { previousResultIds: [] });
  }

  execute(command: string, args: unknown[]): Promise<any> {
    return this.connection.sendRequest('workspace/executeCommand', { command, arguments: args });
  }

  /** shutdown and exit, as the client stops a server: the process's exit code. */
  async stop(timeoutMs = 10_000): Promise<number | null> {
    try {
      await this.connection.sendRequest('shutdown');
      await this.connection.sendNotification('exit');
    } catch {
      // already gone
    }
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs));
    const code = await Promise.race([this.exited, timer]);
    this.connection.dispose();
    if (code === 'timeout') {
      this.process.kill();
      throw new Error('the server did not exit after shutdown/exit');
    }
    return code;
  }

  kill(): void {
    if (this.process.exitCode === null) {
      this.process.kill();
    }
  }
}

/** Poll `check` until it returns a value, or fail after `timeoutMs` with `describe()`. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  describe: () => string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out: ${describe()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
