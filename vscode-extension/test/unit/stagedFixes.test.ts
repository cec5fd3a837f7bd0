import * as assert from 'assert';
import { ServerCommands } from '../../src/constants';
import { APPLY_STAGED_FIX, applyStagedFix, deferStaging } from '../../src/stagedFixes';
import { commands, workspace } from '../fake/vscode';

describe('staged fixes (the edit, then the staging, as one command)', () => {
  const staging = {
    title: 'Renumber blog: move 0004_blog_post after 0004_blog_summary',
    command: ServerCommands.stageResolution,
    arguments: [{ root: '/p', renames: [['a', 'b']], contents: {} }],
  };

  it('rewrites a code action carrying an edit and the staging command, and nothing else', () => {
    const edit = { kind: 'an edit' };
    const staged: any = { title: staging.title, edit, command: { ...staging } };
    const lint: any = { title: 'Add a concurrent index', edit: { kind: 'other' } };
    const plain: any = { title: 'Resolve', command: ServerCommands.resolve, arguments: [{}] };
    const noEdit: any = { title: 'Resolve on disk', command: { ...staging } };
    const result = deferStaging([staged, lint, plain, noEdit]) as any[];
    assert.deepStrictEqual(result[0], {
      title: staging.title,
      edit: undefined,
      command: { title: staging.title, command: APPLY_STAGED_FIX, arguments: [edit, staging] },
    });
    assert.deepStrictEqual(result.slice(1), [
      { title: 'Add a concurrent index', edit: { kind: 'other' } },
      { title: 'Resolve', command: ServerCommands.resolve, arguments: [{}] },
      { title: 'Resolve on disk', command: staging },
    ]);
    assert.strictEqual(deferStaging(undefined), undefined);
    assert.strictEqual(deferStaging(null), null);
  });

  it('applies the edit as a refactoring, then stages; never stages an edit that was not applied', async () => {
    const calls: string[] = [];
    const original = (workspace as any).applyEdit;
    const registration = commands.registerCommand(ServerCommands.stageResolution, (options: any) => {
      calls.push(`stage ${options.root}`);
      return { ok: true };
    });
    try {
      let applied = true;
      (workspace as any).applyEdit = async (edit: any, metadata: any) => {
        calls.push(`apply ${edit.kind} refactoring=${metadata?.isRefactoring}`);
        return applied;
      };
      assert.strictEqual(await applyStagedFix({ kind: 'an edit' } as any, staging), true);
      assert.deepStrictEqual(calls, ['apply an edit refactoring=true', 'stage /p']);

      calls.length = 0;
      applied = false;
      assert.strictEqual(await applyStagedFix({ kind: 'an edit' } as any, staging), false);
      assert.deepStrictEqual(calls, ['apply an edit refactoring=true']);
    } finally {
      (workspace as any).applyEdit = original;
      registration.dispose();
    }
  });
});
