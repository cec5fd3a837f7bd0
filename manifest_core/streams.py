"""Output streams that never fail on what their encoding cannot show.

Its own small module, importing nothing, so that ``--help`` and a warm ``check`` (which both set
their streams up first) load no more than they print.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO


def tolerant(stream: TextIO) -> TextIO:
    """``stream``, set to write what its encoding cannot show as backslash escapes.

    A migration named ``0002_café`` printed to an ASCII console (``PYTHONIOENCODING=ascii``, an
    old Windows code page) shows as ``0002_caf\\xe9``, never a crash after a successful write.
    """
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        try:  # noqa: SIM105 - contextlib is not needed for one call
            reconfigure(errors="backslashreplace")
        except (ValueError, OSError):  # io.UnsupportedOperation is both
            pass
    return stream
