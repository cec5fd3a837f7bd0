/**
 * What the chosen interpreter has: its Python version, and whether django-migration-manifest's
 * language server is importable there. Found by running the interpreter (a few lines of Python
 * with `-c`), in the folder and environment the server would run in.
 */
import { spawn } from 'child_process';

export interface ProbeResult {
  /** The interpreter ran and answered. */
  ok: boolean;
  executable?: string;
  version?: [number, number, number];
  /** `importlib.metadata.version("django-migration-manifest")`, `null` when not installed. */
  package?: string | null;
  /** `lsp_server.__version__` when `import lsp_server.server` works, else `null`. */
  server?: string | null;
  /** Where `lsp_server` was imported from. */
  location?: string | null;
  /** Why the interpreter did not run, or why `lsp_server.server` did not import. */
  error?: string;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The process could not be started (ENOENT...) or timed out. */
  error?: string;
}

export interface RunOptions {
  cwd?: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
}

export type Runner = (command: string, args: string[], options: RunOptions) => Promise<RunResult>;

/** The marker before the probe's JSON line (anything a sitecustomize prints is skipped). */
export const PROBE_MARKER = 'DJANGO_MIGRATION_MANIFEST_PROBE ';

/** Kept to syntax every Python 3 parses, so an old interpreter answers with its version. */
export const PROBE_SCRIPT = [
  'import json, sys',
  'out = {"executable": sys.executable, "version": list(sys.version_info[:3])}',
  'try:',
  '    from importlib.metadata import version',
  '    out["package"] = version("django-migration-manifest")',
  'except Exception:',
  '    out["package"] = None',
  'try:',
  '    import lsp_server.server',
  '    import lsp_server',
  '    out["server"] = lsp_server.__version__',
  '    out["location"] = lsp_server.__file__',
  'except BaseException as exc:',
  '    out["server"] = None',
  '    out["error"] = "%s: %s" % (type(exc).__name__, exc)',
  `sys.stdout.write(${JSON.stringify(PROBE_MARKER)} + json.dumps(out) + "\\n")`,
].join('\n');

export const PROBE_TIMEOUT_MS = 20_000;

/** Run a process to its end, with a time limit. */
export const runProcess: Runner = (command, args, options) =>
  new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (result: RunResult): void => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve(result);
      }
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      resolve({ code: null, stdout, stderr, error: String(error) });
      return;
    }
    const timer = setTimeout(() => {
      child.kill();
      finish({ code: null, stdout, stderr, error: `no answer within ${options.timeoutMs / 1000} s` });
    }, options.timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error) => finish({ code: null, stdout, stderr, error: error.message }));
    child.on('close', (code) => finish({ code, stdout, stderr }));
  });

/** The probe's answer from its output; `undefined` when there is none. */
export function parseProbeOutput(stdout: string): ProbeResult | undefined {
  for (const line of stdout.split(/\r?\n/).reverse()) {
    if (!line.startsWith(PROBE_MARKER)) {
      continue;
    }
    try {
      const data = JSON.parse(line.slice(PROBE_MARKER.length)) as Record<string, unknown>;
      const version = Array.isArray(data.version) ? data.version.map(Number) : [];
      return {
        ok: true,
        executable: typeof data.executable === 'string' ? data.executable : undefined,
        version: version.length === 3 ? (version as [number, number, number]) : undefined,
        package: typeof data.package === 'string' ? data.package : null,
        server: typeof data.server === 'string' ? data.server : null,
        location: typeof data.location === 'string' ? data.location : null,
        error: typeof data.error === 'string' ? data.error : undefined,
      };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Ask the interpreter what it has. */
export async function probeInterpreter(
  interpreter: readonly string[],
  options: { cwd?: string; env: NodeJS.ProcessEnv },
  run: Runner = runProcess,
): Promise<ProbeResult> {
  const [command, ...rest] = interpreter;
  const result = await run(command, [...rest, '-c', PROBE_SCRIPT], { ...options, timeoutMs: PROBE_TIMEOUT_MS });
  const parsed = parseProbeOutput(result.stdout);
  if (parsed) {
    return parsed;
  }
  const detail =
    result.error ??
    (result.stderr.trim().split(/\r?\n/).slice(-3).join(' ') || `exit code ${String(result.code)}, no answer`);
  return { ok: false, error: detail };
}
