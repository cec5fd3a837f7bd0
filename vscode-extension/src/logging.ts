/**
 * The log output channel and what follows its level: the client's trace of the messages it
 * exchanges with the server, and which of the server's messages pop up as notifications.
 */
import { ShowNotifications } from './settings';

/** vscode.LogLevel's values (kept here so the mapping is testable without VS Code). */
export const LogLevel = { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 } as const;

/** A trace of the client's messages, as the `trace.server` setting spells it. */
export type TraceSetting = 'off' | 'messages' | 'verbose';
const ORDER: readonly TraceSetting[] = ['off', 'messages', 'verbose'];

/** The trace a log level asks for: Trace shows every message with its content, Debug names them. */
export function traceForLogLevel(level: number): TraceSetting {
  if (level === LogLevel.Trace) {
    return 'verbose';
  }
  if (level === LogLevel.Debug) {
    return 'messages';
  }
  return 'off';
}

/** The `trace.server` setting's value ('off' for anything else). */
export function traceForSetting(value: unknown): TraceSetting {
  return typeof value === 'string' && (ORDER as readonly string[]).includes(value) ? (value as TraceSetting) : 'off';
}

/** The trace in force: the more verbose of the setting and the channel's log level. */
export function effectiveTrace(setting: unknown, level: number): TraceSetting {
  const a = ORDER.indexOf(traceForSetting(setting));
  const b = ORDER.indexOf(traceForLogLevel(level));
  return ORDER[Math.max(a, b)];
}

/** LSP MessageType: Error 1, Warning 2, Info 3, Log 4 (Debug 5). */
export function shouldNotify(setting: ShowNotifications, messageType: number): boolean {
  switch (setting) {
    case 'off':
      return false;
    case 'onError':
      return messageType === 1;
    case 'onWarning':
      return messageType === 1 || messageType === 2;
    default:
      return messageType <= 3;
  }
}
