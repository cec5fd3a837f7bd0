// The extension in a real VS Code: code-server serving the workbench, the built .vsix installed in
// it, Debian's Chromium (headless, through playwright-core) as the user's browser.
//
//   node scenario.mjs
//
// Environment (set by run.sh): DMM_NODE24 (the Node 24 that runs code-server), DMM_CODE_SERVER
// (code-server's out/node/entry.js), DMM_VSIX, DMM_PYTHON (an interpreter with
// django-migration-manifest[lsp]), DMM_CHROMIUM (default /usr/bin/chromium).
// Screenshots and logs of a failed step go to a temporary folder whose path is printed.
// Ends with "vscode-ui: N passed, N failed".
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { alembicProject, conflictedDjangoProject, gitIn } from './project.mjs';
import {
  LONG,
  SHORT,
  activeTab,
  openWorkbench,
  problems,
  quickFixMenu,
  quickOpen,
  runCommand,
  toasts,
  waitForText,
} from './workbench.mjs';

const EXTENSION_ID = 'django-migration-manifest.django-migration-manifest';

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set (run vscode-extension/ui-test/run.sh, or make vscode-ui)`);
  }
  return value;
}

const node24 = required('DMM_NODE24');
const codeServer = required('DMM_CODE_SERVER');
const vsix = required('DMM_VSIX');
const python = required('DMM_PYTHON');
const chromiumPath = process.env.DMM_CHROMIUM || '/usr/bin/chromium';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vscode-ui-'));
const artifacts = path.join(work, 'artifacts');
fs.mkdirSync(artifacts);
const userData = path.join(work, 'user-data');
const extensions = path.join(work, 'extensions');
const config = path.join(work, 'code-server.yaml');
// code-server keeps its own logs and heartbeat under XDG_DATA_HOME, whatever --user-data-dir says
const codeServerEnv = { ...process.env, XDG_DATA_HOME: path.join(work, 'xdg-data') };
const log = (message) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The user's settings: the interpreter with the project installed, and a quiet workbench. */
function writeSettings() {
  const file = path.join(userData, 'User', 'settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const settings = {
    'djangoMigrationManifest.interpreter': [python],
    'djangoMigrationManifest.trace.server': 'messages', // in the log, for a failure's diagnosis
    'security.workspace.trust.enabled': false,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'extensions.ignoreRecommendations': true,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'telemetry.telemetryLevel': 'off',
    'chat.disableAIFeatures': true,
    'git.autofetch': false,
    'git.enableSmartCommit': false,
    'git.suggestSmartCommit': false,
    'git.confirmSync': false,
    'git.openRepositoryInParentFolders': 'never',
    'files.autoSave': 'off',
    'files.refactoring.autoSave': false,
    'editor.lightbulb.enabled': 'on',
    'window.restoreWindows': 'none',
  };
  fs.writeFileSync(file, JSON.stringify(settings, null, 2));
}

function installExtension() {
  const result = spawnSync(
    node24,
    [codeServer, '--config', config, '--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', vsix],
    { encoding: 'utf8', timeout: SHORT * 3, env: codeServerEnv },
  );
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0 || !/successfully installed/i.test(output)) {
    throw new Error(`code-server --install-extension ${vsix} failed (exit ${result.status}):\n${output}`);
  }
  const folder = fs.readdirSync(extensions).find((name) => name.startsWith(`${EXTENSION_ID}-`));
  if (!folder) {
    throw new Error(`the extension is not in ${extensions} after --install-extension:\n${output}`);
  }
  return path.join(extensions, folder);
}

async function startCodeServer() {
  const port = await freePort();
  const out = fs.openSync(path.join(artifacts, 'code-server.log'), 'a');
  const child = spawn(
    node24,
    [
      codeServer,
      '--config',
      config,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--user-data-dir',
      userData,
      '--extensions-dir',
      extensions,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
    ],
    {
      detached: true,
      stdio: ['ignore', out, out],
      env: codeServerEnv,
    },
  );
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + LONG;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`code-server exited (${child.exitCode}); see ${path.join(artifacts, 'code-server.log')}`);
    }
    try {
      const response = await fetch(`${base}/healthz`);
      if (response.ok) {
        return { child, base };
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`code-server did not answer on ${base} within ${LONG / 1000} s`);
}

function stop(child) {
  if (child && child.exitCode === null) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

/** The extension's log channel (a log output channel: VS Code writes it to a file). */
function extensionLogs() {
  const found = [];
  const walk = (folder) => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else if (full.includes(EXTENSION_ID) || entry.name.startsWith('Django Migration Manifest')) {
        found.push(full);
      }
    }
  };
  const logs = path.join(userData, 'logs');
  if (fs.existsSync(logs)) {
    walk(logs);
  }
  return found.map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }));
}

async function waitForLog(predicate, what, timeout = LONG) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const text = extensionLogs()
      .map((entry) => entry.text)
      .join('\n');
    if (predicate(text)) {
      return text;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const files = extensionLogs().map((entry) => entry.file);
  throw new Error(`${what}: not in the extension's log within ${timeout / 1000} s (log files: ${files.join(', ') || 'none'})`);
}

