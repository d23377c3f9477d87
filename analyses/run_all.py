"""Run every analysis step in order (a thin wrapper over :func:`bayes_iris.pipeline.run_pipeline`).

Same options as each step (``--data``, ``--results``, ``--seed``, ``--fast``, ``--strict``); steps
whose inputs have not changed are reused from the cache. ``bayes-iris run`` does the same;
``bayes-iris report`` also renders the report.

Run: ``python analyses/run_all.py [--data DIR] [--results DIR] [--seed N] [--fast] [--strict]``.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from bayes_iris.artifacts import script_parser
    from bayes_iris.cli import main as cli_main

    args = script_parser(__doc__.splitlines()[0]).parse_args(argv)
    cli_args = ["run", "--seed", str(args.seed)]
    if args.data is not None:
        cli_args += ["--data", str(args.data)]
    if args.results is not None:
        cli_args += ["--results", str(args.results)]
    if args.fast:
        cli_args.append("--fast")
    if args.strict:
        cli_args.append("--strict")
    return cli_main(cli_args)


if __name__ == "__main__":
    sys.exit(main())
