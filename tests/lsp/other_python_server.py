"""Another Python language server, as a user of the editor tests has one (pylsp, pyright...):
it answers for Python files and writes each file it is given (``didOpen``) to ``argv[1]``, so the
tests can tell which buffers went to it."""

from __future__ import annotations

import sys

from lsprotocol import types
from pygls.lsp.server import LanguageServer

server = LanguageServer("other-python-server", "1.0")
LOG = sys.argv[1]


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: LanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    with open(LOG, "a", encoding="utf-8") as handle:
        handle.write(params.text_document.uri + "\n")


if __name__ == "__main__":
    server.start_io()
