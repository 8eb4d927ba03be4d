"""Writing report files whole (see :mod:`sim.files`)."""

from sim.files import write_bytes, write_text

__all__ = ["write_bytes", "write_text"]
