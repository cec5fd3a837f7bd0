/**
 * Loaded first by mocha (.mocharc.json): `require('vscode')` resolves to the fake in ./vscode.
 */
import Module = require('module');

const fakePath = require.resolve('./vscode');
const resolver = Module as unknown as {
  _resolveFilename(request: string, ...rest: unknown[]): string;
};
const original = resolver._resolveFilename;
resolver._resolveFilename = function (request: string, ...rest: unknown[]): string {
  if (request === 'vscode') {
    return fakePath;
  }
  return original.call(this, request, ...rest);
};
