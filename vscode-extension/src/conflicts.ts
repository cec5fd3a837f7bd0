/**
 * Migration conflicts, read from the diagnostics the server publishes: MM009 (an app has more
 * than one leaf migration, on each leaf) and MM002 (git conflict markers in migrations.toml).
 * Pure functions, so the status bar's wording is tested without VS Code.
 */
import * as path from 'path';
import { CONFLICT_CODES, DIAGNOSTIC_SOURCE } from './constants';

export interface DiagnosticLike {
  source?: string;
  /** VS Code gives `{value, target}` when the server sent a `codeDescription`. */
  code?: string | number | { value: string | number } | null;
}

export interface Conflicts {
  /** Migration folders with more than one leaf (one per conflicted app). */
  folders: string[];
  /** Files carrying MM009. */
  leaves: string[];
  /** Manifests with conflict markers. */
  manifests: string[];
}

export function codeOf(diagnostic: DiagnosticLike): string | undefined {
  const code = diagnostic.code;
  if (code === undefined || code === null) {
    return undefined;
  }
  return typeof code === 'object' ? String(code.value) : String(code);
}

/** The conflicts among diagnostics given per file (a file system path each). */
export function findConflicts(entries: Iterable<readonly [string, readonly DiagnosticLike[]]>): Conflicts {
  const folders = new Set<string>();
  const leaves = new Set<string>();
  const manifests = new Set<string>();
  for (const [file, diagnostics] of entries) {
    for (const diagnostic of diagnostics) {
      if (diagnostic.source !== DIAGNOSTIC_SOURCE) {
        continue;
      }
      const code = codeOf(diagnostic);
      if (code === CONFLICT_CODES.multipleLeaves) {
        leaves.add(file);
        folders.add(path.dirname(file));
      } else if (code === CONFLICT_CODES.manifestConflict) {
        manifests.add(file);
      }
    }
  }
  return { folders: [...folders].sort(), leaves: [...leaves].sort(), manifests: [...manifests].sort() };
}

export function hasConflicts(conflicts: Conflicts): boolean {
  return conflicts.leaves.length > 0 || conflicts.manifests.length > 0;
}

/** The label of a migrations folder: `blog/migrations` -> `blog`. */
export function appOf(folder: string): string {
  const base = path.basename(folder);
  return base === 'migrations' ? path.basename(path.dirname(folder)) : base;
}

export interface StatusText {
  text: string;
  tooltip: string;
}

/** The status bar's text and tooltip; `undefined` when there is no conflict to show. */
export function describeConflicts(conflicts: Conflicts, relative: (file: string) => string = (f) => f): StatusText | undefined {
  if (!hasConflicts(conflicts)) {
    return undefined;
  }
  const apps = conflicts.folders.length;
  const text =
    apps > 0
      ? `$(git-merge) ${apps} migration conflict${apps === 1 ? '' : 's'}`
      : '$(git-merge) migrations.toml conflict';
  const lines: string[] = [];
  if (apps > 0) {
    const names = conflicts.folders.map(appOf).join(', ');
    lines.push(`More than one leaf migration in ${names}:`);
    for (const leaf of conflicts.leaves) {
      lines.push(`  ${relative(leaf)}`);
    }
  }
  for (const manifest of conflicts.manifests) {
    lines.push(`Git conflict markers in ${relative(manifest)}`);
  }
  lines.push('', 'Click to resolve (renumber one branch\'s migrations and rewrite migrations.toml).');
  return { text, tooltip: lines.join('\n') };
}
