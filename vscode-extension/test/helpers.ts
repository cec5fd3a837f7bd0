/** Paths and interpreters shared by the tests. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** vscode-extension/ (the compiled tests run from out/test/...). */
export const EXTENSION_ROOT = path.resolve(__dirname, '..', '..');
export const REPO_ROOT = path.resolve(EXTENSION_ROOT, '..');
export const BUNDLED_LIBS = path.join(EXTENSION_ROOT, 'bundled', 'libs');

/** A plain interpreter, with no django-migration-manifest installed (ci.sh: DMM_PLAIN_PYTHON). */
export function plainPython(): string {
  return process.env.DMM_PLAIN_PYTHON || 'python3';
}

/**
 * An interpreter whose environment has django-migration-manifest[lsp] (ci.sh: DMM_ENV_PYTHON);
 * unset: the repository's .venv when there is one.
 */
export function envPython(): string | undefined {
  if ('DMM_ENV_PYTHON' in process.env) {
    return process.env.DMM_ENV_PYTHON || undefined; // set empty: there is none
  }
  const venv = path.join(REPO_ROOT, '.venv', 'bin', 'python');
  return fs.existsSync(venv) ? venv : undefined;
}

export function hasBundledLibs(): boolean {
  return fs.existsSync(path.join(BUNDLED_LIBS, 'lsp_server', '__main__.py'));
}

/** Where the server's Python code is importable from: the bundle when built, else the sources. */
export function serverPythonPath(): string {
  return hasBundledLibs() ? BUNDLED_LIBS : REPO_ROOT;
}

/** Run Python code (`-c`), JSON on stdin, JSON printed on stdout. */
export function runPythonJson(python: string, code: string, input: unknown, pythonPath: string = serverPythonPath()): any {
  const result = spawnSync(python, ['-c', code], {
    input: JSON.stringify(input),
    env: { ...process.env, PYTHONPATH: pythonPath },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status !== 0) {
    throw new Error(`${python} failed (${result.status}): ${result.stderr || result.error}`);
  }
  return JSON.parse(result.stdout);
}
