import * as assert from 'assert';
import * as os from 'os';
import * as path from 'path';
import {
  answerConfiguration,
  CLIENT_KEYS,
  expandVariables,
  interpreterSetting,
  LINT_KEYS,
  needsRestart,
  readSettings,
  SERVER_KEYS,
  serverLogLevel,
  toServerSettings,
} from '../../src/settings';
import { fake, packageJson, Uri, workspace } from '../fake/vscode';

const SECTION = 'djangoMigrationManifest';

/** The defaults documented at the top of lsp_server/settings.py. */
const SERVER_DEFAULTS = {
  root: null,
  lint: { enabled: true, select: null, ignore: [], severities: {} },
  codeLens: true,
  hover: true,
  documentLinks: true,
  definition: true,
  codeActions: true,
  debounce: 10,
  pollInterval: 2,
  maxFileSize: 2000000,
  logLevel: 'info',
};

describe('settings', () => {
  beforeEach(() => fake.reset());

  it('package.json declares every server key and the client keys, and nothing else', () => {
    const declared = Object.keys(packageJson.contributes.configuration.properties).sort();
    const server = SERVER_KEYS.flatMap((key) => (key === 'lint' ? LINT_KEYS.map((k) => `lint.${k}`) : [key]));
    const expected = [...server, ...CLIENT_KEYS].map((key) => `${SECTION}.${key}`).sort();
    assert.deepStrictEqual(declared, expected);
    for (const [key, property] of Object.entries<any>(packageJson.contributes.configuration.properties)) {
      assert.ok(property.markdownDescription || property.description, `${key} has a description`);
      assert.ok('default' in property, `${key} has a default`);
    }
  });

  it('sends the server its documented defaults when nothing is set', () => {
    const settings = toServerSettings(workspace.getConfiguration(SECTION));
    assert.deepStrictEqual(settings, SERVER_DEFAULTS);
    assert.deepStrictEqual(Object.keys(settings), [...SERVER_KEYS]);
    assert.deepStrictEqual(Object.keys(settings.lint), [...LINT_KEYS]);
  });

  it("passes the user's values on, and never the client's own keys", () => {
    fake.set('interpreter', ['/venv/bin/python']);
    fake.set('importStrategy', 'useBundled');
    fake.set('showNotifications', 'off');
    fake.set('trace.server', 'verbose');
    fake.set('lint.select', ['ML']);
    fake.set('lint.ignore', ['add-index']);
    fake.set('lint.severities', { 'add-index': 'warning' });
    fake.set('codeLens', false);
    fake.set('debounce', 250);
    fake.set('pollInterval', 0);
    fake.set('maxFileSize', 5000);
    fake.set('logLevel', 'debug');
    const settings = readSettings();
    assert.deepStrictEqual(settings.server, {
      ...SERVER_DEFAULTS,
      lint: { enabled: true, select: ['ML'], ignore: ['add-index'], severities: { 'add-index': 'warning' } },
      codeLens: false,
      debounce: 250,
      pollInterval: 0,
      maxFileSize: 5000,
      logLevel: 'debug',
    });
    assert.deepStrictEqual(settings.interpreter, ['/venv/bin/python']);
    assert.strictEqual(settings.importStrategy, 'useBundled');
    assert.strictEqual(settings.showNotifications, 'off');
    const sent = JSON.stringify(settings.server);
    for (const key of ['interpreter', 'importStrategy', 'showNotifications', 'trace']) {
      assert.ok(!sent.includes(`"${key}"`), `${key} is not sent`);
    }
  });

  it('reads a folder’s values over the workspace’s', () => {
    const [folder] = fake.folders('/work/shop');
    fake.set('root', 'backend');
    fake.set('hover', false, '/work/shop');
    const settings = readSettings(folder as any);
    assert.strictEqual(settings.server.root, 'backend');
    assert.strictEqual(settings.server.hover, false);
    assert.strictEqual(readSettings().server.hover, true);
  });

  it('expands variables in root; an empty root is no root', () => {
    const [folder] = fake.folders('/work/shop');
    fake.set('root', '${workspaceFolder}/backend');
    assert.strictEqual(readSettings(folder as any).server.root, '/work/shop/backend');
    fake.set('root', '   ');
    assert.strictEqual(readSettings(folder as any).server.root, null);
    fake.set('root', '~/projects/shop');
    assert.strictEqual(readSettings(folder as any).server.root, path.join(os.homedir(), 'projects/shop'));
  });

  it('reads the interpreter as a command line', () => {
    assert.deepStrictEqual(interpreterSetting(['py', '-3.11'], undefined), ['py', '-3.11']);
    assert.deepStrictEqual(interpreterSetting('/usr/bin/python3', undefined), ['/usr/bin/python3']);
    assert.deepStrictEqual(interpreterSetting(['', '  '], undefined), []);
    assert.deepStrictEqual(interpreterSetting(undefined, undefined), []);
    assert.deepStrictEqual(interpreterSetting(['${workspaceFolder}/.venv/bin/python'], '/work/shop'), [
      '/work/shop/.venv/bin/python',
    ]);
    assert.strictEqual(expandVariables('${env:DMM_X}/python', undefined, { DMM_X: '/opt' }), '/opt/python');
    assert.strictEqual(expandVariables('${userHome}/python', undefined), `${os.homedir()}/python`);
  });

  it('falls back to the defaults for unknown client values', () => {
    fake.set('importStrategy', 'fromSomewhere');
    fake.set('showNotifications', 'sometimes');
    const settings = readSettings();
    assert.strictEqual(settings.importStrategy, 'fromEnvironment');
    assert.strictEqual(settings.showNotifications, 'always');
  });

  it('gives the CLI a --log-level it accepts', () => {
    assert.strictEqual(serverLogLevel({ logLevel: 'DEBUG' } as any), 'debug');
    assert.strictEqual(serverLogLevel({ logLevel: 'warning' } as any), 'warning');
    assert.strictEqual(serverLogLevel({ logLevel: 'verbose' } as any), 'info');
    assert.strictEqual(serverLogLevel({ logLevel: 3 } as any), 'info');
  });

  it('restarts the server only for the interpreter and the import strategy', () => {
    const event = (changed: string) => ({ affectsConfiguration: (s: string) => changed.startsWith(s) || s === changed });
    assert.ok(needsRestart(event('djangoMigrationManifest.interpreter')));
    assert.ok(needsRestart(event('djangoMigrationManifest.importStrategy')));
    assert.ok(!needsRestart(event('djangoMigrationManifest.lint.select')));
    assert.ok(!needsRestart(event('djangoMigrationManifest.logLevel')));
  });

  describe('workspace/configuration', () => {
    it("answers the server's section with its settings, per folder, and the rest as VS Code does", async () => {
      const [folder] = fake.folders('/work/shop');
      fake.set('interpreter', ['/venv/bin/python']);
      fake.set('codeLens', false, '/work/shop');
      let asked = 0;
      const answer = await answerConfiguration(
        [{ section: SECTION }, { section: 'editor' }, { scopeUri: folder.uri.toString(), section: SECTION }],
        async () => {
          asked++;
          return [{ raw: true }, { tabSize: 4 }, { raw: true }];
        },
      );
      assert.strictEqual(asked, 1);
      assert.deepStrictEqual(answer[0], SERVER_DEFAULTS);
      assert.deepStrictEqual(answer[1], { tabSize: 4 });
      assert.deepStrictEqual(answer[2], { ...SERVER_DEFAULTS, codeLens: false });
    });

    it('does not ask VS Code when every item is ours', async () => {
      fake.folders('/work/shop');
      const answer = await answerConfiguration([{ scopeUri: null, section: SECTION }], async () => {
        throw new Error('not asked');
      });
      assert.deepStrictEqual(answer, [SERVER_DEFAULTS]);
    });

    it('expands ${workspaceFolder} in the scope’s folder', async () => {
      fake.folders('/work/shop', '/work/blog');
      fake.set('root', '${workspaceFolder}/src');
      const answer = (await answerConfiguration(
        [{ section: SECTION }, { scopeUri: Uri.file('/work/blog').toString(), section: SECTION }],
        async () => [],
      )) as any[];
      assert.strictEqual(answer[0].root, '/work/shop/src');
      assert.strictEqual(answer[1].root, '/work/blog/src');
    });
  });
});
