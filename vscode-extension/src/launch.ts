/**
 * How the server is started: the interpreter, the import strategy, and from them the command
 * line, folder, environment and initialization options. {@link planLaunch} is what the extension
 * runs before starting the language client, and what the end-to-end test runs before starting
 * the server itself.
 *
 * Import strategies:
 * - `fromEnvironment` (default): `python -m lsp_server` as the interpreter's environment has it,
 *   when django-migration-manifest's language server imports there (the probe checks); otherwise
 *   the bundled server, and the log says why.
 * - `useBundled`: the same interpreter with `bundled/libs` (vendored into the .vsix at build
 *   time: pygls, lsprotocol, cattrs, attrs, tomli-w... and manifest_core, lsp_server) first on
 *   `PYTHONPATH`.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { MIN_PYTHON, MIN_SERVER_VERSION, PACKAGE, SERVER_MODULE } from './constants';
import { probeInterpreter, ProbeResult, Runner, runProcess } from './probe';
import { PythonExtensionApi, resolveInterpreter } from './python';
import { ImportStrategy, readSettings, serverLogLevel, ServerSettings } from './settings';

/** What vscode-languageclient's `Executable` takes: the server process. */
export interface ServerExecutable {
  command: string;
  args: string[];
  options: { cwd?: string; env: NodeJS.ProcessEnv };
}

export interface StrategyChosen {
  ok: true;
  strategy: ImportStrategy;
  /** For the log: why this strategy. */
  reason: string;
}

export interface StrategyRefused {
  ok: false;
  message: string;
}

export type StrategyDecision = StrategyChosen | StrategyRefused;

/** `bundled/libs` inside the extension. */
export function bundledLibsPath(extensionPath: string): string {
  return path.join(extensionPath, 'bundled', 'libs');
}

/** Whether the bundled libraries are there (a development checkout may not have built them). */
export function hasBundledServer(libs: string): boolean {
  return fs.existsSync(path.join(libs, SERVER_MODULE, '__main__.py'));
}

/** -1, 0 or 1, comparing dotted version strings by their leading numbers. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string): number[] => v.split('.').map((p) => parseInt(p, 10) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) {
      return d < 0 ? -1 : 1;
    }
  }
  return 0;
}

function pythonVersion(probe: ProbeResult): string {
  return probe.version ? probe.version.join('.') : 'an unknown version';
}

/**
 * The import strategy for an interpreter, from the setting and what the probe found. Refused
 * when the interpreter did not run, is older than Python 3.10, or has no server to offer while the
 * bundled libraries are missing.
 */
export function chooseStrategy(
  requested: ImportStrategy,
  probe: ProbeResult,
  bundled: boolean,
  interpreter: string,
): StrategyDecision {
  if (!probe.ok) {
    return {
      ok: false,
      message: `Django Migration Manifest: the Python interpreter ${interpreter} did not run (${probe.error ?? 'no answer'}). Check "djangoMigrationManifest.interpreter" or the interpreter selected in the Python extension.`,
    };
  }
  const where = probe.executable ?? interpreter;
  const [major, minor] = probe.version ?? [0, 0];
  if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
    return {
      ok: false,
      message: `Django Migration Manifest: the language server needs Python ${MIN_PYTHON.join('.')} or newer; ${where} is Python ${pythonVersion(probe)}. Select another interpreter or set "djangoMigrationManifest.interpreter".`,
    };
  }
  const bundledOr = (reason: string): StrategyDecision =>
    bundled
      ? { ok: true, strategy: 'useBundled', reason }
      : {
          ok: false,
          message: `Django Migration Manifest: ${reason}, and this build of the extension has no bundled server (bundled/libs is missing: run scripts/build-libs.sh). Install it with: ${where} -m pip install "${PACKAGE}[lsp]"`,
        };
  if (requested === 'useBundled') {
    return bundledOr('importStrategy is useBundled: using the server bundled with the extension');
  }
  if (probe.server) {
    if (compareVersions(probe.server, MIN_SERVER_VERSION) < 0) {
      return bundledOr(
        `${PACKAGE} ${probe.server} in ${where} is older than ${MIN_SERVER_VERSION}, the oldest this extension supports: using the bundled server`,
      );
    }
    const location = probe.location ? ` (${path.dirname(probe.location)})` : '';
    return {
      ok: true,
      strategy: 'fromEnvironment',
      reason: `importStrategy is fromEnvironment and ${PACKAGE} ${probe.server} is installed in ${where}${location}: using it`,
    };
  }
  if (probe.package) {
    return bundledOr(
      `${PACKAGE} ${probe.package} is installed in ${where} but its language server does not start there (${probe.error ?? 'import failed'}; pip install "${PACKAGE}[lsp]" adds it): using the bundled server`,
    );
  }
  return bundledOr(`${PACKAGE} is not installed in ${where}: using the server bundled with the extension`);
}

