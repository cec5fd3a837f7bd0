"""The wire: LSP frames in, JSON-RPC messages out, whatever a client sends.

* A request whose params do not fit its method gets an error response (``-32602 Invalid
  params``, with the request's id) and the server keeps serving; a notification with bad params
  is dropped and logged (:class:`MigrationProtocol`, on every transport).
* A frame the server cannot read (a ``Content-Length`` that is not a number, a body that is not
  JSON, a ``Content-Length`` longer than its body, which swallows the start of the next frame)
  is dropped and logged, and reading resumes at the next ``Content-Length:`` header
  (:func:`serve`, over stdio).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO

import cattrs
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.io_ import StdinAsyncReader, StdoutWriter
from pygls.protocol import LanguageServerProtocol

if TYPE_CHECKING:
    from pygls.io_ import AsyncReader
    from pygls.lsp.server import LanguageServer

logger = logging.getLogger("lsp_server")

HEADER = b"content-length:"


class MigrationProtocol(LanguageServerProtocol):
    """pygls's protocol, answering a request whose params it cannot read."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            request_id = data.get("id")
            method = data.get("method")
            if (
                isinstance(method, str)
                and isinstance(request_id, (int, str))
                and not isinstance(request_id, bool)
            ):
                detail = _detail(error)
                self._send_response(
                    request_id,
                    error=types.ResponseError(
                        code=error.code, message=f"{method}: {error.message}{detail}"
                    ),
                )
            raise


def _detail(error: JsonRpcException) -> str:
    """What cattrs found wrong, one line per field (``: params.x: expected int``)."""
    cause = error.__cause__
    if not isinstance(cause, cattrs.ClassValidationError):
        return ""
    return ": " + "; ".join(cattrs.transform_error(cause, path="$"))


class Frames:
    """Bytes from a reader, with what a bad frame swallowed of the next one put back first."""

    def __init__(self, reader: AsyncReader) -> None:
        self.reader = reader
        self.pending = b""

    async def readline(self) -> bytes:
        if self.pending:
            end = self.pending.find(b"\n")
            if end >= 0:
                line, self.pending = self.pending[: end + 1], self.pending[end + 1 :]
                return line
            line, self.pending = self.pending, b""
            return line + await self.reader.readline()
        return await self.reader.readline()

    async def read(self, size: int) -> bytes:
        head, self.pending = self.pending[:size], self.pending[size:]
        if len(head) < size:
            head += await self.reader.readexactly(size - len(head))
        return head

    def put_back(self, data: bytes) -> None:
        self.pending = data + self.pending


async def serve(
    stop_event: threading.Event,
    reader: AsyncReader,
    protocol: LanguageServerProtocol,
    error_handler: Callable[[Exception, type[JsonRpcException]], Any],
) -> None:
    """Read frames until the stream ends or the server stops, handing each message to
    ``protocol``; a frame that cannot be read is skipped up to the next header."""
    frames = Frames(reader)
    length: int | None = None
    while not stop_event.is_set():
        line = await frames.readline()
        if not line:
            break
        start = line.lower().find(HEADER)
        if start >= 0:
            if start > 0:
                logger.error("skipped %d bytes that are no LSP frame: %r", start, line[:start])
            value = line[start + len(HEADER) :].strip()
            length = int(value) if value.isdigit() else None
            if length is None:
                logger.error("skipped a frame whose Content-Length is not a number: %r", value)
            continue
        if line.strip() or length is None:
            continue  # another header (Content-Type), or what is left of a bad frame
        body = await frames.read(length)
        if len(body) < length:
            break
        length = None
        _handle(frames, body, protocol, error_handler)


def _handle(
    frames: Frames,
    body: bytes,
    protocol: LanguageServerProtocol,
    error_handler: Callable[[Exception, type[JsonRpcException]], Any],
) -> None:
    try:
        data = json.loads(body)
    except ValueError:
        # a Content-Length longer than its body reads into the next frame: resume there
        following = body.lower().find(HEADER, 1)
        if following >= 0:
            frames.put_back(body[following:])
            body = body[:following]
        logger.error("skipped a frame whose body is not JSON: %r", body[:200])
        return
    if not isinstance(data, dict):
        logger.error("skipped a frame that is no JSON-RPC message: %r", body[:200])
        return
    try:
        message = protocol.structure_message(data)
    except JsonRpcException as error:  # a request was answered with the error
        logger.error("%s: %s (%r)", data.get("method"), error.message, body[:200])
        return
    try:
        protocol.handle_message(message)
    except Exception as error:
        logger.exception("Unable to handle message")
        error_handler(error, JsonRpcException)


def start_io(
    server: LanguageServer, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None
) -> None:
    """pygls's ``start_io`` with :func:`serve` reading the frames."""
    stop_event = server._stop_event = threading.Event()
    reader = StdinAsyncReader(stdin or sys.stdin.buffer, server.thread_pool)
    server.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
    try:
        asyncio.run(serve(stop_event, reader, server.protocol, server.report_server_error))
    except BrokenPipeError:
        logger.error("Connection to the client is lost! Shutting down the server.")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]
