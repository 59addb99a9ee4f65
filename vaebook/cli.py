"""The ``vaebook`` command: ``vaebook train`` (every Config field is a flag), ``vaebook build`` and
``vaebook check`` (the two tiers of checking the book), which find the book from the working
directory or ``--root``.

What a user can cause (a bad setting, an unusable cache folder, a full disk, Ctrl-C, any
``VaebookError``) ends in one line on stderr and a non-zero exit: 2 for a bad setting, 130 for
Ctrl-C, 1 otherwise. A traceback is printed for a bug, or with ``vaebook --debug``."""

from __future__ import annotations

import argparse
import dataclasses
import errno
import functools
import sys
import typing
import warnings

from vaebook.book.parameters import papermill_value
from vaebook.config import ACTIVATIONS, DATA_KINDS, HEAD_INITS, LOSSES, NOISE_DRAWS, OPTIMIZERS, Config
from vaebook.errors import SettingError, VaebookError

CHOICES = {
    "activation": ACTIVATIONS,
    "head_init": HEAD_INITS,
    "data": DATA_KINDS,
    "optimizer": OPTIMIZERS,
    "loss": LOSSES,
    "noise_draw": NOISE_DRAWS,
}
# The OSErrors that say a folder cannot be used (no permission, read-only, a file in its place, a
# full disk or quota): what the user can mend, named in one line.
USER_ERRNOS = {
    errno.EACCES: "check the folder's permissions, or point VAEBOOK_CACHE elsewhere",
    errno.EPERM: "check the folder's permissions, or point VAEBOOK_CACHE elsewhere",
    errno.EROFS: "use a folder on a writable disk (VAEBOOK_CACHE for the run cache)",
    errno.ENOTDIR: "a file stands where a folder should be: move it",
    errno.ENOSPC: "free space on the disk",
    errno.EDQUOT: "free space within your disk quota",
}
INTERRUPTED = 128 + 2  # the shell's status for a process stopped by SIGINT


def parser() -> argparse.ArgumentParser:
    """The command line's parser: ``train`` with a flag per Config field, ``build``, ``check``."""
    parser = argparse.ArgumentParser(prog="vaebook", description=__doc__.split("\n\n")[0])
    parser.add_argument("--debug", action="store_true", help="show the traceback of any error")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a run (or load it from the cache)")
    for f in dataclasses.fields(Config):
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        shown = ",".join(map(str, default)) if isinstance(default, tuple) else default
        choices = f"; one of {', '.join(CHOICES[f.name])}" if f.name in CHOICES else ""
        flag = f"--{f.name.replace('_', '-')}"
        train.add_argument(flag, dest=f.name, metavar=f.name.upper(), help=f"default: {shown}{choices}")
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    root = {"metavar": "PATH", "help": "the book's root (default: found from the working directory)"}
    parameter = {
        "nargs": 2,
        "action": "append",
        "metavar": ("NAME", "VALUE"),
        "help": "a chapter parameter (papermill's -p), for the chapters whose parameters cell has NAME",
    }
    build = commands.add_parser("build", help="execute every chapter, then build the book")
    build.add_argument("--pdf", action="store_true", help="also build the PDF (xelatex)")
    build.add_argument("--root", **root)
    build.add_argument("-p", **parameter)
    check = commands.add_parser("check", help="check that the book holds on this machine")
    check.add_argument("--root", **root)
    tiers = "portable (default), strict, or auto (strict on the reference stack, else portable)"
    check.add_argument("tier", nargs="?", default="portable", help=tiers)
    check.add_argument(
        "--chapter", action="append", metavar="NAME", help="only this chapter (portable tier; repeatable)"
    )
    check.add_argument("-p", **parameter)
    return parser


def flag_value(name: str, text: str) -> object:
    """The value of ``vaebook train``'s flag for the Config field ``name``, typed as the field
    is: an int or float where the text is one (Config names it if it is not), the epochs of
    ``snapshots`` from a list separated by commas or spaces, else the text."""
    kind = typing.get_type_hints(Config)[name]
    if kind is int or kind is float:
        for read in (int, float) if kind is int else (float,):
            try:
                return read(text)
            except ValueError:
                pass
        return text
    if name == "snapshots":
        words = text.replace(",", " ").split()
        try:
            return tuple(int(word) for word in words)
        except ValueError:
            raise SettingError(f"snapshots must be positive integer epochs, got {text!r}") from None
    return text


def train_config(args: argparse.Namespace) -> Config:
    """The Config that ``vaebook train`` trains for its parsed flags (the defaults for flags not
    given); SettingError naming a bad value."""
    given = {f.name: getattr(args, f.name) for f in dataclasses.fields(Config)}
    return Config(**{name: flag_value(name, text) for name, text in given.items() if text is not None})


def book_command(args: argparse.Namespace) -> int:
    """``vaebook build`` or ``vaebook check``: 2 for a bad argument (a book not found, an unknown
    tier, chapter or parameter), each said in one line."""
    from vaebook.book import kernels
    from vaebook.book.toc import Book

    parameters = {name: papermill_value(value) for name, value in args.p or []}
    try:
        book = Book.at(args.root) if args.root is not None else Book.find()
        if args.command == "build":
            from vaebook.book.build import build

            return build(book, pdf=args.pdf, parameters=parameters)
        from vaebook.book.check import check

        return check(args.tier, args.chapter, parameters, book)
    except ValueError as err:
        print(f"vaebook {args.command}: error: {err}", file=sys.stderr)
        return 2
    except kernels.Stopped as err:
        print(err, file=sys.stderr)
        return err.status


def main(argv: list[str] | None = None) -> int:
    """Run ``vaebook train|build|check``; the exit status (2 for a bad argument)."""
    args = parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            if not args.debug:
                warnings.showwarning = functools.partial(_show_warning, args)
            return _run(args)
    except KeyboardInterrupt as err:
        if args.debug:
            raise
        _error(args, str(err) or "interrupted")
        return INTERRUPTED
    except SettingError as err:
        if args.debug:
            raise
        _error(args, str(err))
        return 2
    except VaebookError as err:
        if args.debug:
            raise
        _error(args, str(err))
        return 1
    except OSError as err:
        if args.debug or err.errno not in USER_ERRNOS:
            raise
        where = f": {err.filename}" if err.filename else ""
        _error(args, f"{err.strerror or err}{where}; {USER_ERRNOS[err.errno]}")
        return 1


def _error(args: argparse.Namespace, message: str) -> None:
    print(f"vaebook {args.command}: error: {message}", file=sys.stderr)


def _show_warning(args: argparse.Namespace, message: Warning | str, *_: object, **__: object) -> None:
    """A warning as one line on stderr, without the source line Python shows by default."""
    text = str(message).removeprefix("vaebook: ")
    print(f"vaebook {args.command}: warning: {text}", file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    if args.command in ("build", "check"):
        return book_command(args)
    return _train(args)


def _train(args: argparse.Namespace) -> int:
    """``vaebook train``: its settings are checked before TensorFlow loads."""
    config = train_config(args)
    from vaebook.store import RunFile
    from vaebook.training import train

    run = train(config, progress=not args.no_progress)
    last_epoch = run.objective[-config.steps_per_epoch :].mean()
    print(f"final objective (VFE), mean of the last epoch: {last_epoch:.4f}")
    print(f"run stored in {RunFile.of(config).path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
