import * as assert from 'assert';
import { commandOptions, isAnswer } from '../../src/commandArgs';
import { appOf, describeConflicts, findConflicts } from '../../src/conflicts';
import { effectiveTrace, LogLevel, shouldNotify, traceForLogLevel } from '../../src/logging';

const SOURCE = 'django-migration-manifest';

describe('conflicts from diagnostics', () => {
  const leaf = (code: unknown, source = SOURCE) => ({ source, code }) as any;

  it('finds conflicted apps (MM009 on each leaf) and conflicted manifests (MM002)', () => {
    const conflicts = findConflicts([
      ['/p/blog/migrations/0003_blog_post.py', [leaf('MM009')]],
      ['/p/blog/migrations/0003_blog_summary.py', [leaf({ value: 'MM009', target: 'https://x' })]],
      ['/p/migrations.toml', [leaf('MM002'), leaf('MM007')]],
      ['/p/shop/migrations/0002_x.py', [leaf('MM009', 'Pylance'), leaf('ML011')]],
    ]);
    assert.deepStrictEqual(conflicts, {
      folders: ['/p/blog/migrations'],
      leaves: ['/p/blog/migrations/0003_blog_post.py', '/p/blog/migrations/0003_blog_summary.py'],
      manifests: ['/p/migrations.toml'],
    });
    const shown = describeConflicts(conflicts, (f) => f.replace('/p/', ''));
    assert.strictEqual(shown?.text, '$(git-merge) 1 migration conflict');
    assert.match(shown!.tooltip, /More than one leaf migration in blog:\n {2}blog\/migrations\/0003_blog_post\.py/);
    assert.match(shown!.tooltip, /Git conflict markers in migrations\.toml/);
    assert.match(shown!.tooltip, /Click to resolve/);
  });

  it('counts apps, not leaves', () => {
    const conflicts = findConflicts([
      ['/p/blog/migrations/0003_a.py', [leaf('MM009')]],
      ['/p/blog/migrations/0003_b.py', [leaf('MM009')]],
      ['/p/shop/migrations/0002_a.py', [leaf('MM009')]],
      ['/p/shop/migrations/0002_b.py', [leaf('MM009')]],
    ]);
    assert.strictEqual(describeConflicts(conflicts)?.text, '$(git-merge) 2 migration conflicts');
    assert.strictEqual(appOf('/p/shop/migrations'), 'shop');
  });

  it('shows a manifest conflict alone, and nothing without conflicts', () => {
    assert.strictEqual(describeConflicts(findConflicts([['/p/migrations.toml', [leaf('MM002')]]]))?.text, '$(git-merge) migrations.toml conflict');
    assert.strictEqual(describeConflicts(findConflicts([['/p/a.py', [leaf('ML011'), leaf(undefined)]]])), undefined);
    assert.strictEqual(describeConflicts(findConflicts([])), undefined);
  });
});

describe('command arguments', () => {
  it('names the file a command was run on, else the active file, else the only folder', () => {
    assert.deepStrictEqual(commandOptions('file:///p/a.py', 'file:///p/b.py', ['file:///p']), { uri: 'file:///p/a.py' });
    assert.deepStrictEqual(commandOptions(undefined, 'file:///p/b.py', ['file:///p']), { uri: 'file:///p/b.py' });
    assert.deepStrictEqual(commandOptions(undefined, undefined, ['file:///p']), { uri: 'file:///p' });
    assert.deepStrictEqual(commandOptions(undefined, undefined, ['file:///p', 'file:///q']), {});
    assert.deepStrictEqual(commandOptions(undefined, undefined, []), {});
  });

  it("recognises the server's answers", () => {
    assert.ok(isAnswer({ ok: true, message: 'Resolved' }));
    assert.ok(!isAnswer(null));
    assert.ok(!isAnswer({ name: 'django-migration-manifest' }));
  });
});

describe('logging', () => {
  it("follows the log channel's level with the client's trace", () => {
    assert.strictEqual(traceForLogLevel(LogLevel.Trace), 'verbose');
    assert.strictEqual(traceForLogLevel(LogLevel.Debug), 'messages');
    assert.strictEqual(traceForLogLevel(LogLevel.Info), 'off');
    assert.strictEqual(effectiveTrace('off', LogLevel.Trace), 'verbose');
    assert.strictEqual(effectiveTrace('messages', LogLevel.Info), 'messages');
    assert.strictEqual(effectiveTrace('verbose', LogLevel.Debug), 'verbose');
    assert.strictEqual(effectiveTrace('bogus', LogLevel.Error), 'off');
  });

  it('shows the server’s messages as showNotifications says', () => {
    const [error, warning, info, log] = [1, 2, 3, 4];
    const table = {
      off: [false, false, false, false],
      onError: [true, false, false, false],
      onWarning: [true, true, false, false],
      always: [true, true, true, false],
    } as const;
    for (const [setting, expected] of Object.entries(table)) {
      assert.deepStrictEqual(
        [error, warning, info, log].map((type) => shouldNotify(setting as any, type)),
        expected,
        setting,
      );
    }
  });
});
