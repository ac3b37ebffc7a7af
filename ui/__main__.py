"""`python -m ui [--host H] [--port P] [--allow-open] [--config F] [--corpus D] [--index D] [--model M] [-v]`:
build the index if it is missing and serve the web app (`ui.app.serve`) until interrupted.

The options, settings and error handling are the command line's (`rag.cli`), so the app starts
as `python -m rag serve` did (which now hands over to this). The app's modules are imported only
after the OpenMP defaults are set (`rag.cli.default_environment`): they load faiss and the model.
"""

from __future__ import annotations

import sys

from rag.cli import default_environment, guarded, serve_parser
from rag.config import Settings


def main(argv: list[str] | None = None) -> int:
    args = serve_parser().parse_args(argv)
    default_environment()  # before ui.app loads faiss and the model
    from .app import serve

    def run(settings: Settings) -> int:
        serve(settings)
        return 0

    return guarded(args, run)


if __name__ == "__main__":
    sys.exit(main())
