/**
 * What the language client writes, into the log channel once per message and at its level.
 *
 * vscode-languageclient writes to a plain output channel: its own lines (`[Error - 10:04:05] ...`,
 * the server's `window/logMessage` among them) with `appendLine`, the server's stderr with
 * `append`, in chunks. Given the log channel itself, every line would land at Info: a warning the
 * server writes on stderr, or the client's own error, would read as information. The channels
 * made here sort each entry to the log's level (the log adds its own time stamp and level):
 * - the client's lines by their `[Level - time]` prefix;
 * - stderr by the server's log format (`2026-01-02 10:04:05,123 WARNING lsp_server: ...`, see
 *   lsp_server/__main__.py); a continued message (logger.exception's traceback) stays one entry,
 *   at its record's level; a traceback Python prints itself is an error of its own;
 * - the trace (`trace.server`, or the log at Debug or Trace) at Info, so the setting shows it, one
 *   entry per message with its parameters.
 */
import * as vscode from 'vscode';

export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** The part of a log channel written to (vscode.LogOutputChannel has it). */
export interface LevelledLog {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface Entry {
  level: Level;
  text: string;
}

const CLIENT_PREFIX = /^\[(Error|Warn|Info|Debug|Trace|LSP)\s*- [^\]]*\] ?/;
const CLIENT_LEVELS: Record<string, Level> = {
  Error: 'error',
  Warn: 'warn',
  Info: 'info',
  Debug: 'debug',
  Trace: 'info',
  LSP: 'info',
};

/** The client's words for a server that ended well (it says so at Error, whatever the code). */
const CLEAN_EXIT = /^Server process exited with code 0\.$/;

/**
 * A line of the client's own (`[Warn  - 10:04:05] text`): its level and text; else Info. The
 * server's exit with code 0 (after `shutdown` and `exit`: a stop or restart) is no error.
 */
export function parseClientLine(line: string): Entry {
  const match = CLIENT_PREFIX.exec(line);
  if (!match) {
    return { level: 'info', text: line };
  }
  const text = line.slice(match[0].length);
  return { level: CLEAN_EXIT.test(text) ? 'info' : CLIENT_LEVELS[match[1]], text };
}

/** `%(asctime)s %(levelname)s %(name)s: %(message)s` (lsp_server/__main__.py). */
const SERVER_RECORD = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:,\d+)? (DEBUG|INFO|WARNING|ERROR|CRITICAL) ([^\s:]+): ?(.*)$/;
const SERVER_LEVELS: Record<string, Level> = {
  DEBUG: 'debug',
  INFO: 'info',
  WARNING: 'warn',
  ERROR: 'error',
  CRITICAL: 'error',
};

/**
 * Complete lines of the server's stderr as log entries: a record of the server's log at its level
 * (`logger: message`), the lines that follow it (a traceback) in the same entry.
 */
export function parseServerLines(lines: readonly string[]): Entry[] {
  const entries: Entry[] = [];
  for (const line of lines) {
    const match = SERVER_RECORD.exec(line);
    const last = entries[entries.length - 1];
    const traceback = line.startsWith('Traceback (most recent call last)');
    if (match) {
      entries.push({ level: SERVER_LEVELS[match[1]], text: `${match[2]}: ${match[3]}` });
    } else if (last && (!traceback || last.level === 'error')) {
      last.text += `\n${line}`; // the record goes on (logger.exception's traceback)
    } else if (line.trim() !== '') {
      // not the server's log: Python's own traceback (an error), or a library printing
      entries.push({ level: traceback ? 'error' : 'info', text: line });
    }
  }
  return entries;
}

function write(log: LevelledLog, entry: Entry): void {
  log[entry.level](entry.text);
}

/**
 * What the client's two channels share: they write into the extension's log, which the client
 * may show or hide but never clears; `replace` appends, and closing flushes what is pending.
 */
abstract class LogChannel implements vscode.OutputChannel {
  constructor(
    readonly name: string,
    protected readonly log: LevelledLog & { show(preserveFocus?: boolean): void; hide(): void },
  ) {}

  abstract append(value: string): void;

  abstract appendLine(value: string): void;

  abstract flush(): void;

  replace(value: string): void {
    this.append(value);
  }

  clear(): void {
    // the log is the extension's: the client does not clear it
  }

  show(columnOrPreserve?: vscode.ViewColumn | boolean, preserveFocus?: boolean): void {
    this.log.show(typeof columnOrPreserve === 'boolean' ? columnOrPreserve : preserveFocus);
  }

  hide(): void {
    this.log.hide();
  }

  dispose(): void {
    this.flush();
  }
}

/**
 * An output channel for the language client (`outputChannel`) writing into `log`. What it gets
 * with `append` is the server's stderr; what it gets with `appendLine` is the client's own.
 * Lines written in one go (a message and the error's stack after it) make one entry.
 */
export class ClientOutput extends LogChannel {
  private partial = '';
  private pending: string[] = [];

  append(value: string): void {
    const lines = (this.partial + value).split(/\r?\n/);
    this.partial = lines.pop() ?? '';
    for (const entry of parseServerLines(lines)) {
      write(this.log, entry);
    }
  }

  appendLine(value: string): void {
    this.pending.push(value);
    if (this.pending.length === 1) {
      queueMicrotask(() => this.flushLines());
    }
  }

  /** The lines appended in one go: the first gives the level; the others (data) follow it. */
  private flushLines(): void {
    const lines = this.pending;
    this.pending = [];
    let current: Entry | undefined;
    for (const line of lines) {
      const entry = parseClientLine(line);
      if (current && !CLIENT_PREFIX.test(line)) {
        current.text += `\n${line}`;
        continue;
      }
      if (current) {
        write(this.log, current);
      }
      current = entry;
    }
    if (current) {
      write(this.log, current);
    }
  }

  /** What remains of stderr without a line end (the server stopped mid-line). */
  flush(): void {
    if (this.partial) {
      const rest = this.partial;
      this.partial = '';
      for (const entry of parseServerLines([rest])) {
        write(this.log, entry);
      }
    }
    this.flushLines();
  }

}

/**
 * The trace channel (`traceOutputChannel`): each traced message (its header line, then its
 * parameters) one Info entry, so that `trace.server` shows it at the log's default level.
 */
export class TraceOutput extends LogChannel {
  private pending = '';
  private scheduled = false;

  append(value: string): void {
    this.pending += value;
    this.schedule();
  }

  appendLine(value: string): void {
    this.append(`${value}\n`);
  }

  private schedule(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  flush(): void {
    const lines = this.pending.split(/\r?\n/);
    this.pending = '';
    const entries: string[] = [];
    for (const line of lines) {
      if (CLIENT_PREFIX.test(line) || entries.length === 0) {
        entries.push(parseClientLine(line).text);
      } else {
        entries[entries.length - 1] += `\n${line}`;
      }
    }
    for (const entry of entries) {
      const text = entry.replace(/\n+$/, '');
      if (text) {
        this.log.info(`[trace] ${text}`);
      }
    }
  }

}
