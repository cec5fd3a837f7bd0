/** Names shared by the extension, its package.json and the language server (lsp_server). */

/** The settings section, and the prefix of every command (lsp_server.PREFIX). */
export const SECTION = 'djangoMigrationManifest';
/** The language client's id: VS Code reads `${CLIENT_ID}.trace.server` for the trace. */
export const CLIENT_ID = SECTION;
/** The output channel's and the client's name. */
export const DISPLAY_NAME = 'Django Migration Manifest';
/** The Python distribution that holds the server, and the module that runs it. */
export const PACKAGE = 'django-migration-manifest';
export const SERVER_MODULE = 'lsp_server';
/** `source` of every diagnostic the server sends (lsp_server.NAME). */
export const DIAGNOSTIC_SOURCE = 'django-migration-manifest';

/** Problem codes that mean "this workspace has a migration conflict". */
export const CONFLICT_CODES = {
  /** An app has more than one leaf migration: on each leaf. */
  multipleLeaves: 'MM009',
  /** migrations.toml holds git conflict markers: on the manifest. */
  manifestConflict: 'MM002',
} as const;

/** The oldest Python the server (and the bundled libraries) run on. */
export const MIN_PYTHON: readonly [number, number] = [3, 10];
/** The oldest django-migration-manifest whose server this extension talks to. */
export const MIN_SERVER_VERSION = '0.1.0';

/**
 * The server's commands (`workspace/executeCommand`, lsp_server/actions.py). vscode-languageclient
 * registers these itself from the server's `executeCommandProvider`; code actions and code lenses
 * use them. The extension never registers them: its palette commands have their own ids
 * ({@link Commands}) and forward to these.
 */
export const ServerCommands = {
  resolve: `${SECTION}.resolve`,
  updateManifest: `${SECTION}.updateManifest`,
  showInfo: `${SECTION}.showInfo`,
  reindex: `${SECTION}.reindex`,
  showLocation: `${SECTION}.showLocation`,
  /** Run by the client after it applied a resolution's workspace edit: stages it in git. */
  stageResolution: `${SECTION}.stageResolution`,
} as const;

/** The extension's own commands (package.json `contributes.commands`). */
export const Commands = {
  resolveConflicts: `${SECTION}.resolveConflicts`,
  updateMigrationsToml: `${SECTION}.updateMigrationsToml`,
  restartServer: `${SECTION}.restartServer`,
  showLogs: `${SECTION}.showLogs`,
  showServerInfo: `${SECTION}.showServerInfo`,
  reindexWorkspace: `${SECTION}.reindexWorkspace`,
} as const;

/** Which palette command forwards to which server command. */
export const FORWARDED: Readonly<Record<string, string>> = {
  [Commands.resolveConflicts]: ServerCommands.resolve,
  [Commands.updateMigrationsToml]: ServerCommands.updateManifest,
  [Commands.showServerInfo]: ServerCommands.showInfo,
  [Commands.reindexWorkspace]: ServerCommands.reindex,
};

/** Files whose changes on disk the server hears about (`workspace/didChangeWatchedFiles`). */
export const WATCHED_GLOBS = ['**/migrations/*.py', '**/migrations.toml'] as const;

/**
 * The documents the server is given (`textDocument/didOpen`...): migration modules and the
 * manifest, as the Neovim and Emacs configurations (editors/) attach it. Problems in files that
 * are not open still arrive, through the workspace diagnostics VS Code's client pulls.
 */
export const DOCUMENT_SELECTOR = [
  { scheme: 'file', language: 'python', pattern: '**/migrations/*.py' },
  { scheme: 'file', pattern: '**/migrations.toml' },
];
