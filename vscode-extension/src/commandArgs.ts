/**
 * The arguments the palette commands send with the server's commands. The server takes one
 * object (lsp_server/server.py `_options`): `uri` picks the project holding that file or folder,
 * `root` a project by its root; neither: the first project.
 */

export interface ServerCommandOptions {
  uri?: string;
  root?: string;
}

/**
 * The options for a command run from the palette or the status bar: the file it was run on
 * (a conflicted leaf, from the status bar), else the active editor's file, else the workspace's
 * only folder; none when several folders leave the choice open (the server takes the first
 * project) — the caller asks which folder first.
 */
export function commandOptions(
  target: string | undefined,
  activeDocument: string | undefined,
  folders: readonly string[],
): ServerCommandOptions {
  if (target) {
    return { uri: target };
  }
  if (activeDocument) {
    return { uri: activeDocument };
  }
  if (folders.length === 1) {
    return { uri: folders[0] };
  }
  return {};
}

/** The server's answer to resolve and updateManifest: `{ok, message, ...}`. */
export interface CommandAnswer {
  ok?: boolean;
  message?: string;
}

export function isAnswer(value: unknown): value is CommandAnswer {
  return typeof value === 'object' && value !== null && ('ok' in value || 'message' in value);
}
