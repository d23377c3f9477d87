"""Run every analysis step in order (a thin wrapper over :func:`bayes_iris.pipeline.run_pipeline`;
scripts never import the command line).

Same options as each step (``--data``, ``--results``, ``--seed``, ``--fast``, ``--strict``); steps
whose inputs have not changed are reused from the cache. ``bayes-iris run`` does the same;
``bayes-iris report`` also renders the report.

Run: ``python analyses/run_all.py [--data DIR] [--results DIR] [--seed N] [--fast] [--strict]``.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from bayes_iris.errors import ConvergenceError, ExitCode, InputError
    from bayes_iris.pipeline import run_pipeline
    from bayes_iris.pipeline.script import (
        report_convergence_error,
        report_input_error,
        script_parser,
    )

    args = script_parser(__doc__.splitlines()[0]).parse_args(argv)
    try:
        result = run_pipeline(args.data, args.results, args.seed, args.fast, args.strict)
    except InputError as err:
        return report_input_error(err)
    except ConvergenceError as err:
        return report_convergence_error(err)
    for s in result.steps:
        print(f"{s.status:>8}  {s.stem}", file=sys.stderr)
    print(f"Results: {result.results_dir}", file=sys.stderr)
    return ExitCode.BUG if result.failed else ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
