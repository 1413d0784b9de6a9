"""Input files -> text, without Beam: decoding, listing and the per-format parsers.

* ``decoding``  bytes -> normalised text (BOMs, UTF-8, legacy charsets, binary data);
* ``listing``   which listed files are inputs, what they are called, what they may not be;
* ``formats``   one file's bytes -> ``Article`` / ``DeadLetter`` records (.txt, .jsonl, .html).

The read stage (``pipeline.stages.read``) does the I/O around these functions.
"""
