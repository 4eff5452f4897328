"""Where a search's output goes: stdout or a file, in which format, written safely.

A file is written to a temporary file beside it and renamed over it only once complete, so
a full disk, a file-size limit or a kill never leaves half an export (and never clobbers the
previous one). Targets whose writing would destroy something else are refused before the
search runs: a symbolic link (its target would be overwritten) and anything inside the
index directory (``-o index/catalog.sqlite3`` would destroy the catalog).
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, TextIO, runtime_checkable

from . import settings
from .errors import GongSearchError, QueryError
from .terminal import stdout_is_for_people

FORMATS = ("table", "json", "jsonl", "csv")
STDOUT = Path("-")
BOM = "\ufeff"
_BY_EXTENSION = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def is_stdout(path: Path | None) -> bool:
    """No file, or ``-``: the usual command-line spelling of stdout."""
    return path is None or path == STDOUT


def choose_format(fmt: str | None, path: Path | None) -> str:
    """``--format`` when given (it wins over the extension: ``-f jsonl -o log.txt`` is
    deliberate); else the file's extension, so ``-o out.csv`` is CSV; else table on a
    terminal and jsonl in a pipe (:func:`piped_default`). An extension that names no
    format is refused rather than guessed: ``out.txt`` holding JSONL would surprise."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise QueryError(f"--format must be table, json, jsonl or csv, not {fmt!r}")
        return fmt
    if is_stdout(path):
        return piped_default(None, FORMATS)
    assert path is not None
    try:
        return _BY_EXTENSION[path.suffix.lower()]
    except KeyError:
        raise QueryError(
            f"cannot tell the format of {path} from its extension; add --format csv, json, "
            "jsonl or table (or name it .csv, .json, .jsonl or .ndjson)"
        ) from None


def piped_default(fmt: str | None, formats: tuple[str, ...]) -> str:
    """The one rule for every command's default format: a table for people (a terminal,
    or forced colour); in a pipe, JSON Lines where the command has rows, else JSON."""
    if fmt is not None:
        return fmt
    configured = settings.value("format")
    if configured in formats:
        return configured
    if stdout_is_for_people():
        return "table"
    return "jsonl" if "jsonl" in formats else "json"


def check_target(path: Path | None, index_dir: Path) -> None:
    """Refuse, before any work, a file whose writing would destroy something else."""
    if is_stdout(path):
        return
    assert path is not None
    if path.is_symlink():
        raise GongSearchError(
            f"{path} is a symbolic link; refusing to write through it (give the real path)"
        )
    if _inside(path, index_dir):
        raise GongSearchError(
            f"{path} is inside the index directory {index_dir}; write exports elsewhere"
        )


def _inside(path: Path, directory: Path) -> bool:
    """Is ``path`` (existing or not) ``directory`` or under it, whatever ``..`` or links
    lead there?"""
    target = path.parent.resolve() / path.name
    root = directory.resolve()
    return target == root or root in target.parents


class Result(Protocol):
    """What a command's answer offers the output layer: its JSON document (its table is
    registered in render.py)."""

    def as_json(self) -> dict[str, Any]: ...


@runtime_checkable
class Rows(Protocol):
    """An answer that is a list, and so can also be JSONL: one object a line."""

    def json_rows(self) -> Iterable[dict[str, Any]]: ...


def emit(result: Result, fmt: str, path: Path | None = None) -> None:
    """Write ``result`` as ``fmt`` to stdout or ``path``: how every command writes its
    answer, except a search's hits, which are streamed (see ``cli_search``)."""
    from .export import dumps, write_jsonl
    from .render import output_console, render

    with open_output(path, fmt, bom=False) as out:
        if fmt == "json":
            out.write(dumps(result.as_json(), indent=2) + "\n")
        elif fmt == "jsonl":
            # each command offers jsonl only when its answer has rows (see its --format)
            assert isinstance(result, Rows), type(result).__name__
            write_jsonl(result.json_rows(), out)
        else:
            render(result, output_console(out), plain=fmt == "text")


@contextmanager
def open_output(path: Path | None, fmt: str, bom: bool | None) -> Iterator[TextIO]:
    """stdout, or a file replaced only once complete.

    CSV gets a byte order mark in files, so Excel reads UTF-8, but not on stdout, where it
    would become part of the first column's name for every CSV reader; ``bom`` forces it
    on or off."""
    wants_bom = fmt == "csv" and (bom if bom is not None else not is_stdout(path))
    if is_stdout(path):
        if wants_bom:
            sys.stdout.write(BOM)
        yield sys.stdout
        return
    assert path is not None
    with _replacing(path) as out:
        if wants_bom:
            out.write(BOM)
        yield out


@contextmanager
def _replacing(path: Path) -> Iterator[TextIO]:
    """A temporary file in ``path``'s directory, renamed to ``path`` on success and removed
    on any failure; write errors are one line naming ``path``."""
    mode = _mode_for(path)
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            yield out
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as exc:
        _remove(temporary)
        raise _cannot_write(path, exc) from None
    except BaseException:
        _remove(temporary)
        raise


def _mode_for(path: Path) -> int:
    """The mode ``open(path, "w")`` would have given: an existing file's own, else what the
    umask allows (``mkstemp`` alone would make every export 0600)."""
    try:
        existing = path.stat()
    except OSError:
        umask = os.umask(0o077)
        os.umask(umask)
        return 0o666 & ~umask
    return stat.S_IMODE(existing.st_mode)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _cannot_write(path: Path, exc: OSError) -> GongSearchError:
    return GongSearchError(f"cannot write {path}: {exc.strerror or type(exc).__name__}")