/** The environment for a strategy: `useBundled` puts the bundled libraries first on PYTHONPATH. */
export function serverEnvironment(
  strategy: ImportStrategy,
  libs: string,
  base: NodeJS.ProcessEnv,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  if (strategy === 'useBundled') {
    env.PYTHONPATH = base.PYTHONPATH ? `${libs}${path.delimiter}${base.PYTHONPATH}` : libs;
  }
  return env;
}

/** The server process: `<interpreter...> -m lsp_server --stdio --log-level <level>`. */
export function serverExecutable(
  interpreter: readonly string[],
  strategy: ImportStrategy,
  libs: string,
  cwd: string | undefined,
  baseEnv: NodeJS.ProcessEnv,
  settings: ServerSettings,
): ServerExecutable {
  const [command, ...prefix] = interpreter;
  return {
    command,
    args: [...prefix, '-m', SERVER_MODULE, '--stdio', '--log-level', serverLogLevel(settings)],
    options: { cwd, env: serverEnvironment(strategy, libs, baseEnv) },
  };
}

export interface LaunchPlan {
  interpreter: string[];
  interpreterSource: 'setting' | 'python-extension' | 'path';
  strategy: ImportStrategy;
  /** Lines for the log: the interpreter's origin, the strategy and why. */
  log: string[];
  executable: ServerExecutable;
  initializationOptions: ServerSettings;
  probe: ProbeResult;
}

export type LaunchResult = { ok: true; plan: LaunchPlan } | { ok: false; message: string; log: string[] };

export interface LaunchInput {
  extensionPath: string;
  /** The folder whose settings apply (the workspace's first); none: the workspace's. */
  folder?: vscode.WorkspaceFolder;
  python?: PythonExtensionApi;
  run?: Runner;
  env?: NodeJS.ProcessEnv;
}

/** Everything needed to start the server, or why it cannot start. */
export async function planLaunch(input: LaunchInput): Promise<LaunchResult> {
  const settings = readSettings(input.folder);
  const log: string[] = [];
  const interpreter = await resolveInterpreter(settings.interpreter, input.python, input.folder?.uri, input.env);
  if (!interpreter.ok) {
    return { ok: false, message: interpreter.message, log };
  }
  log.push(`interpreter: ${interpreter.command.join(' ')} (from ${interpreter.description})`);
  const cwd = input.folder?.uri.fsPath;
  const baseEnv = input.env ?? process.env;
  const libs = bundledLibsPath(input.extensionPath);
  const probe = await probeInterpreter(interpreter.command, { cwd, env: baseEnv }, input.run ?? runProcess);
  if (probe.ok) {
    log.push(
      `${probe.executable ?? interpreter.command[0]}: Python ${pythonVersion(probe)}, ${PACKAGE} ` +
        (probe.server ? `${probe.server} with its language server` : probe.package ? `${probe.package} without its language server` : 'not installed'),
    );
  }
  const decision = chooseStrategy(settings.importStrategy, probe, hasBundledServer(libs), interpreter.command.join(' '));
  if (!decision.ok) {
    return { ok: false, message: decision.message, log };
  }
  log.push(`import strategy: ${decision.strategy}: ${decision.reason}`);
  const executable = serverExecutable(interpreter.command, decision.strategy, libs, cwd, baseEnv, settings.server);
  log.push(`server command: ${[executable.command, ...executable.args].join(' ')}${cwd ? ` (in ${cwd})` : ''}`);
  if (decision.strategy === 'useBundled') {
    log.push(`PYTHONPATH=${executable.options.env.PYTHONPATH ?? ''}`);
  }
  return {
    ok: true,
    plan: {
      interpreter: interpreter.command,
      interpreterSource: interpreter.source,
      strategy: decision.strategy,
      log,
      executable,
      initializationOptions: settings.server,
      probe,
    },
  };
}
