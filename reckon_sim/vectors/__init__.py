"""RTL test vectors: the model's run as SPI programming, $readmemh images, a tick stream and expected responses.

`write_vectors(out, RunInputs(...))` writes a vector folder (file formats: `reckon_sim.io.vector_files`, described
by `io.vector_files_doc.FORMAT_DOC`, also written as FORMAT.md); `tools/rtl/` holds the self-checking
SystemVerilog bench that replays it against an RTL.
"""
from ..io.vector_files import FORMAT_VERSION
from .writer import write_vectors

__all__ = ["FORMAT_VERSION", "write_vectors"]
