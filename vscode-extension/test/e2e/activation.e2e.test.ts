/**
 * The extension itself, activated in Node with `vscode` faked and the real vscode-languageclient
 * (so its capabilities, its command registration and its diagnostics handling are VS Code's
 * client's own): the server starts from the bundle, the conflict of a real git merge reaches the
 * status bar, clicking the item resolves it, and deactivation stops the server. What is activated
 * is the shipped bundle, dist/extension.js (from DMM_EXTENSION_PATH: ci.sh gives the unpacked
 * .vsix), when it is built.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { Commands, ServerCommands } from '../../src/constants';
import { codeOf } from '../../src/conflicts';
import * as compiled from '../../src/extension';
import { EventEmitter, fake, openDocument, packageJson, Uri } from '../fake/vscode';
import { EXTENSION_ROOT, plainPython } from '../helpers';
import { buildConflictedProject, ConflictedProject } from './fixture';
import { eventually } from './harness';

const extensionPath = process.env.DMM_EXTENSION_PATH || EXTENSION_ROOT;
/** The shipped bundle (dist/extension.js, esbuild) when it is built, else the compiled sources. */
const bundle = path.join(extensionPath, 'dist', 'extension.js');
const extension: typeof compiled = fs.existsSync(bundle) ? require(bundle) : compiled;
const { activate, deactivate } = extension;
/** The notifications saying the server does not run (the others: the server's own progress). */
const notices = () => fake.progress.filter((p) => /The language server starts once this is fixed\.$/.test(p.message ?? ''));

