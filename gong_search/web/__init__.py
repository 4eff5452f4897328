"""The local search page (``gong-search serve``): Starlette + Jinja2 over the library.

Needs the ``web`` extra (``pip install 'gong-search[web]'``), so the CLI install stays light.
"""
