"""The real server process (``python -m lsp_server`` over stdio) against malformed traffic.

Frames are written byte by byte as a hostile or buggy client would: the server must answer every
request it can read with a JSON-RPC response (an error where the request is bad) and keep serving;
``shutdown`` and ``exit`` must still work afterwards.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TIMEOUT = 20


class Wire:
    """A raw stdio connection to a server process."""

    def __init__(self, cwd: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lsp_server", "--log-level", "error"],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            headers: dict[str, str] = {}
            while True:
                line = stream.readline()
                if not line:
                    self.messages.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii").partition(":")
                headers[name.strip().lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            self.messages.put(json.loads(body))

    def raw(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def response(self, request_id: int | str | None, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The response to ``request_id``, skipping notifications and server requests."""
        while True:
            message = self.messages.get(timeout=timeout)
            assert message is not None, "the server closed its output"
            if "id" in message and "method" not in message and message["id"] == request_id:
                return message

    def request(self, request_id: int, method: str, params: Any = None) -> dict[str, Any]:
        message: dict[str, Any] = {"id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        return self.response(request_id)

    def close(self) -> int:
        if self.process.poll() is None:
            self.process.kill()
        return self.process.wait(timeout=TIMEOUT)


@pytest.fixture
def wire(tmp_path: Path) -> Iterator[Wire]:
    connection = Wire(tmp_path)
    try:
        yield connection
    finally:
        connection.close()


def initialize(wire: Wire, tmp_path: Path) -> None:
    answer = wire.request(
        1, "initialize", {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}
    )
    assert "result" in answer, answer
    wire.send({"method": "initialized", "params": {}})


#: How long a case that once went unanswered waits.
SHORT = 5


def still_serving(wire: Wire, request_id: int, timeout: float = TIMEOUT) -> None:
    wire.send({"id": request_id, "method": "shutdown"})
    answer = wire.response(request_id, timeout)
    assert answer == {"jsonrpc": "2.0", "id": request_id, "result": None}
    wire.send({"method": "exit"})
    assert wire.process.wait(timeout=TIMEOUT) == 0


def test_a_body_that_is_not_json_is_skipped(wire: Wire, tmp_path: Path) -> None:
    initialize(wire, tmp_path)
    junk = b"{this is not json"
    wire.raw(b"Content-Length: %d\r\n\r\n" % len(junk) + junk)
    still_serving(wire, 2)


def test_an_unknown_method_is_method_not_found(wire: Wire, tmp_path: Path) -> None:
    initialize(wire, tmp_path)
    answer = wire.request(2, "$/noSuchThing/really", {})
    assert answer["error"]["code"] == -32601
    still_serving(wire, 3)


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        (None, "required field missing @ $.params"),
        (
            {"textDocument": 42, "position": "here"},
            "invalid value for type, expected str @ $.params.text_document.uri; "
            "invalid value for type, expected int @ $.params.position.line; "
            "invalid value for type, expected int @ $.params.position.character",
        ),
        (
            [1, 2, 3],
            "invalid value for type, expected TextDocumentIdentifier @ $.params.text_document; "
            "invalid value for type, expected Position @ $.params.position",
        ),
    ],
)
def test_a_request_with_bad_params_gets_invalid_params(
    wire: Wire, tmp_path: Path, params: Any, problem: str
) -> None:
    initialize(wire, tmp_path)
    message: dict[str, Any] = {"id": 2, "method": "textDocument/hover"}
    if params is not None:
        message["params"] = params
    wire.send(message)
    assert wire.response(2, SHORT) == {
        "jsonrpc": "2.0",
        "id": 2,
        "error": {"code": -32602, "message": f"textDocument/hover: Invalid Params: {problem}"},
    }
    still_serving(wire, 3)


def test_initialize_with_bad_params_gets_invalid_params(wire: Wire, tmp_path: Path) -> None:
    params = {"processId": "not a number", "rootUri": 5, "capabilities": []}
    wire.send({"id": "first", "method": "initialize", "params": params})
    assert wire.response("first", SHORT) == {
        "jsonrpc": "2.0",
        "id": "first",
        "error": {
            "code": -32602,
            "message": "initialize: Invalid Params: "
            "invalid value for type, expected Optional @ $.params.process_id",
        },
    }
    initialize(wire, tmp_path)
    still_serving(wire, 2)


def test_a_notification_with_bad_params_is_dropped_unanswered(wire: Wire, tmp_path: Path) -> None:
    initialize(wire, tmp_path)
    wire.send({"method": "textDocument/didOpen", "params": {"textDocument": 3}})
    wire.send({"id": 2, "method": "$/noSuchThing/really"})
    while True:  # the first response is the next request's: the notification got none
        message = wire.messages.get(timeout=TIMEOUT)
        assert message is not None, "the server closed its output"
        if "id" in message and "method" not in message:
            assert message["id"] == 2, message
            break
    still_serving(wire, 3)


def test_a_frame_longer_than_its_body_does_not_desynchronise_for_good(
    wire: Wire, tmp_path: Path
) -> None:
    initialize(wire, tmp_path)
    body = b'{"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 99}}'
    wire.raw(b"Content-Length: %d\r\n\r\n" % (len(body) + 40) + body)
    still_serving(wire, 2, SHORT)


def test_a_bad_content_length_header(wire: Wire, tmp_path: Path) -> None:
    initialize(wire, tmp_path)
    wire.raw(b"Content-Length: twelve\r\n\r\n{}")
    still_serving(wire, 2, SHORT)


def test_a_header_inside_a_json_string_is_text(wire: Wire, tmp_path: Path) -> None:
    initialize(wire, tmp_path)
    answer = wire.request(2, "$/noSuchThing/really", {"text": "Content-Length: 5\r\n\r\n{}"})
    assert answer["error"]["code"] == -32601
    still_serving(wire, 3)


def test_frames_after_junk_are_read(wire: Wire, tmp_path: Path) -> None:
    initialize(wire, tmp_path)
    wire.raw(b"junk without a header")
    still_serving(wire, 2, SHORT)
