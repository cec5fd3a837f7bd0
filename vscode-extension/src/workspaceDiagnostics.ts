/**
 * Workspace diagnostics (`workspace/diagnostic`, which VS Code's client pulls every 2 s): the
 * server reports the files that have problems, and leaves out a file whose problems went away
 * (after resolve, update, or an edit elsewhere) instead of reporting it empty; but
 * vscode-languageclient keeps what it last received for a file that is left out, so a resolved
 * conflict would stay in the Problems panel and the status bar.
 *
 * The extension therefore makes the request itself (middleware `provideWorkspaceDiagnostics`:
 * vscode-languageclient 9 gives a middleware no way to see the answer of `next`) and adds an
 * empty report for every file the client held a result for that the answer does not mention.
 * Harmless once the server reports such files as empty itself.
 */
import type * as vscode from 'vscode';
import type { vsdiag } from 'vscode-languageclient';

/** `workspace/diagnostic`'s answer, as it comes over the wire. */
export interface WireWorkspaceReport {
  items: {
    kind: 'full' | 'unchanged';
    uri: string;
    version: number | null;
    resultId?: string;
    items?: unknown[];
  }[];
}

export interface Converters {
  /** protocol URI -> vscode.Uri */
  asUri(uri: string): vscode.Uri;
  asDiagnostics(items: unknown[], token: vscode.CancellationToken): Promise<vscode.Diagnostic[]>;
}

/** Files the client holds a result for that the server's answer did not mention. */
export function clearedUris(previous: readonly string[], reported: ReadonlySet<string>): string[] {
  return [...new Set(previous)].filter((uri) => !reported.has(uri));
}

/** The server's answer in the client's terms, plus an empty report for each file it left out. */
export async function toWorkspaceReport(
  answer: WireWorkspaceReport,
  previous: readonly vsdiag.PreviousResultId[],
  converters: Converters,
  token: vscode.CancellationToken,
): Promise<vsdiag.WorkspaceDiagnosticReportPartialResult> {
  const items: vsdiag.WorkspaceDocumentDiagnosticReport[] = [];
  const reported = new Set<string>();
  for (const report of answer.items) {
    const uri = converters.asUri(report.uri);
    reported.add(uri.toString());
    if (report.kind === 'full') {
      items.push({
        kind: 'full' as vsdiag.DocumentDiagnosticReportKind.full,
        uri,
        version: report.version,
        resultId: report.resultId,
        items: await converters.asDiagnostics(report.items ?? [], token),
      });
    } else {
      items.push({
        kind: 'unChanged' as vsdiag.DocumentDiagnosticReportKind.unChanged,
        uri,
        version: report.version,
        resultId: report.resultId ?? '',
      });
    }
  }
  const byText = new Map(previous.map((p) => [p.uri.toString(), p.uri]));
  for (const uri of clearedUris([...byText.keys()], reported)) {
    items.push({ kind: 'full' as vsdiag.DocumentDiagnosticReportKind.full, uri: byText.get(uri)!, version: null, items: [] });
  }
  return { items };
}
