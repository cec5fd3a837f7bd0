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

export interface FakeProgress {
  location: unknown;
  title: string | undefined;
  cancellable: boolean;
  /** The last message reported. */
  message: string | undefined;
  /** Still on screen: its task has not ended. */
  open: boolean;
  /** The user clicks Cancel. */
  cancel(): void;
}

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
  /** Notifications with progress (`window.withProgress`): open until their task ends. */
  progress: [] as FakeProgress[],

  reset(): void {
    this.settings.clear();
    this.extensions.clear();
    this.diagnostics = [];
    this.messages = [];
    this.commands.clear();
    this.statusItems = [];
    this.logs = [];
    this.progress = [];
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
    hide() {},
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

// ---------------------------------------------------------------------------------------------
// What vscode-languageclient touches when it runs (the activation test starts the real client):
// documents, diagnostic collections, tabs, progress, and classes its own classes extend. Anything
// else resolves to a no-op (see `module.exports` below).

export const version = '1.82.0';
export const env = { appName: 'Visual Studio Code (fake)', language: 'en', machineId: 'fake', uiKind: 1, openExternal: async () => true };

export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}

export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(a: any, b: any, c?: number, d?: number) {
    [this.start, this.end] = typeof a === 'number' ? [new Position(a, b), new Position(c!, d!)] : [a, b];
  }
}

export class Location {
  constructor(
    readonly uri: Uri,
    readonly range: Range,
  ) {}
}

export class Diagnostic {
  code: any;
  source: string | undefined;
  relatedInformation: any;
  tags: any;
  constructor(
    readonly range: Range,
    readonly message: string,
    readonly severity: number = 0,
  ) {}
}

export class DiagnosticRelatedInformation {
  constructor(
    readonly location: Location,
    readonly message: string,
  ) {}
}

export const DiagnosticSeverity = { Error: 0, Warning: 1, Information: 2, Hint: 3 };
export const DiagnosticTag = { Unnecessary: 1, Deprecated: 2 };

export class Disposable {
  constructor(private readonly callback: () => unknown = () => undefined) {}
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((item) => item.dispose()));
  }
  dispose(): void {
    this.callback();
  }
}

export class CancellationError extends Error {}

export class CancellationTokenSource {
  private readonly emitter = new EventEmitter<void>();
  readonly token = { isCancellationRequested: false, onCancellationRequested: this.emitter.event };
  cancel(): void {
    this.token.isCancellationRequested = true;
    this.emitter.fire();
  }
  dispose(): void {
    this.emitter.dispose();
  }
}

export class CodeActionKind {
  static readonly Empty = new CodeActionKind('');
  static readonly QuickFix = new CodeActionKind('quickfix');
  static readonly Refactor = new CodeActionKind('refactor');
  static readonly Source = new CodeActionKind('source');
  static readonly SourceOrganizeImports = new CodeActionKind('source.organizeImports');
  static readonly SourceFixAll = new CodeActionKind('source.fixAll');
  constructor(readonly value: string) {}
  append(part: string): CodeActionKind {
    return new CodeActionKind(this.value ? `${this.value}.${part}` : part);
  }
}

export interface FakeDocument {
  uri: Uri;
  fileName: string;
  languageId: string;
  version: number;
  isClosed: boolean;
  isUntitled: boolean;
  isDirty: boolean;
  getText(): string;
}

const documentEvents = {
  open: new EventEmitter<FakeDocument>(),
  close: new EventEmitter<FakeDocument>(),
};

(workspace as any).textDocuments = [] as FakeDocument[];
(workspace as any).notebookDocuments = [];
(workspace as any).onDidOpenTextDocument = documentEvents.open.event;
(workspace as any).onDidCloseTextDocument = documentEvents.close.event;
(workspace as any).applyEdit = async () => false;
(workspace as any).createFileSystemWatcher = (glob: unknown) => {
  const events = [new EventEmitter<Uri>(), new EventEmitter<Uri>(), new EventEmitter<Uri>()];
  return { glob, onDidCreate: events[0].event, onDidChange: events[1].event, onDidDelete: events[2].event, dispose() {} };
};

/** Open a file as VS Code does: a text document, `onDidOpenTextDocument`. */
export function openDocument(file: string, languageId: string): FakeDocument {
  const document: FakeDocument = {
    uri: Uri.file(file),
    fileName: file,
    languageId,
    version: 1,
    isClosed: false,
    isUntitled: false,
    isDirty: false,
    getText: () => fs.readFileSync(file, 'utf8'),
  };
  (workspace as any).textDocuments.push(document);
  documentEvents.open.fire(document);
  return document;
}

(window as any).tabGroups = { all: [], activeTabGroup: undefined, onDidChangeTabs: new EventEmitter().event, onDidChangeTabGroups: new EventEmitter().event };
(window as any).visibleTextEditors = [];
export const ProgressLocation = { SourceControl: 1, Window: 10, Notification: 15 };
(window as any).withProgress = async (
  options: { location: unknown; title?: string; cancellable?: boolean },
  task: (progress: unknown, token: unknown) => unknown,
) => {
  const source = new CancellationTokenSource();
  const entry: FakeProgress = {
    location: options.location,
    title: options.title,
    cancellable: !!options.cancellable,
    message: undefined,
    open: true,
    cancel: () => source.cancel(),
  };
  fake.progress.push(entry);
  try {
    return await task({ report: (value: { message?: string }) => (entry.message = value.message ?? entry.message) }, source.token);
  } finally {
    entry.open = false;
  }
};

