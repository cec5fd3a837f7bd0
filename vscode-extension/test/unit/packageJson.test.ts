import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

describe('package.json', () => {
  it('activates only on a sign of a Django project, not on any migrations folder', () => {
    const workspace = (manifest.activationEvents as string[]).filter((e) => e.startsWith('workspaceContains:'));
    assert.deepStrictEqual(workspace, [
      'workspaceContains:**/manage.py',
      'workspaceContains:**/migrations.toml',
      'workspaceContains:**/migrations/__init__.py',
    ]);
    // Alembic and Flask-Migrate keep *.py in migrations/ (and migrations/versions/) without an
    // __init__.py: none of the patterns above matches such a project
    assert.ok(!workspace.some((e) => e.includes('migrations/*.py')));
  });

  it('has its icon: a 128x128 PNG', () => {
    const icon = fs.readFileSync(path.join(root, manifest.icon));
    assert.strictEqual(icon.subarray(1, 4).toString('ascii'), 'PNG');
    assert.deepStrictEqual([icon.readUInt32BE(16), icon.readUInt32BE(20)], [128, 128]);
  });
});
