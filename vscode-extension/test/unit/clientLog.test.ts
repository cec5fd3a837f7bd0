import * as assert from 'assert';
import { ClientOutput, parseClientLine, parseServerLines, TraceOutput } from '../../src/clientLog';

/** A log channel that records (level, text). */
function recorder() {
  const entries: [string, string][] = [];
  const at = (level: string) => (text: string) => entries.push([level, text]);
  return {
    entries,
    log: { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), show() {}, hide() {} },
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('the client and server output in the log', () => {
  it("reads the client's own lines at their level", () => {
    assert.deepStrictEqual(parseClientLine('[Error - 10:04:05 AM] Stopping server failed'), {
      level: 'error',
      text: 'Stopping server failed',
    });
    assert.deepStrictEqual(parseClientLine('[Warn  - 10:04:05] the debounce setting is not a number'), {
      level: 'warn',
      text: 'the debounce setting is not a number',
    });
    assert.deepStrictEqual(parseClientLine('[Info  - 10:04:05] indexed 3 apps'), { level: 'info', text: 'indexed 3 apps' });
    assert.deepStrictEqual(parseClientLine('[Debug - 10:04:05] changed on disk'), { level: 'debug', text: 'changed on disk' });
    assert.deepStrictEqual(parseClientLine('no prefix'), { level: 'info', text: 'no prefix' });
    // the client says any exit at Error: code 0 (the server stopped when asked) is none
    assert.deepStrictEqual(parseClientLine('[Error - 10:04:05 AM] Server process exited with code 0.'), {
      level: 'info',
      text: 'Server process exited with code 0.',
    });
    assert.strictEqual(parseClientLine('[Error - 10:04:05 AM] Server process exited with code 1.').level, 'error');
    assert.strictEqual(parseClientLine('[Error - 10:04:05 AM] Server process exited with signal SIGKILL.').level, 'error');
  });

  it("reads the server's stderr at its records' levels, a traceback in its record", () => {
    const lines = [
      '2026-12-06 16:49:36,123 WARNING lsp_server: settings: debounce must be a number',
      '2026-12-06 16:49:36,124 INFO lsp_server: initialize from VS Code',
      '2026-12-06 16:49:37,001 ERROR pygls.protocol: Failed to handle request',
      'Traceback (most recent call last):',
      '  File "x.py", line 1, in <module>',
      'ValueError: bad',
      '2026-12-06 16:49:38,000 DEBUG lsp_server: changed on disk: []',
      '2026-12-06 16:49:38,000 CRITICAL lsp_server: out of memory',
      '2026-12-06 16:49:39,000 INFO lsp_server: indexed',
      'Traceback (most recent call last):',
      'KeyboardInterrupt',
    ];
    assert.deepStrictEqual(parseServerLines(lines), [
      { level: 'warn', text: 'lsp_server: settings: debounce must be a number' },
      { level: 'info', text: 'lsp_server: initialize from VS Code' },
      {
        level: 'error',
        text: 'pygls.protocol: Failed to handle request\nTraceback (most recent call last):\n  File "x.py", line 1, in <module>\nValueError: bad',
      },
      { level: 'debug', text: 'lsp_server: changed on disk: []' },
      { level: 'error', text: 'lsp_server: out of memory' },
      { level: 'info', text: 'lsp_server: indexed' },
      // after a record that is no error: Python's own traceback, an error of its own
      { level: 'error', text: 'Traceback (most recent call last):\nKeyboardInterrupt' },
    ]);
    // Python's own traceback (the server died before its log was set up) is an error
    assert.deepStrictEqual(parseServerLines(['Traceback (most recent call last):', '  File "m.py"', 'ImportError: no pygls']), [
      { level: 'error', text: 'Traceback (most recent call last):\n  File "m.py"\nImportError: no pygls' },
    ]);
    assert.deepStrictEqual(parseServerLines(['', 'django-migration-manifest: the language server needs pygls']), [
      { level: 'info', text: 'django-migration-manifest: the language server needs pygls' },
    ]);
  });

  it('writes stderr once per record, however it is cut into chunks', async () => {
    const { entries, log } = recorder();
    const output = new ClientOutput('Django Migration Manifest', log);
    output.append('2026-12-06 16:49:36,123 WARN');
    assert.deepStrictEqual(entries, []);
    output.append('ING lsp_server: settings: debounce must be a number\n2026-12-06 16:49:36,124 INFO lsp_server: ');
    output.append('initialize from VS Code\r\n');
    output.append('2026-12-06 16:49:37,000 ERROR lsp_server: stopped mid-line');
    assert.deepStrictEqual(entries, [
      ['warn', 'lsp_server: settings: debounce must be a number'],
      ['info', 'lsp_server: initialize from VS Code'],
    ]);
    output.dispose(); // the server stopped: what is left is written
    assert.deepStrictEqual(entries[2], ['error', 'lsp_server: stopped mid-line']);
    await tick();
    assert.strictEqual(entries.length, 3);
  });

  it("writes the client's lines at their level, an error's details in the same entry", async () => {
    const { entries, log } = recorder();
    const output = new ClientOutput('Django Migration Manifest', log);
    output.appendLine('[Warn  - 10:04:05] settings: debounce: must be a number');
    output.appendLine('[Error - 10:04:06] Request textDocument/hover failed.');
    output.appendLine('  Message: Internal error');
    output.appendLine('  Code: -32603 ');
    assert.deepStrictEqual(entries, []); // written together, once the client is done
    await tick();
    assert.deepStrictEqual(entries, [
      ['warn', 'settings: debounce: must be a number'],
      ['error', 'Request textDocument/hover failed.\n  Message: Internal error\n  Code: -32603 '],
    ]);
  });

  it('writes each traced message once, at Info, with its parameters', async () => {
    const { entries, log } = recorder();
    const trace = new TraceOutput('Django Migration Manifest', log);
    trace.appendLine("[Trace - 10:04:05 AM] Sending request 'initialize - (0)'.");
    trace.appendLine('Params: {\n    "processId": 1\n}');
    trace.appendLine('');
    trace.appendLine("[Trace - 10:04:05 AM] Received notification 'window/logMessage'.");
    trace.append('[LSP   - 10:04:06 AM] ');
    trace.appendLine('{"jsonrpc":"2.0","method":"exit"}');
    await tick();
    assert.deepStrictEqual(entries, [
      ['info', '[trace] Sending request \'initialize - (0)\'.\nParams: {\n    "processId": 1\n}'],
      ['info', "[trace] Received notification 'window/logMessage'."],
      ['info', '[trace] {"jsonrpc":"2.0","method":"exit"}'],
    ]);
  });
});
