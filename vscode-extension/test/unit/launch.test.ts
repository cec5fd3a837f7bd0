import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  bundledLibsPath,
  chooseStrategy,
  compareVersions,
  planLaunch,
  serverEnvironment,
  serverExecutable,
} from '../../src/launch';
import { parseProbeOutput, PROBE_MARKER, probeInterpreter, RunOptions, Runner } from '../../src/probe';
import { PYTHON_EXTENSION_ID } from '../../src/python';
import { readSettings } from '../../src/settings';
import { fake, Uri } from '../fake/vscode';
import { envPython, plainPython } from '../helpers';

const DEFAULTS = readSettingsDefaults();
function readSettingsDefaults() {
  fake.reset();
  return readSettings().server;
}

/** A probe answer as the interpreter prints it. */
function answer(fields: Record<string, unknown>): string {
  return `${PROBE_MARKER}${JSON.stringify({ executable: '/venv/bin/python', version: [3, 12, 1], package: null, server: null, ...fields })}\n`;
}

/** A runner that answers the probe and records how it was run. */
function fakeRunner(stdout: string, calls: { command: string; args: string[]; options: RunOptions }[] = []): Runner {
  return async (command, args, options) => {
    calls.push({ command, args, options });
    return { code: 0, stdout, stderr: '' };
  };
}

/** An extension folder, with or without bundled/libs. */
function extensionFolder(bundled: boolean): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'dmm-ext-'));
  if (bundled) {
    fs.mkdirSync(path.join(folder, 'bundled', 'libs', 'lsp_server'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'bundled', 'libs', 'lsp_server', '__main__.py'), '');
  }
  return folder;
}

describe('server arguments', () => {
  it('runs `python -m lsp_server --stdio --log-level <level>` after the interpreter arguments', () => {
    const exe = serverExecutable(['py', '-3.12'], 'fromEnvironment', '/ext/bundled/libs', '/work/shop', { PATH: '/bin' }, {
      ...DEFAULTS,
      logLevel: 'debug',
    });
    assert.deepStrictEqual(exe, {
      command: 'py',
      args: ['-3.12', '-m', 'lsp_server', '--stdio', '--log-level', 'debug'],
      options: { cwd: '/work/shop', env: { PATH: '/bin' } },
    });
  });

  it('gives the CLI a valid --log-level whatever the setting says', () => {
    const exe = serverExecutable(['python3'], 'fromEnvironment', '/libs', undefined, {}, { ...DEFAULTS, logLevel: 'loud' });
    assert.deepStrictEqual(exe.args.slice(-2), ['--log-level', 'info']);
  });

  it('puts the bundled libraries first on PYTHONPATH for useBundled only', () => {
    assert.deepStrictEqual(serverEnvironment('useBundled', '/ext/libs', { PATH: '/bin' }), { PATH: '/bin', PYTHONPATH: '/ext/libs' });
    assert.strictEqual(
      serverEnvironment('useBundled', '/ext/libs', { PYTHONPATH: '/mine' }).PYTHONPATH,
      `/ext/libs${path.delimiter}/mine`,
    );
    assert.deepStrictEqual(serverEnvironment('fromEnvironment', '/ext/libs', { PYTHONPATH: '/mine' }), { PYTHONPATH: '/mine' });
    const base = { PYTHONPATH: '/mine' };
    serverEnvironment('useBundled', '/ext/libs', base);
    assert.deepStrictEqual(base, { PYTHONPATH: '/mine' }, 'the base environment is not changed');
  });

  it('compares versions by their numbers', () => {
    assert.strictEqual(compareVersions('0.1.0', '0.1.0'), 0);
    assert.strictEqual(compareVersions('0.10.0', '0.9.1'), 1);
    assert.strictEqual(compareVersions('0.1', '0.1.1'), -1);
    assert.strictEqual(compareVersions('1.0.0rc1', '0.9'), 1);
  });
});

