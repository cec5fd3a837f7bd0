/**
 * What the extension sends, read by the server's own settings parser (lsp_server/settings.py),
 * in Python: no value may be reported as not understood, and what the server makes of it must be
 * what was meant. Also: the server's schema has exactly the keys the extension knows, and the
 * server's command ids are the ones the extension forwards to.
 */
import * as assert from 'assert';
import { Commands, FORWARDED, ServerCommands } from '../../src/constants';
import { LINT_KEYS, readSettings, SERVER_KEYS } from '../../src/settings';
import { fake, packageJson, workspace } from '../fake/vscode';
import { envPython, hasBundledLibs, plainPython, runPythonJson, serverPythonPath } from '../helpers';

/** Parse as the server does at `initialize` and after `workspace/configuration`. */
const PARSE = `
import json, sys
from lsp_server.settings import merge, parse_settings, to_json
init, configured = json.load(sys.stdin)
settings, errors = parse_settings(merge(init, configured))
print(json.dumps({"errors": errors, "settings": to_json(settings)}))
`;

function parse(init: unknown, configured: unknown = {}): { errors: string[]; settings: any } {
  return runPythonJson(plainPython(), PARSE, [init, configured]);
}

describe("the server's settings parser on what the extension sends", function () {
  this.timeout(60_000);
  before(function () {
    // lsp_server.settings needs manifest_core only: the sources do when the bundle is not built
    if (!serverPythonPath()) {
      this.skip();
    }
  });
  beforeEach(() => fake.reset());

  it('has exactly the keys the extension knows', () => {
    const { errors, settings } = parse({});
    assert.deepStrictEqual(errors, []);
    assert.deepStrictEqual(Object.keys(settings).sort(), [...SERVER_KEYS].sort());
    assert.deepStrictEqual(Object.keys(settings.lint).sort(), [...LINT_KEYS].sort());
  });

  it('accepts the defaults, and keeps its own', () => {
    const sent = readSettings().server;
    const { errors, settings } = parse(sent, sent);
    assert.deepStrictEqual(errors, []);
    assert.deepStrictEqual(settings, parse({}).settings);
  });

  it("accepts the user's values and reads them as meant", () => {
    fake.folders('/work/shop');
    fake.set('root', '${workspaceFolder}/backend');
    fake.set('lint.enabled', false);
    fake.set('lint.select', ['ML0']);
    fake.set('lint.ignore', ['add-index']);
    fake.set('lint.severities', { 'add-index': 'error' });
    fake.set('codeLens', false);
    fake.set('hover', false);
    fake.set('documentLinks', false);
    fake.set('definition', false);
    fake.set('codeActions', false);
    fake.set('debounce', 250);
    fake.set('pollInterval', 0.5);
    fake.set('maxFileSize', 10_000);
    fake.set('logLevel', 'warning');
    fake.set('interpreter', ['/venv/bin/python']);
    fake.set('importStrategy', 'useBundled');
    const sent = readSettings(workspace.workspaceFolders![0] as any).server;
    const { errors, settings } = parse(sent);
    assert.deepStrictEqual(errors, []);
    assert.deepStrictEqual(settings, {
      root: '/work/shop/backend',
      lint: { enabled: false, select: ['ML0'], ignore: ['add-index'], severities: { ML011: 'error' } },
      codeLens: false,
      hover: false,
      documentLinks: false,
      definition: false,
      codeActions: false,
      debounce: 250,
      pollInterval: 0.5,
      maxFileSize: 10_000,
      logLevel: 'warning',
    });
  });

  it("reports the raw section (what filtering the client's keys avoids)", () => {
    fake.set('interpreter', ['/venv/bin/python']);
    const raw: Record<string, unknown> = {};
    for (const key of Object.keys(packageJson.contributes.configuration.properties)) {
      const short = key.slice('djangoMigrationManifest.'.length);
      if (!short.includes('.')) {
        raw[short] = workspace.getConfiguration('djangoMigrationManifest').get(short);
      }
    }
    const { errors } = parse(raw);
    assert.ok(errors.some((e) => e.includes("'interpreter'")), errors.join('\n'));
    assert.ok(errors.some((e) => e.includes("'importStrategy'")), errors.join('\n'));
  });

  it("hands a wrong value to the server, which reports it (and keeps its default)", () => {
    fake.set('debounce', 99_999);
    const { errors, settings } = parse(readSettings().server);
    assert.strictEqual(errors.length, 1);
    assert.match(errors[0], /debounce/);
    assert.strictEqual(settings.debounce, 10);
  });

  it("forwards to commands the server offers, under ids of its own", function () {
    const python = hasBundledLibs() ? plainPython() : envPython();
    if (!python) {
      this.skip();
    }
    const code = 'import json; from lsp_server.actions import COMMANDS; print(json.dumps(list(COMMANDS)))';
    const serverCommands: string[] = runPythonJson(python!, code, null);
    assert.deepStrictEqual([...serverCommands].sort(), Object.values(ServerCommands).sort());
    for (const target of Object.values(FORWARDED)) {
      assert.ok(serverCommands.includes(target), target);
    }
    const contributed: string[] = packageJson.contributes.commands.map((c: any) => c.command);
    assert.deepStrictEqual(contributed.filter((c) => serverCommands.includes(c)), []);
    assert.deepStrictEqual([...contributed].sort(), Object.values(Commands).sort());
  });
});
