/**
 * A server that cannot start, as the user sees it: the extension activated with the `vscode`
 * module faked and an interpreter that does not exist (no server process is ever started; the
 * activation test, test/e2e, starts one and fixes the interpreter).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Commands } from '../../src/constants';
import { activate, deactivate } from '../../src/extension';
import { fake, packageJson } from '../fake/vscode';

const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('a server that does not start', () => {
  let tmp: string;
  let context: { extensionPath: string; subscriptions: { dispose(): unknown }[]; extension: unknown };

  beforeEach(() => {
    fake.reset();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dmm-manager-'));
    fake.folders(tmp);
    context = { extensionPath: tmp, subscriptions: [], extension: { packageJSON: packageJson } };
  });

  afterEach(async () => {
    await deactivate();
    context.subscriptions.forEach((s) => s.dispose());
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const item = () => fake.statusItems.find((i) => i.id === `${Commands.resolveConflicts}.status`);
  const until = async (check: () => boolean): Promise<void> => {
    for (let i = 0; i < 200 && !check(); i++) {
      await tick(10);
    }
    assert.ok(check(), JSON.stringify({ logs: fake.logs, progress: fake.progress }, null, 1));
  };
  const failures = () => fake.logs.filter((l) => l.level === 'error').map((l) => l.message);

  it('is told once per problem, by a notification it replaces, and by the status bar', async () => {
    const missing = path.join(tmp, 'no-such-python');
    fake.set('interpreter', [missing]);
    await activate(context as never);
    await until(() => fake.progress.length === 1 && failures().length === 1);
    const [first] = fake.progress;
    assert.ok(first.open);
    assert.match(first.message ?? '', new RegExp(`^the Python interpreter ${missing} did not run`));
    assert.strictEqual(item().text, '$(error) Migration Manifest');
    assert.match(item().tooltip, /did not run/);
    assert.strictEqual(item().backgroundColor.id, 'statusBarItem.errorBackground');

    // the same failure again: the log has it, no second notification, the status bar unchanged
    await fake.commands.get(Commands.restartServer)!();
    assert.strictEqual(failures().length, 2);
    assert.strictEqual(fake.progress.length, 1);
    assert.ok(first.open);
    assert.ok(item().visible);

    // another problem: its own notification, in place of the first
    const other = path.join(tmp, 'another-python');
    fake.set('interpreter', [other]);
    fake.configurationListeners.fire({ affectsConfiguration: (s: string) => s === 'djangoMigrationManifest.interpreter' });
    await until(() => fake.progress.length === 2);
    await tick();
    assert.deepStrictEqual(
      fake.progress.map((p) => p.open),
      [false, true],
    );
    assert.match(fake.progress[1].message ?? '', new RegExp(`^the Python interpreter ${other} did not run`));
    assert.match(item().tooltip, /another-python/);
    // never an error message: VS Code could not take it back
    assert.deepStrictEqual(fake.messages, []);

    await deactivate();
    context.subscriptions.forEach((s) => s.dispose());
    context.subscriptions = [];
    await tick();
    assert.ok(!fake.progress[1].open, 'closed with the extension');
  });

  it('dismissed, stays dismissed while the problem lasts', async () => {
    fake.set('interpreter', [path.join(tmp, 'no-such-python')]);
    await activate(context as never);
    await until(() => fake.progress.length === 1);
    fake.progress[0].cancel();
    await tick();
    assert.ok(!fake.progress[0].open);
    await fake.commands.get(Commands.restartServer)!();
    assert.strictEqual(fake.progress.length, 1);
    assert.ok(item().visible, 'the status bar still says it');
  });
});