let currentStep = '';
async function step(name, body) {
  currentStep = name;
  log(`step: ${name}`);
  return body();
}

async function waitForCommit(git, before) {
  const deadline = Date.now() + SHORT;
  while (Date.now() < deadline) {
    const head = git('rev-parse', 'HEAD').trim();
    const merging = spawnSync('git', ['rev-parse', '-q', '--verify', 'MERGE_HEAD'], { cwd: git.root }).status === 0;
    if (head !== before && !merging) {
      return head;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('no merge commit was made within 60 s of Commit');
}

/** A Django project stopped in `git merge feature` on migrations.toml, opened in code-server. */
async function openConflictedProject(page, base, name) {
  const root = path.join(work, name);
  const { head } = await step('a Django project stopped in `git merge feature` on migrations.toml', () =>
    conflictedDjangoProject(root, python),
  );
  const git = gitIn(root);
  git.root = root;
  await step('open the folder in code-server', () =>
    openWorkbench(page, `${base}/?folder=${encodeURIComponent(root)}`, 'migrations.toml'),
  );
  return { root, head, git };
}

/** Scenario 1: the renumber quick fix through the UI, committed through Source Control. */
async function renumberAndCommit(page, base) {
  const { root, head, git } = await openConflictedProject(page, base, 'shop-site');

  await step('the Problems view shows the conflict (MM009 on the leaves, MM002 on migrations.toml)', async () => {
    await problems(page);
    await waitForText(
      page,
      '.markers-panel',
      (text) => text.includes('MM009') && text.includes('MM002') && text.includes('0004_blog_post.py'),
      'MM009 and MM002 in the Problems view',
    );
  });
  await step("the status bar says '1 migration conflict'", () =>
    waitForText(page, '#workbench\\.parts\\.statusbar', (text) => /1 migration conflict/.test(text), 'the status bar item'),
  );
  await step('the server was started by the installed extension, with the interpreter of the settings', () =>
    waitForLog(
      (text) =>
        text.includes(`server command: ${python} -m lsp_server`) && text.includes('language server running'),
      `'server command: ${python} -m lsp_server' and 'language server running'`,
    ),
  );

  await step('open blog/migrations/0004_blog_post.py and go to its problem', async () => {
    await quickOpen(page, 'blog/migrations/0004_blog_post.py');
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await runCommand(page, 'Go to Next Problem (Error, Warning, Info)');
    await page.locator('.marker-widget').first().waitFor({ state: 'visible', timeout: SHORT });
    await waitForText(page, '.marker-widget', (text) => text.includes('MM009'), 'MM009 in the problem peek');
    await page.keyboard.press('Escape');
  });
  const title = await step('Quick Fix (Ctrl+.) offers the renumber action; choose it', async () => {
    const rows = await quickFixMenu(page);
    const renumber = rows.filter({ hasText: /Renumber blog/ }).first();
    await renumber.waitFor({ state: 'visible', timeout: SHORT });
    const text = (await renumber.innerText()).trim();
    await renumber.click();
    await rows.first().waitFor({ state: 'hidden', timeout: SHORT });
    return text;
  });
  log(`applied: ${title}`);
  await step('the editor follows the rename to 0005_blog_post.py; the log reports the staging', async () => {
    await activeTab(page, '0005_blog_post.py');
    // the fix is a workspace edit, then the server's staging command (src/stagedFixes.ts): save
    // once both are done, as a user who sees the result would
    try {
      await waitForLog((text) => /Staged for commit: .*0005_blog_post\.py/.test(text), "'Staged for commit: ...0005_blog_post.py'", SHORT);
    } catch (error) {
      log(`note: ${error.message}; going on as a user would`);
    }
  });
  await step('save all (File: Save All); the conflict leaves the Problems view and the status bar', async () => {
    // VS Code 1.139 sometimes leaves the fix's other files unsaved when Save All comes while the
    // refactoring's own auto-save is under way: a user who still sees unsaved tabs saves again
    const dirty = page.locator('.tabs-container .tab.dirty').first();
    const deadline = Date.now() + SHORT;
    for (;;) {
      await runCommand(page, 'File: Save All');
      try {
        await dirty.waitFor({ state: 'detached', timeout: 10_000 });
        break;
      } catch (error) {
        if (Date.now() > deadline) {
          throw error;
        }
        log('note: tabs still unsaved after Save All; saving again');
      }
    }
    await problems(page);
    await waitForText(
      page,
      '.markers-panel',
      (text) => !text.includes('MM009') && !text.includes('MM002'),
      'the Problems view without MM009 and MM002',
    );
    await waitForText(page, '#workbench\\.parts\\.statusbar', (text) => !/migration conflict/.test(text), 'the status bar without the conflict');
  });

  await commitAndCheck(page, git, root, head);
}

/** Source Control: stage what it still lists under Merge Changes (as VS Code suggests), commit
 * with Ctrl+Enter; then the commit, read with git, holds blog 0005_blog_post once and passes check. */
async function commitAndCheck(page, git, root, head) {
  let stagedMerge = false;
  await step('Source Control lists the renamed migration; stage what is left in Merge Changes, as VS Code suggests', async () => {
    await runCommand(page, 'Source Control: Focus on Changes View');
    await waitForText(page, '.scm-view', (text) => text.includes('0005_blog_post.py'), 'the renamed migration in Source Control', SHORT);
    const text = await page.locator('.scm-view').first().innerText();
    if (text.includes('Merge Changes')) {
      stagedMerge = true;
      await runCommand(page, 'Git: Stage All Merge Changes');
      await waitForText(page, '.scm-view', (t) => !t.includes('Merge Changes'), 'Merge Changes emptied', SHORT);
    }
  });
  if (stagedMerge) {
    log('note: Source Control still listed Merge Changes after the fix: staged them as the user would');
  }
  const commit = await step('commit the merge from Source Control (message, Ctrl+Enter)', async () => {
    const input = page.locator('.scm-view .scm-editor .monaco-editor').first();
    await input.waitFor({ state: 'visible', timeout: SHORT });
    await input.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type("Merge branch 'feature'");
    await page.keyboard.press('Control+Enter');
    return waitForCommit(git, head);
  });

  await step('the commit holds the renamed migration once, the edited dependency, and passes check', () => {
    const parents = git('rev-list', '--parents', '-n', '1', commit).trim().split(' ');
    if (parents.length !== 3) {
      throw new Error(`the commit is not a merge commit: ${parents.join(' ')}`);
    }
    const files = git('ls-tree', '-r', '--name-only', commit).split('\n');
    const blog = files.filter((f) => f.startsWith('blog/migrations/')).sort();
    const expected = [
      'blog/migrations/0001_initial.py',
      'blog/migrations/0002_blog_tag.py',
      'blog/migrations/0003_blog_author.py',
      'blog/migrations/0004_blog_summary.py',
      'blog/migrations/0005_blog_post.py',
      'blog/migrations/__init__.py',
    ];
    if (JSON.stringify(blog) !== JSON.stringify(expected)) {
      throw new Error(`the committed blog migrations are\n  ${blog.join('\n  ')}\nexpected\n  ${expected.join('\n  ')}`);
    }
    const order = git('show', `${commit}:shop/migrations/0002_shop_order.py`);
    if (!order.includes("('blog', '0005_blog_post')")) {
      throw new Error(`the committed shop/migrations/0002_shop_order.py does not depend on 0005_blog_post:\n${order}`);
    }
    const manifest = git('show', `${commit}:migrations.toml`);
    if (manifest.includes('<<<<<<<') || !manifest.includes('0005_blog_post')) {
      throw new Error(`the committed migrations.toml:\n${manifest}`);
    }
    const clean = path.join(work, `committed-${path.basename(root)}`);
    execFileSync('git', ['clone', '-q', root, clean]);
    const check = spawnSync(python, ['-m', 'manifest_core', 'check'], { cwd: clean, encoding: 'utf8' });
    if (check.status !== 0) {
      throw new Error(`python -m manifest_core check on a clean checkout of the commit exited ${check.status}:\n${check.stdout}${check.stderr}`);
    }
    const status = git('status', '--porcelain').trim();
    if (status) {
      throw new Error(`the work tree is not clean after the commit:\n${status}`);
    }
    log(`committed ${commit.slice(0, 12)}: ${blog.length} blog migrations; check on a clean checkout: ${check.stdout.trim().split('\n').pop()}`);
  });
}

/** Scenario 3: the status bar item resolves the conflict on disk; committed from Source Control. */
async function statusBarResolves(page, base) {
  const { root, head, git } = await openConflictedProject(page, base, 'shop-site-status-bar');
  await step("click the status bar's '1 migration conflict'; it goes away", async () => {
    const item = page
      .locator('#workbench\\.parts\\.statusbar .statusbar-item')
      .filter({ hasText: '1 migration conflict' })
      .first();
    await item.waitFor({ state: 'visible', timeout: LONG });
    await item.click();
    await waitForText(
      page,
      '#workbench\\.parts\\.statusbar',
      (text) => !/migration conflict/.test(text),
      'the status bar without the conflict',
    );
    await waitForLog(
      (text) => /Resolved blog: 0004_blog_post → 0005_blog_post\..*Staged for commit/.test(text),
      "'Resolved blog: 0004_blog_post → 0005_blog_post. ... Staged for commit.'",
      SHORT,
    );
  });
  await commitAndCheck(page, git, root, head);
}

/** Scenario 2: a Flask/Alembic workspace: the extension does not start by itself; started by
 * hand, it shows no error and writes nothing. */
async function alembicStaysQuiet(page, base) {
  const root = path.join(work, 'flask-site');
  const project = await step('a Flask project with Alembic migrations', () => alembicProject(root));
  const before = new Set(extensionLogs().map((entry) => entry.file));
  await step('open it and a migration of it', async () => {
    await openWorkbench(page, `${base}/?folder=${encodeURIComponent(root)}`, 'app.py');
    await quickOpen(page, project.migration);
    await waitForText(page, '#workbench\\.parts\\.statusbar', (text) => text.includes('Python'), "the status bar's language 'Python'", SHORT);
  });
  await step('the extension does not start by itself (no Django sign in the folder)', async () => {
    await page.waitForTimeout(5_000); // nothing to wait for: give a wrong activation the time to happen
    const started = extensionLogs().filter((entry) => !before.has(entry.file));
    if (started.length) {
      throw new Error(`the extension started in the Flask folder:\n${started.map((entry) => entry.text).join('\n')}`);
    }
  });
  await step('started by hand (Django Migration Manifest: Show Server Info), its server indexes the folder', async () => {
    await runCommand(page, 'Django Migration Manifest: Show Server Info');
    await waitForLog((text) => text.includes(`indexed ${root}: 0 apps`), `'indexed ${root}: 0 apps'`);
    await page.waitForTimeout(5_000); // nothing to wait for: give a wrong diagnostic or notification the time to appear
  });
  await step('no error notification, no problem in Problems, nothing written in the folder', async () => {
    const errors = page.locator('.notifications-toasts .notification-toast .codicon-error');
    const shown = await toasts(page);
    if ((await errors.count()) > 0) {
      throw new Error(`an error notification is shown:\n${shown.join('\n---\n')}`);
    }
    const text = await problems(page);
    if (!text.includes('No problems have been detected in the workspace')) {
      throw new Error(`the Problems view shows problems:\n${text}`);
    }
    const written = gitIn(root)('status', '--porcelain', '--ignored').trim();
    if (written) {
      throw new Error(`files appeared in the Flask project:\n${written}`);
    }
    if (shown.length) {
      log(`notifications shown (not errors): ${shown.map((t) => t.replace(/\s+/g, ' ')).join(' | ')}`);
    }
  });
}

async function main() {
  const results = [];
  let server;
  let browser;
  try {
    writeSettings();
    const installed = await step('install the .vsix into code-server', () => installExtension());
    log(`installed: ${installed}`);
    server = await step('start code-server', () => startCodeServer());
    browser = await step('start Chromium', () =>
      chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-gpu'] }),
    );
  } catch (error) {
    console.error(`vscode-ui: step '${currentStep}' failed: ${error.message}`);
    console.error(`vscode-ui: logs in ${artifacts}`);
    stop(server?.child);
    await browser?.close();
    console.log('vscode-ui: 0 passed, 1 failed');
    return 1;
  }
  const scenarios = [
    ['renumber quick fix, committed from Source Control', renumberAndCommit],
    ['Flask/Alembic workspace stays quiet', alembicStaysQuiet],
    ['status bar resolves, committed from Source Control', statusBarResolves],
  ];
  const only = process.env.DMM_UI_ONLY; // a part of a scenario's name: run only that one
  const chosen = scenarios.filter(([name]) => !only || name.includes(only));
  if (chosen.length === 0) {
    console.error(`vscode-ui: no scenario's name contains DMM_UI_ONLY=${only}`);
    results.push(false);
  }
  for (const [name, scenario] of chosen) {
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const page = await context.newPage();
    const started = Date.now();
    try {
      await scenario(page, server.base);
      results.push(true);
      log(`PASS ${name} (${Math.round((Date.now() - started) / 1000)} s)`);
    } catch (error) {
      results.push(false);
      const shot = path.join(artifacts, `${name.replace(/[^a-z0-9]+/gi, '-')}.png`);
      await page.screenshot({ path: shot, fullPage: true }).catch(() => undefined);
      console.error(`FAIL ${name}: step '${currentStep}' failed:\n${error.stack ?? error}`);
      console.error(`  screenshot: ${shot}`);
      console.error(`  code-server log: ${path.join(artifacts, 'code-server.log')}; user data (logs/): ${userData}`);
      const notifications = await toasts(page).catch(() => []);
      if (notifications.length) {
        console.error(`  notifications on screen:\n    ${notifications.join('\n    ')}`);
      }
    } finally {
      await context.close();
    }
  }
  await browser.close();
  stop(server.child);
  const passed = results.filter(Boolean).length;
  const failed = results.length - passed;
  if (failed === 0 && !process.env.DMM_KEEP_UI_WORK) {
    fs.rmSync(work, { recursive: true, force: true });
  } else {
    console.log(`vscode-ui: work folder kept: ${work}`);
  }
  console.log(`vscode-ui: ${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
