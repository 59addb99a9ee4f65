"""The ``vaebook`` command: ``vaebook train`` (every Config field is a flag), ``vaebook build`` and
``vaebook check`` (the two tiers of checking the book), which find the book from the working
directory or ``--root``."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from vaebook.book.parameters import papermill_value
from vaebook.config import ACTIVATIONS, DATA_KINDS, HEAD_INITS, LOSSES, NOISE_DRAWS, OPTIMIZERS, Config

CHOICES = {
    "activation": ACTIVATIONS,
    "head_init": HEAD_INITS,
    "data": DATA_KINDS,
    "optimizer": OPTIMIZERS,
    "loss": LOSSES,
    "noise_draw": NOISE_DRAWS,
}


def parser() -> argparse.ArgumentParser:
    """The command line's parser: ``train`` with a flag per Config field, ``build``, ``check``."""
    parser = argparse.ArgumentParser(prog="vaebook", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a run (or load it from the cache)")
    for f in dataclasses.fields(Config):
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        if f.name == "snapshots":
            default = ",".join(map(str, default))
        train.add_argument(
            f"--{f.name.replace('_', '-')}",
            dest=f.name,
            default=default,
            metavar=f.name.upper(),
            help=f"default: {default}"
            + (f"; one of {', '.join(CHOICES[f.name])}" if f.name in CHOICES else ""),
        )
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    root = {"metavar": "PATH", "help": "the book's root (default: found from the working directory)"}
    build = commands.add_parser("build", help="execute every chapter, then build the book")
    build.add_argument("--pdf", action="store_true", help="also build the PDF (xelatex)")
    build.add_argument("--root", **root)
    check = commands.add_parser("check", help="check that the book holds on this machine")
    check.add_argument("--root", **root)
    tiers = "portable (default), strict, or auto (strict on the reference stack, else portable)"
    check.add_argument("tier", nargs="?", default="portable", help=tiers)
    check.add_argument(
        "--chapter", action="append", metavar="NAME", help="only this chapter (portable tier; repeatable)"
    )
    check.add_argument(
        "-p", nargs=2, action="append", metavar=("NAME", "VALUE"), help="a chapter parameter (papermill's -p)"
    )
    return parser


def train_config(args: argparse.Namespace) -> Config:
    """The Config that ``vaebook train`` trains for its parsed flags, each read as papermill reads
    a ``-p`` value (Config names a bad value)."""
    values = {f.name: getattr(args, f.name) for f in dataclasses.fields(Config)}
    return Config(**{name: papermill_value(v) if isinstance(v, str) else v for name, v in values.items()})


def main(argv: list[str] | None = None) -> int:
    """Run ``vaebook train|build|check``; the exit status (2 for a bad argument)."""
    args = parser().parse_args(argv)
    if args.command in ("build", "check"):
        from vaebook.book.toc import Book

        try:
            book = Book.at(args.root) if args.root else Book.find()
        except ValueError as err:
            print(f"vaebook {args.command}: error: {err}", file=sys.stderr)
            return 2
    if args.command == "build":
        from vaebook.book.build import build

        return build(book, pdf=args.pdf)
    if args.command == "check":
        from vaebook.book.check import check

        parameters = {name: papermill_value(value) for name, value in args.p or []}
        try:
            return check(args.tier, args.chapter, parameters, book)
        except ValueError as err:
            print(f"vaebook check: error: {err}", file=sys.stderr)
            return 2
    try:
        config = train_config(args)
    except ValueError as err:
        print(f"vaebook train: error: {err}", file=sys.stderr)
        return 2
    from vaebook.store import run_path
    from vaebook.training import TrainingDiverged, train

    try:
        run = train(config, progress=not args.no_progress)
    except TrainingDiverged as err:
        print(f"vaebook train: error: {err}", file=sys.stderr)
        return 1
    last_epoch = run.objective[-config.steps_per_epoch :].mean()
    print(f"final objective (VFE), mean of the last epoch: {last_epoch:.4f}")
    print(f"run stored in {run_path(config)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
