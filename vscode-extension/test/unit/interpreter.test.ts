import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  getPythonApi,
  interpreterFromPythonExtension,
  NO_INTERPRETER_MESSAGE,
  PYTHON_EXTENSION_ID,
  PythonExtensionApi,
  resolveInterpreter,
} from '../../src/python';
import { EventEmitter, fake, Uri } from '../fake/vscode';

/** The Python extension's `environments` API with one active environment per folder. */
function environmentsApi(byFolder: Record<string, string | undefined>, calls: string[] = []): PythonExtensionApi {
  const changed = new EventEmitter<unknown>();
  return {
    environments: {
      getActiveEnvironmentPath(resource?: any) {
        const key = resource?.fsPath ?? '';
        calls.push(`active:${key}`);
        return { id: key, path: byFolder[key] ?? '' };
      },
      async resolveEnvironment(environment: any) {
        calls.push(`resolve:${environment.id}`);
        const executable = byFolder[environment.id];
        return executable
          ? { executable: { uri: Uri.file(executable) as any }, version: { major: 3, minor: 12, micro: 4 } }
          : undefined;
      },
      onDidChangeActiveEnvironmentPath: changed.event as any,
    },
  };
}

describe('interpreter resolution', () => {
  beforeEach(() => fake.reset());

  it('takes the setting first, without asking the Python extension', async () => {
    const calls: string[] = [];
    const api = environmentsApi({ '/work/shop': '/work/shop/.venv/bin/python' }, calls);
    const found = await resolveInterpreter(['/opt/py/bin/python3', '-X', 'utf8'], api, Uri.file('/work/shop') as any);
    assert.deepStrictEqual(found, {
      ok: true,
      command: ['/opt/py/bin/python3', '-X', 'utf8'],
      source: 'setting',
      description: 'the djangoMigrationManifest.interpreter setting',
    });
    assert.deepStrictEqual(calls, []);
  });

  it("uses the Python extension's active environment for the folder", async () => {
    const calls: string[] = [];
    const api = environmentsApi({ '/work/shop': '/work/shop/.venv/bin/python' }, calls);
    const found = await resolveInterpreter([], api, Uri.file('/work/shop') as any);
    assert.ok(found.ok);
    assert.deepStrictEqual(found.command, ['/work/shop/.venv/bin/python']);
    assert.strictEqual(found.source, 'python-extension');
    assert.match(found.description, /active environment \(Python 3\.12\.4\)/);
    assert.deepStrictEqual(calls, ['active:/work/shop', 'resolve:/work/shop']);
  });

  it("falls back to an older Python extension's execution details", async () => {
    const api: PythonExtensionApi = {
      settings: { getExecutionDetails: () => ({ execCommand: ['/usr/local/bin/python3.11'] }) },
    };
    assert.deepStrictEqual(await interpreterFromPythonExtension(api, undefined), {
      path: '/usr/local/bin/python3.11',
      description: "the Python extension's selected interpreter",
    });
  });

  it('says how to choose one when neither gives an interpreter', async () => {
    const noPython = { PATH: '/nonexistent' };
    for (const api of [undefined, environmentsApi({}), { settings: { getExecutionDetails: () => ({ execCommand: undefined }) } }]) {
      const found = await resolveInterpreter([], api, Uri.file('/work/shop') as any, noPython);
      assert.deepStrictEqual(found, { ok: false, message: NO_INTERPRETER_MESSAGE });
    }
    assert.match(NO_INTERPRETER_MESSAGE, /Python: Select Interpreter/);
    assert.match(NO_INTERPRETER_MESSAGE, /"djangoMigrationManifest\.interpreter"/);
  });

  it('takes python3 on PATH without the Python extension (code-server, VSCodium)', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'dmm-path-'));
    try {
      const python3 = path.join(folder, 'python3');
      fs.writeFileSync(path.join(folder, 'python'), '');  // not executable: skipped
      fs.writeFileSync(python3, '#!/bin/sh\n', { mode: 0o755 });
      const env = { PATH: ['/nonexistent', folder].join(path.delimiter) };
      assert.deepStrictEqual(await resolveInterpreter([], undefined, undefined, env), {
        ok: true,
        command: [python3],
        source: 'path',
        description: 'python3 on PATH (the Python extension is not installed)',
      });
      // with the Python extension installed, its choice (or its absence) stands
      const found = await resolveInterpreter([], environmentsApi({}), undefined, env);
      assert.deepStrictEqual(found, { ok: false, message: NO_INTERPRETER_MESSAGE });
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('reports a Python extension that fails', async () => {
    const api: PythonExtensionApi = {
      environments: {
        getActiveEnvironmentPath: () => ({ id: 'x', path: 'x' }),
        resolveEnvironment: async () => {
          throw new Error('discovery failed');
        },
        onDidChangeActiveEnvironmentPath: new EventEmitter<unknown>().event as any,
      },
    };
    const found = await resolveInterpreter([], api, undefined);
    assert.ok(!found.ok);
    assert.match(found.message, /discovery failed/);
  });

  it('activates the Python extension when it is installed, and waits until it is ready', async () => {
    assert.strictEqual(await getPythonApi(), undefined);
    const api = environmentsApi({});
    let activated = 0;
    let readied = false;
    const withReady = { ...api, ready: new Promise<void>((resolve) => setTimeout(() => ((readied = true), resolve()), 10)) };
    fake.extensions.set(PYTHON_EXTENSION_ID, {
      isActive: false,
      exports: undefined,
      async activate() {
        activated++;
        return withReady;
      },
    });
    assert.strictEqual(await getPythonApi(), withReady);
    assert.strictEqual(activated, 1);
    assert.ok(readied);
  });

  it('goes on without a Python extension that fails to activate', async () => {
    const logged: string[] = [];
    fake.extensions.set(PYTHON_EXTENSION_ID, {
      isActive: false,
      exports: undefined,
      activate: async () => {
        throw new Error('broken');
      },
    });
    assert.strictEqual(await getPythonApi((m) => logged.push(m)), undefined);
    assert.match(logged[0], /broken/);
  });
});