/** VS Code's glob and selector matching, enough for document selectors. */
function matches(selector: any, document: FakeDocument): number {
  if (Array.isArray(selector)) {
    return Math.max(0, ...selector.map((s) => matches(s, document)));
  }
  if (typeof selector === 'string') {
    return selector === document.languageId || selector === '*' ? 10 : 0;
  }
  if (selector.scheme && selector.scheme !== document.uri.scheme) {
    return 0;
  }
  if (selector.language && selector.language !== document.languageId && selector.language !== '*') {
    return 0;
  }
  if (selector.pattern) {
    const loaded = require('minimatch');
    const minimatch = typeof loaded === 'function' ? loaded : loaded.minimatch;
    const pattern = typeof selector.pattern === 'string' ? selector.pattern : selector.pattern.pattern;
    if (!minimatch(document.uri.path, pattern, { dot: true, matchBase: false })) {
      return 0;
    }
  }
  return 10;
}

const collections = new Set<Map<string, [Uri, any[]]>>();

function allDiagnostics(): [Uri, any[]][] {
  const merged = new Map<string, [Uri, any[]]>();
  for (const entries of [new Map(fake.diagnostics.map((e) => [e[0].toString(), e] as [string, [Uri, any[]]])), ...collections]) {
    for (const [key, [uri, diagnostics]] of entries) {
      const known = merged.get(key);
      merged.set(key, [uri, [...(known?.[1] ?? []), ...diagnostics]]);
    }
  }
  return [...merged.values()].filter(([, diagnostics]) => diagnostics.length > 0);
}

function createDiagnosticCollection(name?: string) {
  const entries = new Map<string, [Uri, any[]]>();
  collections.add(entries);
  const changed = (uris: Uri[]): void => fake.diagnosticsListeners.fire({ uris });
  return {
    name,
    set(uri: any, diagnostics?: any[]) {
      if (Array.isArray(uri)) {
        for (const [u, d] of uri) {
          entries.set(u.toString(), [u, d ?? []]);
        }
        changed(uri.map((e: any) => e[0]));
        return;
      }
      entries.set(uri.toString(), [uri, diagnostics ?? []]);
      changed([uri]);
    },
    delete(uri: Uri) {
      entries.delete(uri.toString());
      changed([uri]);
    },
    clear() {
      const uris = [...entries.values()].map((e) => e[0]);
      entries.clear();
      changed(uris);
    },
    get: (uri: Uri) => entries.get(uri.toString())?.[1],
    has: (uri: Uri) => entries.has(uri.toString()),
    forEach(callback: (uri: Uri, diagnostics: any[]) => void) {
      entries.forEach(([u, d]) => callback(u, d));
    },
    dispose() {
      collections.delete(entries);
      fake.diagnosticsListeners.fire({ uris: [] });
    },
  };
}

(languages as any).match = matches;
(languages as any).createDiagnosticCollection = createDiagnosticCollection;
(languages as any).getDiagnostics = (uri?: Uri) => {
  const all = allDiagnostics();
  return uri ? (all.find(([u]) => u.toString() === uri.toString())?.[1] ?? []) : all;
};

const resetFake = fake.reset.bind(fake);
fake.reset = function (): void {
  resetFake();
  (workspace as any).textDocuments = [];
  collections.clear();
};

// Anything not defined above: classes as plain classes, functions as no-ops returning a
// disposable, `on...` events as subscriptions that never fire.
function stubFunction(name: string): (...args: unknown[]) => unknown {
  return name.startsWith('on') ? () => ({ dispose() {} }) : () => ({ dispose() {} });
}

function withFallback<T extends object>(target: T): T {
  return new Proxy(target, {
    get(object: any, property) {
      if (property in object || typeof property === 'symbol' || property === 'then') {
        return object[property];
      }
      return stubFunction(property);
    },
  });
}

const autoClasses = new Map<string, unknown>();
function autoClass(name: string): unknown {
  if (!autoClasses.has(name)) {
    const cls = class {
      constructor(...args: unknown[]) {
        (this as any).args = args;
      }
    };
    Object.defineProperty(cls, 'name', { value: name });
    autoClasses.set(
      name,
      new Proxy(cls, {
        get: (object: any, property) => (property in object || typeof property === 'symbol' ? object[property] : String(property)),
      }),
    );
  }
  return autoClasses.get(name);
}

const namespaces = ['workspace', 'window', 'languages', 'commands', 'env', 'extensions'];
for (const name of namespaces) {
  (exports as any)[name] = withFallback((exports as any)[name]);
}
module.exports = new Proxy(exports, {
  get(object: any, property) {
    if (property in object || typeof property === 'symbol' || property === 'then' || property === 'default') {
      return object[property];
    }
    if (/^[A-Z]/.test(property)) {
      return autoClass(property);
    }
    return withFallback({});
  },
});
