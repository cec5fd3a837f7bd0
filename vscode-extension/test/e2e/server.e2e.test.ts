/**
 * End to end, across languages: the extension's own code (with `vscode` faked for the settings)
 * plans the launch — interpreter, probe, import strategy, command line, environment,
 * initialization options — and the real server is started exactly so, over
 * vscode-languageclient's JSON-RPC layer. A real git merge leaves a migration conflict; the
 * diagnostics must arrive (MM009 on both leaves, MM002 on migrations.toml), the status bar must
 * say so, and the command it runs must resolve the conflict.
 *
 *   A. importStrategy=useBundled with a plain interpreter (DMM_PLAIN_PYTHON, default python3):
 *      the bundled server (DMM_EXTENSION_PATH/bundled/libs: ci.sh points it at the unpacked .vsix)
 *   B. importStrategy=fromEnvironment with the same plain interpreter: the probe finds no
 *      django-migration-manifest there and the extension falls back to the bundle
 *   C. importStrategy=fromEnvironment with DMM_ENV_PYTHON (or the repository's .venv): the
 *      server installed in that environment
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { commandOptions } from '../../src/commandArgs';
import { Commands, DIAGNOSTIC_SOURCE, FORWARDED, ServerCommands } from '../../src/constants';
import { codeOf, describeConflicts, findConflicts } from '../../src/conflicts';
import { LaunchPlan, planLaunch } from '../../src/launch';
import { ImportStrategy } from '../../src/settings';
import { fake, packageJson } from '../fake/vscode';
import { EXTENSION_ROOT, envPython, plainPython } from '../helpers';
import { buildConflictedProject, ConflictedProject } from './fixture';
import { DiagnosticsMode, Editor, eventually } from './harness';

const extensionPath = process.env.DMM_EXTENSION_PATH || EXTENSION_ROOT;
const uri = (file: string): string => pathToFileURL(file).toString();

interface Case {
  name: string;
  python: () => string | undefined;
  strategy: ImportStrategy;
  expected: ImportStrategy;
  mode: DiagnosticsMode;
  resolve: boolean;
}

const CASES: Case[] = [
  { name: 'A. useBundled, plain interpreter', python: plainPython, strategy: 'useBundled', expected: 'useBundled', mode: 'pull', resolve: true },
  { name: 'B. fromEnvironment, plain interpreter: falls back to the bundle', python: plainPython, strategy: 'fromEnvironment', expected: 'useBundled', mode: 'push', resolve: false },
  { name: 'C. fromEnvironment, interpreter with the package installed', python: envPython, strategy: 'fromEnvironment', expected: 'fromEnvironment', mode: 'pull', resolve: true },
];

/** The project's diagnostics per file, as the editor last received them. */
async function diagnosticsOf(editor: Editor, mode: DiagnosticsMode, files: string[]): Promise<Map<string, any[]>> {
  const found = new Map<string, any[]>();
  if (mode === 'push') {
    for (const file of files) {
      found.set(file, editor.published.get(uri(file)) ?? []);
    }
    return found;
  }
  for (const file of files) {
    found.set(file, (await editor.pullDocument(uri(file))).items ?? []);
  }
  return found;
}

function codes(diagnostics: any[] | undefined): string[] {
  return (diagnostics ?? []).map((d) => codeOf(d) ?? '').sort();
}