describe('import strategy', () => {
  const installed = parseProbeOutput(answer({ package: '0.1.0', server: '0.1.0', location: '/venv/lib/python3.12/site-packages/lsp_server/__init__.py' }))!;
  const absent = parseProbeOutput(answer({}))!;
  const noPygls = parseProbeOutput(answer({ package: '0.1.0', error: "ModuleNotFoundError: No module named 'pygls'" }))!;

  it('uses the environment when django-migration-manifest and its server are installed there', () => {
    const decision = chooseStrategy('fromEnvironment', installed, true, 'python');
    assert.ok(decision.ok);
    assert.strictEqual(decision.strategy, 'fromEnvironment');
    assert.match(decision.reason, /django-migration-manifest 0\.1\.0 is installed in \/venv\/bin\/python/);
  });

  it('falls back to the bundled server when the package is not installed', () => {
    const decision = chooseStrategy('fromEnvironment', absent, true, 'python');
    assert.ok(decision.ok);
    assert.strictEqual(decision.strategy, 'useBundled');
    assert.match(decision.reason, /not installed in \/venv\/bin\/python/);
  });

  it('falls back when the package is there without its language server', () => {
    const decision = chooseStrategy('fromEnvironment', noPygls, true, 'python');
    assert.ok(decision.ok);
    assert.strictEqual(decision.strategy, 'useBundled');
    assert.match(decision.reason, /No module named 'pygls'/);
    assert.match(decision.reason, /django-migration-manifest\[lsp\]/);
  });

  it('falls back when the installed server is older than the extension supports', () => {
    const old = { ...installed, server: '0.0.9', package: '0.0.9' };
    const decision = chooseStrategy('fromEnvironment', old, true, 'python');
    assert.ok(decision.ok && decision.strategy === 'useBundled');
    assert.match(decision.reason, /0\.0\.9 .* older than/);
  });

  it('uses the bundled server when asked, even if the environment has one', () => {
    const decision = chooseStrategy('useBundled', installed, true, 'python');
    assert.ok(decision.ok && decision.strategy === 'useBundled');
    assert.match(decision.reason, /importStrategy is useBundled/);
  });

  it('refuses without a bundle to fall back on, saying what to install', () => {
    const decision = chooseStrategy('fromEnvironment', absent, false, 'python');
    assert.ok(!decision.ok);
    assert.match(decision.message, /\/venv\/bin\/python -m pip install "django-migration-manifest\[lsp\]"/);
    assert.ok(!chooseStrategy('useBundled', installed, false, 'python').ok);
  });

  it('refuses a Python older than 3.10, and an interpreter that does not run', () => {
    const old = parseProbeOutput(answer({ version: [3, 9, 18] }))!;
    const decision = chooseStrategy('useBundled', old, true, 'python3.9');
    assert.ok(!decision.ok);
    assert.match(decision.message, /needs Python 3\.10 or newer; \/venv\/bin\/python is Python 3\.9\.18/);
    const broken = chooseStrategy('fromEnvironment', { ok: false, error: 'spawn nope ENOENT' }, true, 'nope');
    assert.ok(!broken.ok);
    assert.match(broken.message, /nope did not run \(spawn nope ENOENT\)/);
  });
});

describe('the probe', () => {
  it('finds its answer among other output', () => {
    const parsed = parseProbeOutput(`sitecustomize says hi\n${answer({ package: '0.2.0', server: '0.2.0' })}trailing\n`);
    assert.deepStrictEqual(parsed, {
      ok: true,
      executable: '/venv/bin/python',
      version: [3, 12, 1],
      package: '0.2.0',
      server: '0.2.0',
      location: null,
      error: undefined,
    });
    assert.strictEqual(parseProbeOutput('no answer'), undefined);
  });

  it('runs the interpreter with its arguments before -c', async () => {
    const calls: any[] = [];
    await probeInterpreter(['py', '-3.12'], { cwd: '/work', env: { A: '1' } }, fakeRunner(answer({}), calls));
    assert.strictEqual(calls[0].command, 'py');
    assert.deepStrictEqual(calls[0].args.slice(0, 2), ['-3.12', '-c']);
    assert.strictEqual(calls[0].options.cwd, '/work');
    assert.deepStrictEqual(calls[0].options.env, { A: '1' });
  });

  it('reports an interpreter that fails', async () => {
    const failing: Runner = async () => ({ code: 1, stdout: '', stderr: 'Traceback\nSyntaxError: bad\n' });
    const result = await probeInterpreter(['python'], { env: {} }, failing);
    assert.deepStrictEqual(result, { ok: false, error: 'Traceback SyntaxError: bad' });
  });

  it('asks a real interpreter without django-migration-manifest', async () => {
    const result = await probeInterpreter([plainPython()], { cwd: os.tmpdir(), env: process.env });
    assert.ok(result.ok, result.error);
    assert.ok(result.version && result.version[0] === 3);
    assert.strictEqual(result.server, null);
    assert.strictEqual(result.package, null);
    assert.match(result.error ?? '', /ModuleNotFoundError/);
  });

  it('asks a real interpreter whose environment has it', async function () {
    const python = envPython();
    if (!python) {
      this.skip();
    }
    const result = await probeInterpreter([python!], { cwd: os.tmpdir(), env: process.env });
    assert.ok(result.ok, result.error);
    assert.match(result.server ?? '', /^\d+\.\d+/);
    assert.strictEqual(result.package, result.server);
  });

  it('reports an interpreter that does not exist', async () => {
    const result = await probeInterpreter(['/nonexistent/bin/python'], { env: process.env });
    assert.ok(!result.ok);
    assert.match(result.error ?? '', /ENOENT/);
  });
});

