"""``python -m lsp_server``: run the language server (stdio by default)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from . import NAME, __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lsp_server",
        description=f"{NAME} language server: migration conflicts, a stale migrations.toml and "
        "unsafe migration operations as diagnostics, with quick fixes, in any LSP editor.",
    )
    transport = parser.add_mutually_exclusive_group()
    transport.add_argument(
        "--stdio", action="store_true", help="talk over stdin/stdout (the default)"
    )
    transport.add_argument(
        "--tcp", action="store_true", help="listen on a TCP port instead (see --host, --port)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="TCP host (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=2087, help="TCP port (default: 2087)")
    parser.add_argument(
        "--log-file", metavar="PATH", help="write the server's log there (default: stderr)"
    )
    parser.add_argument(
        "--log-level",
        choices=["debug", "info", "warning", "error"],
        default="info",
        help="what the log file or stderr receives (default: info)",
    )
    parser.add_argument("--version", action="version", version=f"{NAME} {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: logging.Handler = (
        logging.FileHandler(args.log_file, encoding="utf-8")
        if args.log_file
        else logging.StreamHandler(sys.stderr)
    )
    # the VS Code extension reads each stderr line's level from this format (clientLog.ts)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if not args.log_file:  # the editor shows stderr with its log: each message once
        handler.addFilter(lambda record: not getattr(record, "mm_client_copy", False))
    logging.basicConfig(level=args.log_level.upper(), handlers=[handler])
    try:
        from .server import _configure_logging, create_server
    except ImportError as exc:  # pygls is an optional dependency
        print(
            f"{NAME}: the language server needs pygls ({exc}); install it with "
            "pip install 'django-migration-manifest[lsp]'",
            file=sys.stderr,
        )
        return 2

    _configure_logging(args.log_level)
    server = create_server()
    if args.tcp:
        server.start_tcp(args.host, args.port)
    else:
        server.start_io()
    return 0


if __name__ == "__main__":
    sys.exit(main())