for (const testCase of CASES) {
  describe(`end to end: ${testCase.name}`, function () {
    this.timeout(120_000);
    let tmp: string;
    let project: ConflictedProject;
    let plan: LaunchPlan;
    let editor: Editor | undefined;

    before(async function () {
      const python = testCase.python();
      if (!python) {
        console.log(`      (skipped: no interpreter with django-migration-manifest: set DMM_ENV_PYTHON)`);
        this.skip();
      }
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dmm-e2e-'));
      const root = path.join(tmp, 'shop');
      fs.mkdirSync(root);
      // the settings a user would set, read through the faked `vscode`
      fake.reset();
      const [folder] = fake.folders(root);
      fake.set('interpreter', [python!]);
      fake.set('importStrategy', testCase.strategy);
      fake.set('lint.ignore', ['add-index']);
      const result = await planLaunch({ extensionPath, folder: folder as any, env: process.env });
      assert.ok(result.ok, result.ok ? '' : `${result.message}\n${result.log.join('\n')}`);
      plan = result.plan;
      for (const line of plan.log) {
        console.log(`      ${line}`);
      }
      const exe = plan.executable;
      project = buildConflictedProject(root, { command: exe.command, args: exe.args.slice(0, exe.args.indexOf('-m')), env: exe.options.env });
    });

    after(() => {
      editor?.kill();
      if (tmp) {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });

    it(`plans ${testCase.expected}, with the command line and environment the client will use`, () => {
      assert.strictEqual(plan.strategy, testCase.expected, plan.log.join('\n'));
      assert.deepStrictEqual(plan.executable.args.slice(-5), ['-m', 'lsp_server', '--stdio', '--log-level', 'info']);
      assert.strictEqual(plan.executable.options.cwd, project.root);
      const libs = path.join(extensionPath, 'bundled', 'libs');
      const pythonPath = plan.executable.options.env.PYTHONPATH ?? '';
      assert.strictEqual(pythonPath.split(path.delimiter).includes(libs), testCase.expected === 'useBundled');
      if (testCase.expected === 'useBundled') {
        // the interpreter has no server of its own: what runs is the bundle
        assert.strictEqual(plan.probe.server, null);
      } else {
        assert.match(plan.probe.location ?? '', /lsp_server/);
        assert.ok(!plan.probe.location!.startsWith(libs));
      }
    });

    it('starts the server and gets the conflict as diagnostics: MM009 on both leaves, MM002 on migrations.toml', async () => {
      editor = new Editor(plan.executable);
      const folder = { uri: uri(project.root), name: 'shop' };
      const result = await editor.initialize(folder, plan.initializationOptions, testCase.mode);
      assert.strictEqual(result.serverInfo?.name, DIAGNOSTIC_SOURCE);

      // the extension forwards to commands the server offers; it registers none of them itself
      const offered: string[] = result.capabilities.executeCommandProvider?.commands ?? [];
      assert.deepStrictEqual([...offered].sort(), Object.values(ServerCommands).sort());
      for (const target of Object.values(FORWARDED)) {
        assert.ok(offered.includes(target), target);
      }
      const contributed: string[] = packageJson.contributes.commands.map((c: any) => c.command);
      assert.deepStrictEqual(contributed.filter((c) => offered.includes(c)), []);

      await editor.open(uri(project.theirs), 'python', fs.readFileSync(project.theirs, 'utf8'));
      await editor.open(uri(project.manifest), 'toml', fs.readFileSync(project.manifest, 'utf8'));
      const files = [project.theirs, project.ours, project.manifest];
      const found = await eventually(
        async () => {
          const now = await diagnosticsOf(editor!, testCase.mode, files);
          const ready =
            codes(now.get(project.theirs)).includes('MM009') &&
            codes(now.get(project.ours)).includes('MM009') &&
            codes(now.get(project.manifest)).includes('MM002');
          return ready ? now : undefined;
        },
        () => `diagnostics: ${JSON.stringify([...editor!.published])}\nserver log:\n${editor!.stderr}`,
      );
      for (const file of [project.theirs, project.ours]) {
        const leaf = found.get(file)!.find((d) => codeOf(d) === 'MM009');
        assert.strictEqual(leaf.source, DIAGNOSTIC_SOURCE);
        assert.strictEqual(leaf.severity, 1);
        assert.match(leaf.message, /app 'blog' has 2 leaf migrations/);
      }
      const manifest = found.get(project.manifest)!.find((d) => codeOf(d) === 'MM002');
      assert.strictEqual(manifest.source, DIAGNOSTIC_SOURCE);
      // its related location names the other end of the conflict (VS Code shows the message)
      const [end] = manifest.relatedInformation ?? [];
      assert.strictEqual(end?.location.uri, uri(project.manifest), JSON.stringify(manifest));
      const lines = fs.readFileSync(project.manifest, 'utf8').split('\n');
      assert.match(lines[end.location.range.start.line], /^>>>>>>> /);
      assert.strictEqual(end.message, `the end of the conflict: ${lines[end.location.range.start.line]}`);

      if (testCase.mode === 'pull') {
        // files nobody opened arrive through the workspace pull, as VS Code's client asks for them
        const report = await editor.pullWorkspace();
        const byUri = new Map<string, any[]>(report.items.map((item: any) => [item.uri, item.items]));
        assert.ok(codes(byUri.get(uri(project.ours))).includes('MM009'), JSON.stringify(report));
        assert.ok(codes(byUri.get(uri(project.manifest))).includes('MM002'), JSON.stringify(report));
      }

      // the status bar's reading of them
      const conflicts = findConflicts([...found.entries()]);
      assert.deepStrictEqual(conflicts.folders, [path.dirname(project.theirs)]);
      assert.deepStrictEqual(conflicts.manifests, [project.manifest]);
      assert.strictEqual(describeConflicts(conflicts)?.text, '$(git-merge) 1 migration conflict');

      // the server accepted every setting the extension gave it
      const settingsWarnings = editor.logMessages.filter((m) => /settings/.test(m.message) && m.type <= 2);
      assert.deepStrictEqual(settingsWarnings, []);
      assert.ok(!/settings: /.test(editor.stderr), editor.stderr);
      assert.ok(editor.configurationAnswers.length > 0, 'the server asked for workspace/configuration');
      for (const answer of editor.configurationAnswers) {
        for (const settings of answer) {
          assert.deepStrictEqual(Object.keys(settings as object), Object.keys(plan.initializationOptions));
        }
      }
      // VS Code's file watching is taken up: the server registers its watchers with the client
      assert.ok(editor.registrations.some((r) => r.method === 'workspace/didChangeWatchedFiles'));
    });

    if (testCase.resolve) {
      it('resolves the conflict with the command the status bar runs, and the diagnostics clear', async () => {
        assert.ok(editor, 'the server is running');
        const options = commandOptions(uri(project.theirs), undefined, [uri(project.root)]);
        const answer = await editor!.execute(FORWARDED[Commands.resolveConflicts], [options]);
        assert.strictEqual(answer.ok, true, JSON.stringify(answer));
        assert.match(answer.message, /Resolved blog/);
        const moved = path.join(project.root, 'blog/migrations/0004_blog_post.py');
        assert.ok(fs.existsSync(moved), 'feature’s migration moved after main’s');
        assert.ok(!fs.readFileSync(project.manifest, 'utf8').includes('<<<<<<<'));
        const status = execFileSync('git', ['status', '--porcelain'], { cwd: project.root, encoding: 'utf8' });
        assert.ok(!fs.existsSync(project.theirs));
        assert.match(status, /^A {2}blog\/migrations\/0004_blog_post\.py$/m, 'staged for the merge commit');
        assert.match(status, /^M {2}migrations\.toml$/m);

        // the old file is still open in the editor (its tab shows it deleted): no conflict either
        const files = [project.ours, project.manifest, moved, project.theirs];
        await eventually(
          async () => {
            const now = await diagnosticsOf(editor!, testCase.mode, files);
            const left = [...now.values()].flat().filter((d) => ['MM009', 'MM002'].includes(codeOf(d) ?? ''));
            return left.length === 0 ? true : undefined;
          },
          () => `diagnostics: ${JSON.stringify([...editor!.published])}\nserver log:\n${editor!.stderr}`,
        );
        assert.strictEqual(describeConflicts(findConflicts([])), undefined);
      });
    }

    it('stops cleanly on shutdown and exit', async () => {
      assert.ok(editor, 'the server is running');
      const code = await editor!.stop();
      editor = undefined;
      assert.strictEqual(code, 0);
    });
  });
}