describe('planLaunch', () => {
  beforeEach(() => fake.reset());

  it('from the interpreter setting, falling back to the bundled server', async () => {
    const [folder] = fake.folders('/work/shop');
    fake.set('interpreter', ['${workspaceFolder}/.venv/bin/python']);
    fake.set('lint.ignore', ['add-index']);
    const calls: any[] = [];
    const extensionPath = extensionFolder(true);
    const result = await planLaunch({
      extensionPath,
      folder: folder as any,
      run: fakeRunner(answer({}), calls),
      env: { PATH: '/bin' },
    });
    assert.ok(result.ok, !result.ok ? result.message : '');
    const { plan } = result;
    assert.deepStrictEqual(plan.interpreter, ['/work/shop/.venv/bin/python']);
    assert.strictEqual(plan.interpreterSource, 'setting');
    assert.strictEqual(plan.strategy, 'useBundled');
    assert.deepStrictEqual(plan.executable, {
      command: '/work/shop/.venv/bin/python',
      args: ['-m', 'lsp_server', '--stdio', '--log-level', 'info'],
      options: { cwd: '/work/shop', env: { PATH: '/bin', PYTHONPATH: bundledLibsPath(extensionPath) } },
    });
    assert.deepStrictEqual(plan.initializationOptions, { ...DEFAULTS, lint: { ...DEFAULTS.lint, ignore: ['add-index'] } });
    // the probe looks at the environment as it is, in the folder the server runs in
    assert.strictEqual(calls[0].command, '/work/shop/.venv/bin/python');
    assert.strictEqual(calls[0].options.cwd, '/work/shop');
    assert.deepStrictEqual(calls[0].options.env, { PATH: '/bin' });
    assert.ok(plan.log.some((line) => /import strategy: useBundled: django-migration-manifest is not installed/.test(line)), plan.log.join('\n'));
    assert.ok(plan.log.some((line) => line.startsWith('interpreter: /work/shop/.venv/bin/python (from the djangoMigrationManifest.interpreter setting)')));
  });

  it("from the Python extension's environment, using the package installed there", async () => {
    const [folder] = fake.folders('/work/shop');
    const python = {
      environments: {
        getActiveEnvironmentPath: (resource: any) => ({ id: resource.fsPath, path: resource.fsPath }),
        resolveEnvironment: async () => ({ executable: { uri: Uri.file('/envs/shop/bin/python') } }),
        onDidChangeActiveEnvironmentPath: () => ({ dispose() {} }),
      },
    };
    fake.extensions.set(PYTHON_EXTENSION_ID, { isActive: true, exports: python, activate: async () => python });
    const result = await planLaunch({
      extensionPath: extensionFolder(true),
      folder: folder as any,
      python: python as any,
      run: fakeRunner(answer({ package: '0.1.0', server: '0.1.0' })),
      env: { PYTHONPATH: '/mine' },
    });
    assert.ok(result.ok);
    assert.strictEqual(result.plan.interpreterSource, 'python-extension');
    assert.strictEqual(result.plan.strategy, 'fromEnvironment');
    assert.strictEqual(result.plan.executable.command, '/envs/shop/bin/python');
    assert.deepStrictEqual(result.plan.executable.options.env, { PYTHONPATH: '/mine' });
  });

  it('stops with the message when there is no interpreter', async () => {
    fake.folders('/work/shop');
    let ran = false;
    const result = await planLaunch({
      extensionPath: extensionFolder(true),
      folder: fake.folders('/work/shop')[0] as any,
      env: { PATH: '/nonexistent' }, // no python3 on PATH either
      run: async () => {
        ran = true;
        return { code: 0, stdout: '', stderr: '' };
      },
    });
    assert.ok(!result.ok);
    assert.match(result.message, /no Python interpreter/);
    assert.ok(!ran);
  });

  it('stops when neither the environment nor the bundle has a server', async () => {
    fake.set('interpreter', ['python3']);
    const result = await planLaunch({ extensionPath: extensionFolder(false), run: fakeRunner(answer({})) });
    assert.ok(!result.ok);
    assert.match(result.message, /no bundled server/);
  });
});