describe(`activation: the extension with the real language client (${extension === compiled ? 'out/src' : bundle})`, function () {
  this.timeout(120_000);
  let tmp: string;
  let project: ConflictedProject;
  const context = { extensionPath, subscriptions: [] as { dispose(): unknown }[], extension: { packageJSON: packageJson } };

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dmm-activation-'));
    const libs = path.join(extensionPath, 'bundled', 'libs');
    project = buildConflictedProject(path.join(tmp, 'shop'), {
      command: plainPython(),
      args: [],
      env: { ...process.env, PYTHONPATH: libs },
    });
    fake.reset();
    fake.folders(project.root);
    fake.set('interpreter', [plainPython()]);
    fake.set('importStrategy', 'useBundled');
    if (process.env.DMM_TRACE) fake.set('trace.server', 'verbose');
  });

  after(async () => {
    await deactivate();
    for (const subscription of context.subscriptions) {
      subscription.dispose();
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const diagnostics = (): string =>
    (vscode.languages.getDiagnostics() as [any, any[]][])
      .map(([uri, list]) => `${uri.fsPath}: ${list.map((d) => codeOf(d)).join(', ')}`)
      .join('\n');
  const log = (): string => `${fake.logs.map((l) => `${l.level}: ${l.message}`).join('\n')}\ndiagnostics:\n${diagnostics()}`;

  it('starts the server, and registers each command once: its own and, through the client, the server’s', async () => {
    await activate(context as any);
    await eventually(
      () => (fake.logs.some((l) => /language server running/.test(l.message)) ? true : undefined),
      () => `the server did not start:\n${log()}\nmessages: ${JSON.stringify(fake.messages)}`,
    );
    assert.deepStrictEqual(fake.messages.filter((m) => m.level === 'error'), []);
    // registerCommand in the fake throws on a second registration, as VS Code does
    for (const id of [...Object.values(Commands), ...Object.values(ServerCommands)]) {
      assert.ok(fake.commands.has(id), `${id} is registered\n${[...fake.commands.keys()].join('\n')}`);
    }
    assert.ok(fake.logs.some((l) => /import strategy: useBundled/.test(l.message)), log());
    // the server's stderr, in its log format, at its level (info: what the client was not sent)
    assert.ok(fake.logs.some((l) => l.level === 'info' && /^Django Migration Manifest: lsp_server: initialize from /.test(l.message)), log());
  });

  it('restarts on purpose (the command, a setting) without an error, a warning or a notification', async () => {
    const since = fake.logs.length;
    const running = () => fake.logs.slice(since).filter((l) => /language server running/.test(l.message)).length;
    await fake.commands.get(Commands.restartServer)!();
    assert.strictEqual(running(), 1, log());
    fake.configurationListeners.fire({ affectsConfiguration: (section: string) => section === 'djangoMigrationManifest.importStrategy' });
    await eventually(() => (running() === 2 ? true : undefined), log);
    await new Promise((resolve) => setTimeout(resolve, 2500)); // the old processes' last words
    const after = fake.logs.slice(since);
    assert.deepStrictEqual(after.filter((l) => l.level === 'error' || l.level === 'warn'), [], log());
    assert.ok(after.some((l) => /starting the language server \(Restart Server\)/.test(l.message)), log());
    assert.ok(after.some((l) => /starting the language server \(the interpreter or import strategy setting changed\)/.test(l.message)), log());
    assert.deepStrictEqual(fake.messages, []);
    assert.deepStrictEqual(notices(), []);
  });

  it('starts a server that crashed again, saying so in the log only', async () => {
    const since = fake.logs.length;
    const servers = spawnSync('pgrep', ['-P', String(process.pid), '-f', '--', '-m lsp_server'], { encoding: 'utf8' }).stdout.split(/\s+/).filter(Boolean);
    assert.strictEqual(servers.length, 1, `one server process: ${servers.join(' ')}`);
    process.kill(Number(servers[0]), 'SIGKILL');
    await eventually(() => (fake.logs.slice(since).some((l) => /language server running/.test(l.message)) ? true : undefined), log);
    const after = fake.logs.slice(since);
    assert.ok(after.some((l) => l.level === 'error' && /Server process exited with signal SIGKILL/.test(l.message)), log());
    assert.ok(after.some((l) => l.level === 'warn' && /stopped unexpectedly: starting it again/.test(l.message)), log());
    assert.deepStrictEqual(fake.messages, []); // the client's own pop-up is not shown
    assert.deepStrictEqual(notices(), []);
    const item = fake.statusItems.find((i) => i.id.startsWith(Commands.resolveConflicts));
    assert.ok(!item.visible || !/Migration Manifest$/.test(item.text), JSON.stringify(item));
  });

  it('shows the conflict in the status bar, and resolves it when clicked', async () => {
    openDocument(project.theirs, 'python');
    const item = fake.statusItems.find((i) => i.id.startsWith(Commands.resolveConflicts));
    assert.ok(item, 'a status bar item');
    await eventually(
      () => (item.visible && item.text === '$(git-merge) 1 migration conflict' ? true : undefined),
      () => `status: ${JSON.stringify(item)}\n${log()}`,
    );
    assert.match(item.tooltip, /More than one leaf migration in blog/);
    assert.strictEqual(item.command.command, Commands.resolveConflicts);

    const answer: any = await fake.commands.get(item.command.command)!(...item.command.arguments);
    assert.strictEqual(answer?.ok, true, `${JSON.stringify(answer)}\n${log()}`);
    assert.ok(fs.existsSync(path.join(project.root, 'blog/migrations/0004_blog_post.py')));
    await eventually(
      () => (!item.visible ? true : undefined),
      () => `still shown: ${JSON.stringify(item)}\n${log()}`,
    );
    // what resolve did was shown, as showNotifications (always) says, and logged once
    assert.ok(fake.messages.some((m) => m.level === 'info' && /Resolved blog/.test(m.message)), JSON.stringify(fake.messages));
    assert.deepStrictEqual(
      fake.logs.filter((l) => /Resolved blog/.test(l.message)).map((l) => l.level),
      ['info'],
      log(),
    );
  });

  it('stops the server on deactivation', async () => {
    await deactivate();
    await new Promise((resolve) => setTimeout(resolve, 500)); // the process's exit
    // the only error of the whole run: the crash the test above caused
    const errors = fake.logs.filter((l) => l.level === 'error').map((l) => l.message);
    assert.deepStrictEqual(errors, ['Django Migration Manifest: Server process exited with signal SIGKILL.'], log());
    assert.ok(fake.logs.some((l) => /Server process exited with code 0\./.test(l.message)), log());
  });
});

describe('activation: the interpreter from the Python extension, and none', function () {
  this.timeout(120_000);
  let tmp: string;
  let root: string;
  const contexts: { subscriptions: { dispose(): unknown }[] }[] = [];
  const newContext = () => {
    const context = { extensionPath, subscriptions: [] as { dispose(): unknown }[], extension: { packageJSON: packageJson } };
    contexts.push(context);
    return context;
  };
  /** The plain interpreter's absolute path, as the Python extension gives it. */
  const executable = (): string =>
    spawnSync(plainPython(), ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim();
  const log = (): string => fake.logs.map((l) => `${l.level}: ${l.message}`).join('\n');

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dmm-activation-'));
    root = path.join(tmp, 'blog');
    fs.mkdirSync(path.join(root, 'blog', 'migrations'), { recursive: true });
    fs.writeFileSync(path.join(root, 'blog', 'migrations', '__init__.py'), '');
  });

  afterEach(async () => {
    await deactivate();
    for (const context of contexts.splice(0)) {
      context.subscriptions.forEach((s) => s.dispose());
    }
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("starts with the Python extension's active environment, and restarts when it changes", async () => {
    fake.reset();
    fake.folders(root);
    fake.set('importStrategy', 'useBundled');
    const changed = new EventEmitter<unknown>();
    let resolved = 0;
    const api = {
      environments: {
        getActiveEnvironmentPath: (resource: any) => ({ id: resource?.fsPath ?? '', path: executable() }),
        resolveEnvironment: async () => {
          resolved++;
          return { executable: { uri: Uri.file(executable()) }, version: { major: 3, minor: 11, micro: 0 } };
        },
        onDidChangeActiveEnvironmentPath: changed.event,
      },
    };
    fake.extensions.set('ms-python.python', { isActive: false, exports: undefined, activate: async () => api });
    await activate(newContext() as any);
    const running = () => fake.logs.filter((l) => /language server running/.test(l.message)).length;
    await eventually(() => (running() === 1 ? true : undefined), log);
    assert.ok(fake.logs.some((l) => /from the Python extension's active environment \(Python 3\.11\.0\)/.test(l.message)), log());
    changed.fire({ id: root, path: executable() });
    await eventually(() => (running() === 2 ? true : undefined), log);
    assert.ok(fake.logs.some((l) => /starting the language server \(the Python extension's active environment changed\)/.test(l.message)), log());
    assert.ok(resolved >= 2);
  });

  it('without the Python extension (code-server, VSCodium), runs the server with python3 on PATH', async () => {
    fake.reset();
    fake.folders(root);
    fake.set('importStrategy', 'useBundled');
    const folder = fs.mkdtempSync(path.join(tmp, 'bin-'));
    fs.symlinkSync(executable(), path.join(folder, 'python3'));
    const savedPath = process.env.PATH;
    process.env.PATH = [folder, '/nonexistent'].join(path.delimiter); // python3 is ours alone
    try {
      await activate(newContext() as any);
      await eventually(() => (fake.logs.some((l) => /language server running/.test(l.message)) ? true : undefined), log);
    } finally {
      process.env.PATH = savedPath;
    }
    const from = `interpreter: ${path.join(folder, 'python3')} (from python3 on PATH (the Python extension is not installed))`;
    assert.ok(fake.logs.some((l) => l.message.endsWith(from)), log());
    assert.deepStrictEqual(notices(), []);
    assert.deepStrictEqual(fake.messages, []);
  });

  it('without an interpreter, says how to choose one (once), and says nothing more once one is chosen', async () => {
    fake.reset();
    fake.folders(root);
    const python = executable();
    const savedPath = process.env.PATH;
    const item = () => fake.statusItems.find((i) => i.id.startsWith(Commands.resolveConflicts));
    process.env.PATH = '/nonexistent'; // no Python extension, and no python3 on PATH
    try {
      await activate(newContext() as any);
      await eventually(() => (notices().length > 0 ? true : undefined), log);
      // a notification, the log, the status bar
      const [notice] = notices();
      assert.ok(notice.open);
      assert.strictEqual(notice.title, 'Django Migration Manifest');
      assert.match(notice.message ?? '', /^no Python interpreter/);
      assert.match(notice.message ?? '', /Python: Select Interpreter/);
      assert.ok(fake.logs.some((l) => l.level === 'error' && /no Python interpreter/.test(l.message)), log());
      assert.ok(item().visible);
      assert.strictEqual(item().text, '$(error) Migration Manifest');
      assert.match(item().tooltip, /no Python interpreter/);
      assert.strictEqual(item().command, Commands.showLogs);
      // restarts that fail the same way add no notification
      await fake.commands.get(Commands.restartServer)!();
      await fake.commands.get(Commands.restartServer)!();
      assert.strictEqual(notices().length, 1);
      assert.ok(notice.open);
      assert.strictEqual(item().text, '$(error) Migration Manifest');
      // the forwarding commands say the server is not running instead of failing
      const answer = await fake.commands.get(Commands.updateMigrationsToml)!();
      assert.strictEqual(answer, undefined);
      assert.ok(fake.messages.some((m) => /no language server/.test(m.message)), JSON.stringify(fake.messages));
      fake.messages = [];

      // the user sets the interpreter: the server starts, nothing says it is broken any more
      fake.set('interpreter', [python]);
      fake.set('importStrategy', 'useBundled');
      fake.configurationListeners.fire({ affectsConfiguration: (section: string) => section === 'djangoMigrationManifest.interpreter' });
      await eventually(() => (fake.logs.some((l) => /language server running/.test(l.message)) ? true : undefined), log);
    } finally {
      process.env.PATH = savedPath;
    }
    assert.deepStrictEqual(notices().map((n) => n.open), [false], 'the notification is withdrawn');
    assert.ok(!item().visible, JSON.stringify(item()));
    assert.deepStrictEqual(fake.messages, []);
  });
});
