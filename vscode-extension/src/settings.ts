/**
 * The extension's settings, and the server's settings object built from them.
 *
 * The server reads one JSON object (lsp_server/settings.py), from `initializationOptions` and from
 * `workspace/configuration` (section `djangoMigrationManifest`), and reports every key it does not
 * know. VS Code's `djangoMigrationManifest` section also holds the client's own keys
 * (`interpreter`, `importStrategy`, `showNotifications`, `trace`), so both paths send
 * {@link toServerSettings}: exactly the server's keys.
 */
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { SECTION } from './constants';

export type ImportStrategy = 'fromEnvironment' | 'useBundled';
export type ShowNotifications = 'off' | 'onError' | 'onWarning' | 'always';
export type ServerLogLevel = 'debug' | 'info' | 'warning' | 'error';

export const IMPORT_STRATEGIES: readonly ImportStrategy[] = ['fromEnvironment', 'useBundled'];
export const SHOW_NOTIFICATIONS: readonly ShowNotifications[] = ['off', 'onError', 'onWarning', 'always'];
/** `python -m lsp_server --log-level` choices (and the `logLevel` setting's values). */
export const SERVER_LOG_LEVELS: readonly ServerLogLevel[] = ['debug', 'info', 'warning', 'error'];

/** The server's settings object: the schema of lsp_server/settings.py, key for key. */
export interface ServerSettings {
  root: string | null;
  lint: {
    enabled: unknown;
    select: unknown;
    ignore: unknown;
    severities: unknown;
  };
  codeLens: unknown;
  hover: unknown;
  documentLinks: unknown;
  definition: unknown;
  codeActions: unknown;
  debounce: unknown;
  pollInterval: unknown;
  maxFileSize: unknown;
  logLevel: unknown;
}

/** The server's top-level keys, in the order of its schema. */
export const SERVER_KEYS = [
  'root',
  'lint',
  'codeLens',
  'hover',
  'documentLinks',
  'definition',
  'codeActions',
  'debounce',
  'pollInterval',
  'maxFileSize',
  'logLevel',
] as const;
export const LINT_KEYS = ['enabled', 'select', 'ignore', 'severities'] as const;

/** The client's own keys in the section: never sent to the server. */
export const CLIENT_KEYS = ['interpreter', 'importStrategy', 'showNotifications', 'trace.server'] as const;

/** What `workspace.getConfiguration(SECTION, scope)` gives (and what tests fake). */
export interface ConfigLike {
  get<T>(key: string): T | undefined;
}

export interface ExtensionSettings {
  /** The interpreter command line, variables expanded; empty: ask the Python extension. */
  interpreter: string[];
  importStrategy: ImportStrategy;
  showNotifications: ShowNotifications;
  /** What the server receives. */
  server: ServerSettings;
}

/** `${workspaceFolder}`, `${userHome}`, `${env:NAME}` and a leading `~`, as VS Code settings do. */
export function expandVariables(
  value: string,
  folder: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  let expanded = value.replace(/\$\{(workspaceFolder|userHome|env:([^}]+))\}/g, (whole, name, variable) => {
    if (name === 'workspaceFolder') {
      return folder ?? whole;
    }
    if (name === 'userHome') {
      return os.homedir();
    }
    return env[variable as string] ?? '';
  });
  if (expanded === '~' || expanded.startsWith('~/') || expanded.startsWith(`~${path.sep}`)) {
    expanded = path.join(os.homedir(), expanded.slice(1));
  }
  return expanded;
}

/**
 * The server's settings object from the section's values. Values are passed on as the user set
 * them: the server validates them and logs what it does not accept (a wrong value never stops it).
 * Only `root` is normalised: variables expanded, an empty string meaning "not set".
 */
