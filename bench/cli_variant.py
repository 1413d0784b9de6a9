"""``python -m bench.cli_variant --no-event-typing [pipeline CLI args]``: the
pipeline's CLI with the event typer switched off (``ResolveArticles
(type_events=False)``), to separate the tagger's share of a run from the
typer's (a second transformer pass per event). A diagnostic for ``bench.run``,
not an operator option.
"""
from __future__ import annotations

import sys


def main(argv=None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--no-event-typing" in args:
        args.remove("--no-event-typing")
        import pipeline.resolve as resolve

        init = resolve.ResolveArticles.__init__

        def no_typing(self, type_events: bool = True, *a, **k):
            init(self, False, *a, **k)

        resolve.ResolveArticles.__init__ = no_typing
    from pipeline.cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
