"""The ``vaebook`` command: ``vaebook train`` (every Config field is a flag), ``vaebook build`` and
``vaebook check`` (the two tiers of checking the book)."""

from __future__ import annotations

import argparse
import dataclasses
import sys

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
    build = commands.add_parser("build", help="execute every chapter, then build the book")
    build.add_argument("--pdf", action="store_true", help="also build the PDF (xelatex)")
    check = commands.add_parser("check", help="check that the book holds on this machine")
    check.add_argument("tier", nargs="?", default="portable", help="portable (default) or strict")
    check.add_argument(
        "--chapter", action="append", metavar="NAME", help="only this chapter (portable tier; repeatable)"
    )
    check.add_argument(
        "-p", nargs=2, action="append", metavar=("NAME", "VALUE"), help="a chapter parameter (papermill's -p)"
    )
    return parser


def _parameter(text: str) -> object:
    """A -p value as papermill's command line reads it: an int, else a float, else the text."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _typed(name: str, text: str) -> object:
    """Turn a flag's text into the field's type, so that Config can validate it."""
    kind = {f.name: f.type for f in dataclasses.fields(Config)}[name]
    if not isinstance(text, str) or kind in ("str", "tuple[int, ...]"):
        return text
    try:
        return int(text) if kind == "int" else float(text)
    except ValueError:
        return text  # Config names the field and what it allows


def train_config(args: argparse.Namespace) -> Config:
    """The Config that ``vaebook train`` trains for its parsed flags (Config names a bad value)."""
    return Config(**{f.name: _typed(f.name, getattr(args, f.name)) for f in dataclasses.fields(Config)})


def main(argv: list[str] | None = None) -> int:
    """Run ``vaebook train|build|check``; the exit status (2 for a bad argument)."""
    args = parser().parse_args(argv)
    if args.command == "build":
        from vaebook.build import build

        return build(pdf=args.pdf)
    if args.command == "check":
        from vaebook.check import check

        parameters = {name: _parameter(value) for name, value in args.p or []}
        try:
            return check(args.tier, args.chapter, parameters)
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