export function toServerSettings(config: ConfigLike, folder?: string): ServerSettings {
  const rawRoot = config.get<unknown>('root');
  let root: string | null = null;
  if (typeof rawRoot === 'string' && rawRoot.trim() !== '') {
    root = expandVariables(rawRoot.trim(), folder);
  }
  const lint = {
    enabled: config.get<unknown>('lint.enabled'),
    select: config.get<unknown>('lint.select'),
    ignore: config.get<unknown>('lint.ignore'),
    severities: config.get<unknown>('lint.severities'),
  };
  const settings: ServerSettings = {
    root,
    lint,
    codeLens: config.get<unknown>('codeLens'),
    hover: config.get<unknown>('hover'),
    documentLinks: config.get<unknown>('documentLinks'),
    definition: config.get<unknown>('definition'),
    codeActions: config.get<unknown>('codeActions'),
    debounce: config.get<unknown>('debounce'),
    pollInterval: config.get<unknown>('pollInterval'),
    maxFileSize: config.get<unknown>('maxFileSize'),
    logLevel: config.get<unknown>('logLevel'),
  };
  // a key VS Code has no value for (an older package.json) is left to the server's default
  for (const key of LINT_KEYS) {
    if (settings.lint[key] === undefined) {
      delete settings.lint[key];
    }
  }
  for (const key of SERVER_KEYS) {
    if (settings[key] === undefined) {
      delete settings[key];
    }
  }
  return settings;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

/** The interpreter setting as a command line (empty items dropped, variables expanded). */
export function interpreterSetting(value: unknown, folder: string | undefined): string[] {
  if (typeof value === 'string') {
    value = value.trim() ? [value] : [];
  }
  if (!Array.isArray(value)) {
    return [];
  }
  return value
    .filter((item): item is string => typeof item === 'string' && item.trim() !== '')
    .map((item) => expandVariables(item, folder));
}

/** Every setting, for one scope (a workspace folder; none: the workspace). */
export function readSettings(folder?: vscode.WorkspaceFolder): ExtensionSettings {
  const config = vscode.workspace.getConfiguration(SECTION, folder?.uri);
  const folderPath = folder?.uri.fsPath;
  return {
    interpreter: interpreterSetting(config.get<unknown>('interpreter'), folderPath),
    importStrategy: oneOf(config.get<unknown>('importStrategy'), IMPORT_STRATEGIES, 'fromEnvironment'),
    showNotifications: oneOf(config.get<unknown>('showNotifications'), SHOW_NOTIFICATIONS, 'always'),
    server: toServerSettings(config, folderPath),
  };
}

/** The `--log-level` argument: the `logLevel` setting when it is one of the CLI's choices. */
export function serverLogLevel(settings: ServerSettings): ServerLogLevel {
  const level = typeof settings.logLevel === 'string' ? settings.logLevel.toLowerCase() : '';
  return oneOf(level, SERVER_LOG_LEVELS, 'info');
}

/** Settings whose change needs a new server process (the others reach the running server). */
export const RESTART_KEYS = ['interpreter', 'importStrategy'] as const;

export function needsRestart(event: { affectsConfiguration(section: string): boolean }): boolean {
  return RESTART_KEYS.some((key) => event.affectsConfiguration(`${SECTION}.${key}`));
}

interface ConfigurationItem {
  scopeUri?: string | null;
  section?: string | null;
}

/**
 * The answer to the server's `workspace/configuration` request: the server's settings object for
 * every item of our section, VS Code's own answer (`next`) for the others. Used as the language
 * client's `middleware.workspace.configuration`.
 */
export async function answerConfiguration(
  items: readonly ConfigurationItem[],
  next: () => Promise<unknown[] | unknown>,
): Promise<unknown[]> {
  const ours = items.map((item) => item.section === SECTION);
  let defaults: unknown[] = [];
  if (!ours.every(Boolean)) {
    const answer = await next();
    defaults = Array.isArray(answer) ? answer : [];
  }
  return items.map((item, index) => {
    if (!ours[index]) {
      return defaults[index] ?? null;
    }
    const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
    // `${workspaceFolder}` in a workspace-wide value: the first folder, as for the interpreter
    const folder = scope
      ? (vscode.workspace.getWorkspaceFolder(scope)?.uri.fsPath ?? scope.fsPath)
      : vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    return toServerSettings(vscode.workspace.getConfiguration(SECTION, scope), folder);
  });
}
