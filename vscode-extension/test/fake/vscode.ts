/**
 * A small stand-in for the `vscode` module, resolved instead of it in the tests (register.ts).
 * It has what the extension's activation logic touches: configuration (with package.json's
 * defaults, so a setting the manifest does not declare reads as undefined, as in VS Code),
 * workspace folders, the Python extension, diagnostics, messages and the status bar.
 * `fake` holds its state; `fake.reset()` starts every test afresh.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath, pathToFileURL } from 'url';

const manifestPath = path.resolve(__dirname, '..', '..', '..', 'package.json');
export const packageJson = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
const declared: Record<string, { default?: unknown }> = packageJson.contributes.configuration.properties;

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly fsPath: string,
    private readonly text: string,
  ) {}

  static file(p: string): Uri {
    return new Uri('file', path.resolve(p), pathToFileURL(path.resolve(p)).toString());
  }

  static parse(text: string): Uri {
    if (text.startsWith('file:')) {
      return new Uri('file', fileURLToPath(text), text);
    }
    return new Uri(text.split(':')[0], '', text);
  }

  get path(): string {
    return this.fsPath.split(path.sep).join('/');
  }

  toString(): string {
    return this.text;
  }
}

export interface FakeFolder {
  uri: Uri;
  name: string;
  index: number;
}

type Listener<T> = (value: T) => unknown;

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (listener: Listener<T>): { dispose(): void } => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      listener(value);
    }
  }

  dispose(): void {
    this.listeners = [];
  }
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

export const StatusBarAlignment = { Left: 1, Right: 2 };
export const LogLevel = { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 };

export interface FakeExtension {
  isActive: boolean;
  exports: any;
  activate(): Promise<any>;
}

/** The fake's state, set by each test. */
export const fake = {
  /** Values set by the user: per scope ('' for the workspace, else a folder's path), by full key. */
  settings: new Map<string, Record<string, unknown>>(),
  extensions: new Map<string, FakeExtension>(),
  diagnostics: [] as [Uri, any[]][],
  messages: [] as { level: string; message: string }[],
  commands: new Map<string, (...args: any[]) => unknown>(),
  configurationListeners: new EventEmitter<{ affectsConfiguration(section: string): boolean }>(),
  diagnosticsListeners: new EventEmitter<unknown>(),
  statusItems: [] as any[],
  logs: [] as { level: string; message: string }[],

  reset(): void {
    this.settings.clear();
    this.extensions.clear();
    this.diagnostics = [];
    this.messages = [];
    this.commands.clear();
    this.statusItems = [];
    this.logs = [];
    workspace.workspaceFolders = undefined;
  },

  /** Set the user's value of `djangoMigrationManifest.<key>` (for a folder, or the workspace). */
  set(key: string, value: unknown, folder?: string): void {
    const scope = folder ? path.resolve(folder) : '';
    const values = this.settings.get(scope) ?? {};
    values[`djangoMigrationManifest.${key}`] = value;
    this.settings.set(scope, values);
  },

  folders(...paths: string[]): FakeFolder[] {
    const folders = paths.map((p, index) => ({ uri: Uri.file(p), name: path.basename(p), index }));
    workspace.workspaceFolders = folders.length > 0 ? folders : undefined;
    return folders;
  },
};

function folderOf(uri: Uri): FakeFolder | undefined {
  const found = (workspace.workspaceFolders ?? []).filter(
    (f) => uri.fsPath === f.uri.fsPath || uri.fsPath.startsWith(f.uri.fsPath + path.sep),
  );
  return found.sort((a, b) => b.uri.fsPath.length - a.uri.fsPath.length)[0];
}

export const workspace = {
  workspaceFolders: undefined as FakeFolder[] | undefined,

  getConfiguration(section?: string, scope?: Uri | FakeFolder | null) {
    const uri = scope instanceof Uri ? scope : (scope as FakeFolder | undefined)?.uri;
    const folder = uri ? folderOf(uri) : undefined;
    const layers = [fake.settings.get('') ?? {}, folder ? (fake.settings.get(folder.uri.fsPath) ?? {}) : {}];
    const lookup = (full: string): unknown => {
      let value: unknown = declared[full]?.default;
      for (const layer of layers) {
        if (full in layer) {
          value = layer[full];
        }
      }
      return value;
    };
    return {
      get<T>(key: string, fallback?: T): T | undefined {
        const full = section ? `${section}.${key}` : key;
        const value = lookup(full);
        return (value === undefined ? fallback : value) as T | undefined;
      },
      has(key: string): boolean {
        return lookup(section ? `${section}.${key}` : key) !== undefined;
      },
    };
  },

  getWorkspaceFolder(uri: Uri): FakeFolder | undefined {
    return folderOf(uri);
  },

  asRelativePath(p: string | Uri): string {
    const file = typeof p === 'string' ? p : p.fsPath;
    const folder = folderOf(Uri.file(file));
    return folder ? path.relative(folder.uri.fsPath, file).split(path.sep).join('/') : file;
  },

  onDidChangeConfiguration: fake.configurationListeners.event,

  createFileSystemWatcher(glob: string) {
    return { glob, dispose() {} };
  },
};

export const extensions = {
  getExtension(id: string): FakeExtension | undefined {
    return fake.extensions.get(id);
  },
};

function channel(name: string) {
  const log = (level: string) => (message: string) => fake.logs.push({ level, message: `${name}: ${message}` });
  return {
    name,
    logLevel: LogLevel.Info,
    onDidChangeLogLevel: new EventEmitter<number>().event,
    trace: log('trace'),
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    append: log('info'),
    appendLine: log('info'),
    show() {},
    dispose() {},
  };
}

function message(level: string) {
  return (text: string): Promise<undefined> => {
    fake.messages.push({ level, message: text });
    return Promise.resolve(undefined);
  };
}

export const window = {
  activeTextEditor: undefined as any,
  createOutputChannel: channel,
  showErrorMessage: message('error'),
  showWarningMessage: message('warning'),
  showInformationMessage: message('info'),
  showWorkspaceFolderPick: () => Promise.resolve(undefined),
  createStatusBarItem(id: string, alignment: number, priority: number) {
    const item: any = { id, alignment, priority, visible: false, show: () => (item.visible = true), hide: () => (item.visible = false), dispose() {} };
    fake.statusItems.push(item);
    return item;
  },
};

export const languages = {
  getDiagnostics(): [Uri, any[]][] {
    return fake.diagnostics;
  },
  onDidChangeDiagnostics: fake.diagnosticsListeners.event,
};

export const commands = {
  registerCommand(id: string, handler: (...args: any[]) => unknown) {
    if (fake.commands.has(id)) {
      throw new Error(`command '${id}' already exists`);
    }
    fake.commands.set(id, handler);
    return { dispose: () => fake.commands.delete(id) };
  },
  executeCommand(id: string, ...args: any[]): Promise<unknown> {
    const handler = fake.commands.get(id);
    return Promise.resolve(handler ? handler(...args) : undefined);
  },
};
