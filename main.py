"""Starts the desktop app: ``python main.py [--demo] [--screenshot DIR]``."""

from __future__ import annotations

import sys

if __name__ == "__main__":
    if sys.argv[1:] == ["--read-pulled-pages"]:
        # A frozen build's page reader (medspa_desk.sync.page_parser): no window, no Qt.
        from medspa_desk.sync.page_parser import main as read_pulled_pages

        sys.exit(read_pulled_pages())
    if sys.argv[1:2] == ["--serve-demo"]:
        # The demo's central API, in a child process of ``--demo`` (ui.demo.DemoServerProcess):
        # no window, no Qt, and the desk's own modules (ui) never import it.
        from medspa_demo.server import main as serve_demo

        sys.exit(serve_demo(sys.argv[2:]))
    from ui.app import main

    sys.exit(main())
