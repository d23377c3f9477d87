"""Hypothesis-generated bad input: trial folders, CLI options and Python API / design arguments.

Properties:

- a trial folder with any cell replaced by any value, a truncated file, shuffled or dropped
  columns is either valid or refused with :class:`InputError` whose every problem names its file;
  ``bayes-iris validate`` exits 0 or 2, never with a traceback;
- every public API that takes a probability, a sample size, a ratio, an interval or a seed
  refuses out-of-range values (outside (0, 1), ≤ 0, NaN, ±inf, lower > upper, counts > n,
  n_max < n_min) with ``InputError`` — a pydantic ``ValidationError`` is accepted for pydantic
  models built directly — and never returns NaN or crashes with another exception;
- the same values given on the command line exit 2 without a traceback, writing nothing.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import e2e_helpers as H
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bayes_iris.errors import InputError

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

# trial-folder properties read and validate a whole trial per example: fewer examples
FOLDER_SETTINGS = settings(SETTINGS, max_examples=15)

_BASE: dict[str, Path] = {}


def _fresh_trial() -> Path:
    """A fresh copy of the bundled trial in a temp folder (hypothesis calls this per example)."""
    if "root" not in _BASE:
        _BASE["root"] = Path(tempfile.mkdtemp(prefix="hardening-gen-"))
    d = Path(tempfile.mkdtemp(dir=_BASE["root"]))
    return H.copy_bundled(d / "trial")


@pytest.fixture(scope="module", autouse=True)
def _cleanup_base():
    yield
    if "root" in _BASE:
        shutil.rmtree(_BASE.pop("root"), ignore_errors=True)


def _assert_refused_cleanly(folder: Path) -> None:
    from bayes_iris.data import load_trial

    try:
        load_trial(folder)
    except InputError as err:
        assert err.problems
        for p in err.problems:
            assert str(p).strip()
            assert p.file is not None or "more problems" in p.message, p


# -- trial folders ------------------------------------------------------------------------------
cell_values = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "NA", "nan", "inf", "-inf", "1e308", "-1", "0", "1e400", "true",
                     "2.5", "  ", "\x00", "é", "\ufeff", "\"", "a,b", "x\ny", "=cmd|' /C calc'!A0",
                     "<script>", "9" * 40, "-0", "+5", "0x10", "1_000", "١٢"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
)


@FOLDER_SETTINGS
@given(table=st.sampled_from(H.TABLES), data=st.data(), value=cell_values)
def test_any_cell_any_value(table, data, value):
    d = _fresh_trial()
    header, rows = H.read_table(d, table)
    r = data.draw(st.integers(0, len(rows) - 1), label="row")
    c = data.draw(st.sampled_from(header), label="column")
    rows[r][header.index(c)] = value
    H.write_table(d, table, header, rows)
    _assert_refused_cleanly(d)


@FOLDER_SETTINGS
@given(table=st.sampled_from([*H.TABLES, "trial"]), cut=st.floats(0.0, 0.999))
def test_truncated_file(table, cut):
    """A file cut at an arbitrary byte (a copy interrupted mid-way)."""
    d = _fresh_trial()
    path = d / ("trial.yaml" if table == "trial" else f"{table}.csv")
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * cut)])
    _assert_refused_cleanly(d)


@FOLDER_SETTINGS
@given(table=st.sampled_from(H.TABLES), data=st.data())
def test_shuffled_dropped_duplicated_columns(table, data):
    d = _fresh_trial()
    header, rows = H.read_table(d, table)
    idx = data.draw(st.lists(st.integers(0, len(header) - 1), min_size=1,
                             max_size=len(header) + 2), label="columns")
    H.write_table(d, table, [header[i] for i in idx], [[r[i] for i in idx] for r in rows])
    _assert_refused_cleanly(d)


@FOLDER_SETTINGS
@given(raw=st.binary(max_size=400))
def test_arbitrary_bytes_as_table_via_cli(raw, capsys):
    d = _fresh_trial()
    (d / "labs.csv").write_bytes(raw)
    code, out, err = H.run_cli(["validate", d], capsys)
    assert "Traceback" not in out + err
    assert code == 2, out + err  # no byte string is a valid labs table with all baselines


@FOLDER_SETTINGS
@given(text=st.text(max_size=200))
def test_arbitrary_trial_yaml_via_cli(text, capsys):
    d = _fresh_trial()
    (d / "trial.yaml").write_text(text, encoding="utf-8")
    code, out, err = H.run_cli(["validate", d], capsys)
    assert "Traceback" not in out + err
    assert code == 2, out + err
    assert "trial.yaml" in out + err


# -- API arguments ------------------------------------------------------------------------------
NAN, INF = float("nan"), float("inf")
bad_prob = st.one_of(st.sampled_from([0.0, 1.0, -0.1, 1.5, NAN, INF, -INF]),
                     st.floats(max_value=0.0), st.floats(min_value=1.0))
bad_positive = st.one_of(st.sampled_from([0.0, -1.0, NAN, INF, -INF]), st.floats(max_value=0.0))
bad_count = st.one_of(st.integers(max_value=0), st.sampled_from([NAN, INF, 2.5]))


def _refuses(call: Callable[[], object], *, pydantic_ok: bool = False) -> None:
    accepted = (InputError, ValidationError) if pydantic_ok else (InputError,)
    try:
        out = call()
    except accepted:
        return
    raise AssertionError(f"accepted a bad value and returned {out!r}")


def _design():
    import bayes_iris.design as D

    return D


@SETTINGS
@given(p=bad_prob)
def test_design_target_outside_unit_interval(p):
    _refuses(lambda: _design().sample_size("mortality", target=p, n_grid=[50], n_sim=100))


@SETTINGS
@given(a=bad_positive)
def test_design_allocation_not_positive(a):
    _refuses(lambda: _design().sample_size("mortality", allocation=a, n_grid=[50], n_sim=100))


@SETTINGS
@given(n=bad_count)
def test_design_sample_sizes_not_positive(n):
    D = _design()
    _refuses(lambda: D.sample_size("mortality", n_grid=[n], n_sim=100))
    _refuses(lambda: D.sample_size("mortality", n_grid=[50], n_sim=n))
    _refuses(lambda: D.BinaryDesign(D.default_rule("mortality"), None, None, n, 10))


def test_design_n_max_below_n_min():
    D = _design()
    _refuses(lambda: D.sample_size("mortality", n_grid=[], n_sim=100))
    _refuses(lambda: D.sample_size("mortality", n_max=0, n_sim=100))
    _refuses(lambda: D.predictive_probability(x=3, n=10, n_max=5, p0=0.2, theta_t=0.9))


@SETTINGS
@given(p=bad_prob)
def test_design_probabilities(p):
    D = _design()
    _refuses(lambda: D.Criterion(prob=p), pydantic_ok=True)
    _refuses(lambda: D.ohagan_assurance(0.2, 0.01, 1.0, 100, alpha=p))
    _refuses(lambda: D.predictive_probability(x=3, n=10, n_max=30, p0=p, theta_t=0.9))
    _refuses(lambda: D.BetaMix.from_mean_n(p, 10))


@SETTINGS
@given(v=bad_positive)
def test_design_scales_and_shapes(v):
    D = _design()
    if v != 0:  # v = 0 is a point design prior (ordinary power): valid
        _refuses(lambda: D.ohagan_assurance(0.2, v, 1.0, 100))
    _refuses(lambda: D.ohagan_assurance(0.2, 0.01, v, 100))
    _refuses(lambda: D.BetaMix.single(v, 1.0))
    _refuses(lambda: D.NormMix.single(0.0, v))


@SETTINGS
@given(lo=st.floats(0.01, 0.99), gap=st.floats(0.0, 0.5))
def test_design_interval_lower_above_upper(lo, gap):
    hi = lo - gap
    D = _design()
    _refuses(lambda: D.beta_from_quantiles(lo, hi))
    _refuses(lambda: D.normal_from_quantiles(lo, hi))


@SETTINGS
@given(est=st.floats(0.1, 10), lo=st.floats(0.1, 10), hi=st.floats(0.1, 10))
def test_published_estimate_interval_inconsistent(est, lo, hi):
    from bayes_iris import reanalysis as S

    assume(not (lo < est < hi))
    _refuses(lambda: S.Estimate(value=est, lower=lo, upper=hi, measure="RR"), pydantic_ok=True)


@SETTINGS
@given(bad=bad_positive)
def test_published_ratio_not_positive(bad):
    from bayes_iris import reanalysis as S

    _refuses(lambda: S.Estimate(value=bad, lower=0.5, upper=2.0, measure="RR"), pydantic_ok=True)
    _refuses(lambda: S.Estimate(value=1.0, lower=bad, upper=2.0, measure="OR"), pydantic_ok=True)


@SETTINGS
@given(n=st.integers(0, 50), extra=st.integers(1, 50))
def test_counts_above_n(n, extra):
    from bayes_iris import reanalysis as S

    _refuses(lambda: S.Counts.parse(f"{n + extra}/{n},0/6"))
    _refuses(lambda: S.Counts.parse(f"1/6,{n + extra}/{n}"))


@SETTINGS
@given(seed=st.one_of(st.integers(max_value=-1), st.sampled_from([1.5, NAN, "1", None])))
def test_bad_seed(seed):
    from bayes_iris import seeds

    _refuses(lambda: seeds.rng(seed, "x"))


@SETTINGS
@given(n=st.integers(max_value=0))
def test_simulate_trial_arm_sizes(n):
    from bayes_iris.data import simulate_trial

    _refuses(lambda: simulate_trial(1, n_cyt107=n))
    _refuses(lambda: simulate_trial(1, n_placebo=n))


@SETTINGS
@given(draws=st.integers(max_value=0), ta=bad_prob)
def test_sampler_config(draws, ta):
    from bayes_iris.inference import SamplerConfig

    _refuses(lambda: SamplerConfig(seed=1, draws=draws), pydantic_ok=True)
    _refuses(lambda: SamplerConfig(seed=1, target_accept=ta), pydantic_ok=True)
    _refuses(lambda: SamplerConfig(seed=-1), pydantic_ok=True)


# -- the same values on the command line: exit 2, no traceback, nothing written -----------------
CLI_CASES = [
    ["reanalyze", "--estimate", "1.5", "--lower", "2.0", "--upper", "3.0"],
    ["reanalyze", "--estimate", "1.0", "--lower", "2.0", "--upper", "0.5"],
    ["reanalyze", "--estimate", "-1", "--lower", "0.5", "--upper", "2"],
    ["reanalyze", "--estimate", "0", "--lower", "0", "--upper", "2"],
    ["reanalyze", "--estimate", "nan", "--lower", "0.5", "--upper", "2"],
    ["reanalyze", "--estimate", "1", "--lower", "0.5", "--upper", "inf"],
    ["reanalyze", "--counts", "7/5,0/6"],
    ["reanalyze", "--counts", "3/15,-1/6"],
    ["reanalyze", "--counts", "3/0,0/6"],
    ["reanalyze", "--counts", "three/15,0/6"],
    ["reanalyze", "--builtin", "sepsis-mortality", "--baseline-risk", "1.5"],
    ["reanalyze", "--builtin", "sepsis-mortality", "--baseline-risk", "0"],
    ["reanalyze", "--builtin", "sepsis-mortality", "--mcid", "-0.8"],
    ["reanalyze", "--builtin", "no-such-case"],
    ["reanalyze", "--estimate", "1", "--lower", "0.5", "--upper", "2", "--measure", "XYZ"],
    ["simulate", "--out", "{out}", "--n-cyt107", "0"],
    ["simulate", "--out", "{out}", "--n-placebo", "-3"],
    ["simulate", "--out", "{out}", "--seed", "-1"],
    ["safety", "--model", "nonsense"],
    ["safety", "--seed", "-5"],
    ["run", "--seed", "-1", "--results", "{out}"],
    ["run", "--step", "99_nothing", "--results", "{out}"],
    ["report", "--engine", "word", "--results", "{out}"],
    ["validate"],
    ["no-such-command"],
    ["safety", "--seed", "abc"],
    ["simulate", "--out", "{out}", "--n-cyt107", "ten"],
    ["reanalyze", "--estimate", "one", "--lower", "0.5", "--upper", "2"],
    ["design", "--target", "high"],
    ["run", "--bogus-option", "--results", "{out}"],
]


@pytest.mark.parametrize("argv", CLI_CASES, ids=lambda a: "_".join(a)[:60])
def test_bad_cli_options(argv, tmp_path, in_tmp_cwd, capsys):
    out_dir = tmp_path / "out"
    argv = [a.replace("{out}", str(out_dir)) for a in argv]
    code, out, err = H.run_cli(argv, capsys)
    H.assert_clean_input_error(code, out, err)
    assert not out_dir.exists()
    assert not any(in_tmp_cwd.iterdir())


@pytest.mark.parametrize("argv", [["--seed", "-1"], ["--seed", "abc"], ["--bogus"]])
def test_bad_script_options(argv, tmp_path, capsys):
    results = tmp_path / "r"
    for stem in H.scripts():
        code, out, err = H.run_script(stem, [*argv, "--results", results], capsys)
        H.assert_clean_input_error(code, out, err)
        assert not results.exists(), stem


# (parameter the command must take, argv): probabilities outside (0, 1), non-positive or
# non-finite sizes and ratios, interval lower > upper, unknown names.
DESIGN_BAD = [
    ("target", ["--target", "1.5"]), ("target", ["--target", "0"]),
    ("target", ["--target", "nan"]),
    ("allocation", ["--allocation", "0"]), ("allocation", ["--allocation", "-1"]),
    ("allocation", ["--allocation", "inf"]),
    ("n_max", ["--n-max", "0"]), ("n_max", ["--n-max", "-10"]),
    ("endpoint", ["--endpoint", "nonsense"]), ("metric", ["--metric", "nonsense"]),
    ("design_prior", ["--design-prior", "nonsense"]),
    ("elicited_rr", ["--design-prior", "elicited", "--elicited-rr", "1.2,0.5"]),
    ("elicited_rr", ["--design-prior", "elicited", "--elicited-rr", "-1,2"]),
    ("elicited_rr", ["--design-prior", "elicited", "--elicited-rr", "abc"]),
    ("seed", ["--seed", "-1"]),
    ("n_sim", ["--n-sim", "0"]), ("alpha", ["--alpha", "1.2"]),
]


def test_design_cli_bad_parameters(tmp_path, in_tmp_cwd, capsys):
    """``bayes-iris design`` refuses each bad design parameter it takes with exit 2."""
    import inspect

    from bayes_iris.cli import app

    cmds = {c.name or c.callback.__name__: c for c in app.registered_commands}
    assert "design" in cmds, "bayes-iris design is not registered (design area)"
    params = inspect.signature(cmds["design"].callback).parameters
    out_csv = tmp_path / "o.csv"
    tried = 0
    for name, argv in DESIGN_BAD:
        if name not in params:
            continue
        tried += 1
        extra = ["--out", out_csv] if "out_csv" in params else []
        code, out, err = H.run_cli(["design", *argv, *extra, "--fast"], capsys)
        H.assert_clean_input_error(code, out, err)
        assert "no such option" not in (out + err).lower(), (argv, out + err)
    assert tried >= 8, f"design takes few of the parameters tested: {list(params)}"
    assert not out_csv.exists() and not any(in_tmp_cwd.iterdir())


def test_numbers_are_finite_or_refused():
    """A borderline but valid call returns finite numbers (refusal is not the only outcome)."""
    D = _design()
    res = D.sample_size("mortality", n_grid=[50, 100], n_sim=200, seed=1)
    assert np.isfinite(res.curve["assurance"]).all()
