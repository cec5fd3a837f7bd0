/**
 * The interpreter that runs the server: the `interpreter` setting, else the environment selected
 * in the Python extension (ms-python.python), else none (and a message saying how to choose one).
 *
 * Only the small part of the Python extension's API used here is declared; its `environments`
 * API is preferred, `settings.getExecutionDetails` serves older versions.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';

export const PYTHON_EXTENSION_ID = 'ms-python.python';

export interface EnvironmentPath {
  readonly id: string;
  readonly path: string;
}

export interface ResolvedEnvironment {
  readonly executable: { readonly uri: vscode.Uri | undefined };
  readonly version?: { readonly major?: number; readonly minor?: number; readonly micro?: number } | undefined;
}

export interface PythonExtensionApi {
  readonly ready?: Promise<void>;
  readonly environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri | vscode.WorkspaceFolder): EnvironmentPath;
    resolveEnvironment(environment: EnvironmentPath | string): Promise<ResolvedEnvironment | undefined>;
    readonly onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
  };
  readonly settings?: {
    getExecutionDetails(resource?: vscode.Uri): { execCommand: string[] | undefined };
  };
}

/** The Python extension's API, activated; `undefined` when it is not installed or fails. */
export async function getPythonApi(log?: (message: string) => void): Promise<PythonExtensionApi | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
  if (!extension) {
    return undefined;
  }
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    if (api?.ready) {
      await api.ready;
    }
    return api ?? undefined;
  } catch (error) {
    log?.(`the Python extension could not be activated: ${String(error)}`);
    return undefined;
  }
}

export interface InterpreterFound {
  ok: true;
  /** The command line: the executable, then any arguments to put before `-m lsp_server`. */
  command: string[];
  source: 'setting' | 'python-extension' | 'path';
  /** For the log: where it came from. */
  description: string;
}

export interface InterpreterMissing {
  ok: false;
  message: string;
}

export type InterpreterChoice = InterpreterFound | InterpreterMissing;

export const NO_INTERPRETER_MESSAGE =
  'Django Migration Manifest: no Python interpreter to run the language server. ' +
  "Select one with 'Python: Select Interpreter' (the Python extension, ms-python.python), or set " +
  '"djangoMigrationManifest.interpreter" to its path, e.g. ["/path/to/venv/bin/python"]. ' +
  'Python 3.10 or newer is needed.';

/** The active environment's interpreter in the Python extension, for a folder. */
export async function interpreterFromPythonExtension(
  api: PythonExtensionApi,
  resource: vscode.Uri | undefined,
): Promise<{ path: string; description: string } | undefined> {
  if (api.environments) {
    const active = api.environments.getActiveEnvironmentPath(resource);
    const resolved = await api.environments.resolveEnvironment(active);
    const executable = resolved?.executable.uri?.fsPath;
    if (executable) {
      const v = resolved?.version;
      const version = v && v.major !== undefined ? ` (Python ${v.major}.${v.minor ?? 0}.${v.micro ?? 0})` : '';
      return { path: executable, description: `the Python extension's active environment${version}` };
    }
    return undefined;
  }
  const command = api.settings?.getExecutionDetails(resource).execCommand;
  if (command && command.length > 0 && command[0]) {
    return { path: command[0], description: "the Python extension's selected interpreter" };
  }
  return undefined;
}

/** The first of `names` that is an executable file on `env.PATH` (PATHEXT's on Windows). */
export function findOnPath(names: readonly string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  const windows = process.platform === 'win32';
  const extensions = windows ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').filter(Boolean) : [''];
  const folders = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean);
  for (const name of names) {
    for (const folder of folders) {
      for (const extension of extensions) {
        const candidate = path.join(folder, name + extension);
        try {
          const stat = fs.statSync(candidate);
          if (stat.isFile()) {
            fs.accessSync(candidate, fs.constants.X_OK);
            return candidate;
          }
        } catch {
          // not here
        }
      }
    }
  }
  return undefined;
}

/** The interpreter: the setting first, then the Python extension; without the Python extension
 * (code-server, VSCodium...), `python3` (or `python`) on PATH. */
export async function resolveInterpreter(
  setting: readonly string[],
  api: PythonExtensionApi | undefined,
  resource: vscode.Uri | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<InterpreterChoice> {
  if (setting.length > 0) {
    return {
      ok: true,
      command: [...setting],
      source: 'setting',
      description: 'the djangoMigrationManifest.interpreter setting',
    };
  }
  if (api) {
    try {
      const found = await interpreterFromPythonExtension(api, resource);
      if (found) {
        return { ok: true, command: [found.path], source: 'python-extension', description: found.description };
      }
    } catch (error) {
      return {
        ok: false,
        message: `${NO_INTERPRETER_MESSAGE} (The Python extension did not give one: ${String(error)})`,
      };
    }
  } else {
    const found = findOnPath(process.platform === 'win32' ? ['python', 'python3'] : ['python3', 'python'], env);
    if (found) {
      return {
        ok: true,
        command: [found],
        source: 'path',
        description: `${path.basename(found)} on PATH (the Python extension is not installed)`,
      };
    }
  }
  return { ok: false, message: NO_INTERPRETER_MESSAGE };
}
