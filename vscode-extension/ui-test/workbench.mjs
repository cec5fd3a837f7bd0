// Driving VS Code's workbench (code-server) in Chromium the way a person does: keys, menus,
// clicks, and waiting for what the screen shows.

export const LONG = 180_000; // the server's first index, a cold code-server on a busy machine
export const SHORT = 60_000;

/** Waits until `predicate(text)` holds for the inner text of `selector`; the last text on timeout. */
export async function waitForText(page, selector, predicate, what, timeout = LONG) {
  const deadline = Date.now() + timeout;
  let last = '';
  while (Date.now() < deadline) {
    const locator = page.locator(selector).first();
    try {
      if (await locator.isVisible()) {
        last = await locator.innerText({ timeout: 5_000 });
        if (predicate(last)) {
          return last;
        }
      }
    } catch {
      // the element was re-rendered while being read: read it again
    }
    await page.waitForTimeout(500);
  }
  throw new Error(`${what}: not seen within ${timeout / 1000} s; it showed:\n${last.slice(0, 2000)}`);
}

/** The workbench is up: the status bar, the explorer with the folder's files. */
export async function openWorkbench(page, url, someFile) {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: SHORT });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: LONG });
  await page.locator('#workbench\\.parts\\.statusbar').waitFor({ state: 'visible', timeout: LONG });
  await waitForText(page, '.explorer-folders-view', (text) => text.includes(someFile), `the Explorer listing ${someFile}`);
}

/** Runs a command from the Command Palette (F1), chosen by its label. */
export async function runCommand(page, label) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: SHORT });
  await input.fill(`>${label}`);
  const rows = page.locator('.quick-input-widget .monaco-list-row');
  const row = rows.filter({ hasText: label }).first();
  try {
    await row.waitFor({ state: 'visible', timeout: SHORT });
  } catch {
    const shown = await rows.allInnerTexts().catch(() => []);
    throw new Error(`the Command Palette has no '${label}'; it shows: ${shown.join(' | ') || 'nothing'}`);
  }
  await row.click();
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: SHORT });
}

/** Opens a file by name through Quick Open (Ctrl+P) and waits for its editor tab. */
export async function quickOpen(page, relativePath) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: SHORT });
  await input.fill(relativePath);
  const name = relativePath.split('/').pop();
  const row = page.locator('.quick-input-widget .monaco-list-row').filter({ hasText: name }).first();
  await row.waitFor({ state: 'visible', timeout: SHORT });
  await page.keyboard.press('Enter');
  await activeTab(page, name);
}

/** Waits until the active editor tab is `name`. */
export async function activeTab(page, name, timeout = SHORT) {
  const tab = page.locator(`.tabs-container .tab.active[data-resource-name="${name}"]`);
  try {
    await tab.waitFor({ state: 'visible', timeout });
  } catch {
    const active = await page.locator('.tabs-container .tab.active').getAttribute('data-resource-name').catch(() => null);
    throw new Error(`the editor tab ${name} is not active within ${timeout / 1000} s (active: ${active ?? 'none'})`);
  }
}

/** The Problems view, shown; its text. */
export async function problems(page) {
  const panel = page.locator('.markers-panel');
  if (!(await panel.isVisible())) {
    await runCommand(page, 'Problems: Focus on Problems View');
  }
  await panel.waitFor({ state: 'visible', timeout: SHORT });
  return panel.innerText();
}

/** The rows of the quick fix menu on the cursor, opened with Ctrl+. (else the light bulb). */
export async function quickFixMenu(page) {
  const rows = page.locator('.context-view .monaco-list-row');
  await page.keyboard.press('Control+.');
  try {
    await rows.first().waitFor({ state: 'visible', timeout: 15_000 });
  } catch {
    console.log('  (Ctrl+. showed no menu: clicking the light bulb)');
    await page.locator('.lightBulbWidget').first().click({ timeout: SHORT });
    await rows.first().waitFor({ state: 'visible', timeout: SHORT });
  }
  return rows;
}

/** The notification toasts on screen, as text. */
export async function toasts(page) {
  const all = page.locator('.notifications-toasts .notification-toast');
  const texts = [];
  for (let i = 0; i < (await all.count()); i++) {
    texts.push(await all.nth(i).innerText().catch(() => ''));
  }
  return texts;
}
