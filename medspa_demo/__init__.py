"""The demo practice and the demo's own central API: not part of the desk nor of the server.

- ``medspa_demo.practice``: the made-up practice, generated from a seed (its records in
  ``model``, its fixed parts in ``catalog``, its appointments in ``schedule``, its charts and
  sealed documents in ``charting``).
- ``medspa_demo.seed``: loading it into a central API database in bulk.
- ``medspa_demo.server``: the demo's central API on loopback, the child
  process ``python main.py --demo`` starts (``python -m medspa_demo.server DIR``).
- ``python -m medspa_demo seed``: the demo practice into a real server's database.

The desk (``ui``, ``medspa_desk``) never imports this package; ``ui.demo``
starts ``medspa_demo.server`` as a child process by name. The server
(``medspa_api``) never imports it either (tests/test_layering.py).
"""
