"""Files read and written whole, safely (layer L0: every layer above may use it).

- :mod:`sim.files.write`: atomic replacement with ordinary permissions;
- :mod:`sim.files.read`: a bounded regular text file, or one clear reason why not;
- :mod:`sim.files.cells`: CSV cells a spreadsheet will not evaluate.
"""

from __future__ import annotations

from sim.files.cells import FORMULA_STARTS, safe_cell, safe_frame, unsafe_cell, unsafe_frame
from sim.files.read import MAX_TEXT_BYTES, UnreadableFile, read_text_file
from sim.files.write import replace_atomically, write_bytes, write_text

__all__ = ["replace_atomically", "write_bytes", "write_text", "read_text_file",
           "UnreadableFile", "MAX_TEXT_BYTES", "safe_cell", "unsafe_cell", "safe_frame",
           "unsafe_frame", "FORMULA_STARTS"]
