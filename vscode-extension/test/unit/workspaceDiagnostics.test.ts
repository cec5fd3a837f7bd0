import * as assert from 'assert';
import { clearedUris, toWorkspaceReport } from '../../src/workspaceDiagnostics';
import { CancellationTokenSource, Uri } from '../fake/vscode';

describe('workspace diagnostics', () => {
  const converters = {
    asUri: (uri: string) => Uri.parse(uri) as any,
    asDiagnostics: async (items: unknown[]) => items.map((item: any) => ({ message: item.message })) as any,
  };
  const token = new CancellationTokenSource().token as any;
  const file = (name: string) => Uri.file(`/p/${name}`);

  it('keeps what the server reports, and clears the files it left out', async () => {
    const previous = [
      { uri: file('blog/migrations/0003_a.py'), value: 'r1' },
      { uri: file('migrations.toml'), value: 'r2' },
      { uri: file('shop/migrations/0002_b.py'), value: 'r3' },
    ] as any[];
    const report = await toWorkspaceReport(
      {
        items: [
          { kind: 'full', uri: file('blog/migrations/0004_a.py').toString(), version: null, resultId: 'r4', items: [{ message: 'lint' }] },
          { kind: 'unchanged', uri: file('shop/migrations/0002_b.py').toString(), version: null, resultId: 'r3' },
        ],
      },
      previous,
      converters,
      token,
    );
    assert.deepStrictEqual(
      report.items.map((item: any) => [item.kind, item.uri.fsPath, item.items?.length ?? null, item.resultId ?? null]),
      [
        ['full', '/p/blog/migrations/0004_a.py', 1, 'r4'],
        ['unChanged', '/p/shop/migrations/0002_b.py', null, 'r3'],
        ['full', '/p/blog/migrations/0003_a.py', 0, null],
        ['full', '/p/migrations.toml', 0, null],
      ],
    );
  });

  it('clears nothing the server mentioned', () => {
    assert.deepStrictEqual(clearedUris(['a', 'b', 'a'], new Set(['b'])), ['a']);
    assert.deepStrictEqual(clearedUris([], new Set(['b'])), []);
  });
});
