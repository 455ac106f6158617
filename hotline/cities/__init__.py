"""Tools for a city folder (``cities/<name>/``): build one from national division codes, check one.

``nbs`` reads the National Bureau of Statistics layout and writes the divisions rows, ``folder``
writes a new folder's files, ``check`` validates a folder, ``commands`` is the `hotline city` CLI. The data folders themselves live in
``cities/`` at the top of the repository; this package holds no data.
"""
