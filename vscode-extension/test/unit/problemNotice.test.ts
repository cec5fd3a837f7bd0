import * as assert from 'assert';
import { ProblemNotice } from '../../src/problemNotice';
import { fake, ProgressLocation } from '../fake/vscode';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const NO_INTERPRETER = 'Django Migration Manifest: no Python interpreter to run the language server. Select one.';
const TOO_OLD = 'Django Migration Manifest: the language server needs Python 3.10 or newer; /usr/bin/python3 is Python 3.8.10.';

describe('the notification of a server that does not run', () => {
  beforeEach(() => fake.reset());

  it('is shown once per problem, in a notification the extension closes', async () => {
    const notice = new ProblemNotice();
    notice.show(NO_INTERPRETER);
    notice.show(NO_INTERPRETER); // a restart that failed the same way
    await tick();
    assert.strictEqual(fake.progress.length, 1);
    const [shown] = fake.progress;
    assert.strictEqual(shown.location, ProgressLocation.Notification);
    assert.strictEqual(shown.title, 'Django Migration Manifest');
    assert.strictEqual(
      shown.message,
      'no Python interpreter to run the language server. Select one. The language server starts once this is fixed.',
    );
    assert.ok(shown.cancellable && shown.open);
    assert.deepStrictEqual(fake.messages, []); // no error message: VS Code could not close it

    notice.withdraw(); // the server runs
    await tick();
    assert.ok(!shown.open);
    notice.dispose();
  });

  it('replaces the notification of one problem by the next', async () => {
    const notice = new ProblemNotice();
    notice.show(NO_INTERPRETER);
    notice.show(TOO_OLD);
    await tick();
    assert.deepStrictEqual(
      fake.progress.map((p) => [p.message?.slice(0, 30), p.open]),
      [
        ['no Python interpreter to run t', false],
        ['the language server needs Pyth', true],
      ],
    );
    assert.strictEqual(notice.problem, TOO_OLD);
    notice.dispose();
    await tick();
    assert.ok(!fake.progress[1].open);
  });

  it('once dismissed, is not shown again for that problem until the server has run', async () => {
    const notice = new ProblemNotice();
    notice.show(NO_INTERPRETER);
    await tick();
    fake.progress[0].cancel();
    await tick();
    assert.ok(!fake.progress[0].open);
    notice.show(NO_INTERPRETER);
    await tick();
    assert.strictEqual(fake.progress.length, 1);
    notice.withdraw();
    notice.show(NO_INTERPRETER); // it ran, then failed again: news
    await tick();
    assert.strictEqual(fake.progress.length, 2);
    assert.ok(fake.progress[1].open);
    notice.dispose();
  });
});
