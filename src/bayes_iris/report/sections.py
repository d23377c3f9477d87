"""What the report's chunks call: read an artefact, return a safe HTML fragment.

Each method returns an :class:`~bayes_iris.report.html.HTMLFragment` that Quarto and Jupyter
display as HTML. None of them raises on a missing, unreadable or stale artefact: they return a
clearly visible box instead ("not available: step 02 has not run"), so that a report can always be
rendered and always says what is missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..results.reader import ResultsReader
from ..results.tables import DIAGNOSTICS_COLUMNS, STEP_BY_STEM, step_of_artefact
from . import html as h

PUBLISHED_NOTE = (
    "Real published summary-level data (article abstracts and a meta-analysis; "
    "see Methods) — independent of the trial analysed in the other chapters."
)


class Report:
    """The report's view of a results folder.

    Examples
    --------
    >>> import tempfile
    >>> rep = Report(tempfile.mkdtemp())
    >>> "Not available" in rep.table("consort")
    True
    >>> "Provenance unknown" in rep.banner()
    True
    """

    def __init__(self, root: str | Path | ResultsReader) -> None:
        self.reader = root if isinstance(root, ResultsReader) else ResultsReader(root)

    @classmethod
    def from_env(cls) -> Report:
        """The results folder named by ``$BAYES_IRIS_RESULTS``."""
        return cls(ResultsReader.from_env())

    # -- provenance --------------------------------------------------------------------------
    def banner(self) -> h.HTMLFragment:
        """The provenance banner (red SYNTHETIC banner for synthetic trials)."""
        return h.banner(self.reader.provenance_label, self.reader.provenance_kind)

    def published_banner(self) -> h.HTMLFragment:
        return h.box("info", "Published summary data", PUBLISHED_NOTE)

    # -- steps -------------------------------------------------------------------------------
    def _step_for(self, relpath: str, step: str | None) -> str | None:
        if step:
            return step
        state = self.reader.artefact(relpath)
        if state.stem:
            return state.stem
        spec = step_of_artefact(relpath)
        return spec.stem if spec else None

    def step_status(self, stem: str, *, quiet_ok: bool = False) -> h.HTMLFragment:
        """A box saying whether step ``stem`` ran, failed, left stale artefacts or warned."""
        st = self.reader.step_state(stem)
        title = STEP_BY_STEM[stem].title if stem in STEP_BY_STEM else stem
        if st.state == "ok":
            if quiet_ok:
                return h.HTMLFragment("")
            rec = st.record or {}
            return h.box(
                "ok",
                f"Step {stem} ({title}): ok",
                f"finished {rec.get('finished', '?')}, seed {rec.get('seed', '?')}",
            )
        kind = {
            "warning": "warning",
            "stale": "warning",
            "failed": "error",
            "missing": "error",
        }.get(st.state, "unavailable")
        head = {
            "warning": f"Warning — step {stem}: diagnostics flagged a problem",
            "stale": f"Warning — step {stem}: stale artefacts",
            "failed": f"Not available: step {stem} failed",
            "missing": f"Not available: step {stem} does not exist (analyses/{stem}.py)",
            "not-run": f"Not available: step {stem} has not run",
        }[st.state]
        return h.box(kind, head, st.messages)

    def unavailable(self, relpath: str, step: str | None = None) -> h.HTMLFragment:
        """The "not available" box of ``relpath`` (which step should have written it, and why
        it did not)."""
        return self._unavailable(relpath, step)

    def _unavailable(self, relpath: str, step: str | None) -> h.HTMLFragment:
        stem = self._step_for(relpath, step)
        if stem is None:
            return h.box("unavailable", f"Not available: {relpath} has not been produced")
        st = self.reader.step_state(stem)
        if st.state == "missing":
            reason = f"analyses/{stem}.py does not exist"
        elif st.state in {"failed", "stale"}:
            reason = f"step {stem} failed"
        elif st.state == "not-run":
            reason = f"step {stem} has not run"
        else:
            reason = f"step {stem} ran but did not write it"
        return h.box(
            "unavailable",
            f"Not available: {relpath} ({reason})",
            st.messages[:1] if st.state not in {"ok", "missing"} else [],
        )

    def _stale_note(self, relpath: str) -> h.HTMLFragment | None:
        art = self.reader.artefact(relpath)
        if art.state == "modified":
            return h.box(
                "warning",
                f"Warning — {relpath} was modified after step {art.stem} recorded it (stale)",
            )
        if art.stem:
            st = self.reader.step_state(art.stem)
            if st.state == "stale":
                return h.box("warning", f"Warning — {relpath} may be stale", st.messages)
        return None

    # -- artefacts ---------------------------------------------------------------------------
    def data(self, name: str) -> pd.DataFrame | None:
        """The raw table (for chunks that need to choose rows), or ``None``."""
        return self.reader.read_table(name)

    def csv(self, name: str, rows: int | None = None) -> h.HTMLFragment:
        """A download link of the full ``tables/<name>.csv`` (embedded), or nothing."""
        path = self.reader.table_path(name)
        if not path.is_file():
            return h.HTMLFragment("")
        data = path.read_bytes()
        if rows is None:
            rows = max(data.count(b"\n") - 1, 0)
        return h.csv_link(data, f"{name}.csv", rows)

    def table(
        self,
        name: str,
        *,
        step: str | None = None,
        caption: str | None = None,
        columns: Sequence[str] | None = None,
        where: Mapping[str, Any] | None = None,
        sort: Sequence[str] | None = None,
        digits: int = 3,
        max_rows: int | None = 15,
        highlight: Mapping[str, Sequence[str]] | None = None,
        pivot: Mapping[str, Any] | None = None,
        collapsed: bool = False,
        transpose: str | None = None,
        frame: pd.DataFrame | None = None,
        note: str | None = None,
    ) -> h.HTMLFragment:
        """``tables/<name>.csv`` as an escaped HTML table, or a "not available" box.

        ``where`` keeps rows whose column equals the value (or is in the list); a filter on a
        column the table does not have is ignored. ``columns`` picks and orders the columns that
        exist. ``pivot={"index": [...], "columns": col, "values": col}`` reshapes a long table to
        wide (one column per value of ``columns``, in order of appearance) when those columns
        exist. ``transpose=<column>`` turns the table on its side (one column per value of that
        column, one row per other column: narrow tables of counts). ``frame`` replaces the file's
        rows by a view a chunk built from :meth:`data` (the full CSV is still linked). The
        ``provenance`` column is summarised in the caption. At most ``max_rows`` rows are shown;
        the full CSV can always be downloaded from beside the table. ``collapsed=True`` folds
        the table into a ``<details>`` element (for long reference tables).
        """
        rel = f"tables/{name}.csv"
        df = self.reader.read_table(name)
        if df is None:
            return self._unavailable(rel, step)
        total = len(df)
        provenance = sorted(set(df["provenance"].astype(str))) if "provenance" in df else []
        if frame is not None:
            df = frame
        for col, want in (where or {}).items():
            if col in df.columns:
                values = list(want) if isinstance(want, list | tuple | set) else [want]
                mask = df[col].astype(str).isin([str(v) for v in values])
                if mask.any():
                    df = df[mask]
        if sort:
            keys = [c for c in sort if c in df.columns]
            if keys:
                df = df.sort_values(keys, kind="stable")
        if pivot:
            df = _pivot(df, pivot)
        if columns:
            keep = [c for c in columns if c in df.columns]
            df = df[keep] if keep else df
        df = df.drop(columns=[c for c in ("provenance",) if c in df.columns])
        if transpose and transpose in df.columns:
            df = _transpose(df, transpose)
        cap = caption or name
        if provenance:
            cap += f" [provenance: {', '.join(provenance)}]"
        body = h.table(
            df,
            caption=None if collapsed else cap,
            digits=digits,
            max_rows=max_rows,
            highlight=highlight,
            csv=self.csv(name, total),
            note=note,
        )
        if collapsed:
            body = h.details(f"{cap} — {len(df)} rows (click to show)", body)
        return h.join(self._stale_note(rel), body)

    def figure(
        self, name: str, *, step: str | None = None, caption: str | None = None
    ) -> h.HTMLFragment:
        """``figures/<name>.png`` embedded as base64, or a "not available" box."""
        rel = f"figures/{name}.png"
        path = self.reader.figure_path(name)
        if not path.is_file():
            return self._unavailable(rel, step)
        try:
            fig = h.figure(path, caption=caption or name, name=name)
        except (ValueError, OSError) as err:
            return h.box("error", f"Not available: {rel} is not a readable PNG", str(err))
        return h.join(self._stale_note(rel), fig)

    def patients_by_site(self, *, step: str = "01_data") -> h.HTMLFragment:
        """Patients per recruiting site and arm, counted from ``tables/labs_long.csv``."""
        rel = "tables/labs_long.csv"
        df = self.reader.read_table("labs_long")
        if df is None:
            return self._unavailable(rel, step)
        need = {"patient_id", "site", "arm"}
        if not need <= set(df.columns):
            return h.box(
                "unavailable",
                f"Not available: {rel} has no columns {', '.join(sorted(need - set(df.columns)))}",
            )
        pts = df.drop_duplicates("patient_id")
        counts = (
            pts.groupby(["site", "arm"], sort=True)
            .size()
            .unstack("arm", fill_value=0)
            .reset_index()
        )
        counts.columns.name = None
        counts["total"] = counts.drop(columns="site").sum(axis=1)
        return h.join(
            self._stale_note(rel),
            h.table(
                counts, caption="Patients with laboratory data, by site and arm", max_rows=None
            ),
        )

    # -- overview ----------------------------------------------------------------------------
    def pipeline_overview(self) -> h.HTMLFragment:
        """One row per step: state, seconds, cached, finished; the run's trial, data hash and
        seed (no local paths)."""
        rows = []
        for stem in self.reader.expected_steps():
            st = self.reader.step_state(stem)
            led = st.ledger or {}
            rec = st.record or {}
            rows.append(
                {
                    "step": stem,
                    "state": st.state,
                    "cached": "yes" if led.get("cached") else ("no" if led else "–"),
                    "seconds": led.get("seconds"),
                    "finished": rec.get("finished") or led.get("finished"),
                    "seed": rec.get("seed", led.get("seed")),
                }
            )
        df = pd.DataFrame(rows)
        bad = [r["step"] for r in rows if r["state"] != "ok"]
        out = [
            h.table(
                df,
                caption="Analysis steps",
                max_rows=None,
                highlight={"state": ["warning", "stale", "failed", "missing", "not-run"]},
            )
        ]
        if bad:
            out.insert(
                0,
                h.box(
                    "warning",
                    "Warning — not every step is complete and ok",
                    [f"{s}: {self.reader.step_state(s).state}" for s in bad],
                ),
            )
        run = self.reader.ledger.get("run", {})
        if run:
            out.append(h.box("info", "Pipeline run", self.run_facts()))
            if run.get("fast"):
                out.append(h.box(
                    "warning", "Smoke-test budgets (--fast)",
                    "This run used the small sampler and simulation budgets of --fast: its "
                    "numbers are for checking the pipeline, not for decisions."))
        return h.join(*out)

    def run_facts(self) -> list[str]:
        """The run in a few lines: trial, data hash, seed, when — never a local path."""
        run = self.reader.ledger.get("run", {})
        data = self.reader.step_record("01_data") or {}
        digest = data.get("inputs_hash")
        facts = [f"trial: {self.reader.trial_name}"]
        facts.append(f"data hash (sha256 of the validated trial): {digest[:16]}…" if digest
                     else "data hash: not recorded (step 01 has not run)")
        facts.append(f"run seed: {run.get('seed', '?')}")
        if run.get("strict"):
            facts.append("--strict: diagnostics failures stop the run")
        if run.get("started"):
            facts.append(f"started {run.get('started')}")
        return facts

    def diagnostics(self) -> h.HTMLFragment:
        """All ``diagnostics*.csv`` tables in one, with a warning box when any model fails,
        or when a fitting step failed, is stale or has not run."""
        tables = self.reader.diagnostics_tables()
        out: list[str] = []
        problems: list[str] = []
        frames = []
        for name, df in tables:
            df = df.copy()
            df.insert(0, "table", name.removeprefix("diagnostics_").removeprefix("diagnostics"))
            frames.append(df)
        for stem in ("02_trajectories", "03_adverse_events"):
            st = self.reader.step_state(stem)
            if st.state != "ok":
                problems.append(
                    f"step {stem}: {st.state}" + (f" — {st.messages[0]}" if st.messages else "")
                )
        if frames:
            df = pd.concat(frames, ignore_index=True, sort=False)
            cols = ["table", *[c for c in DIAGNOSTICS_COLUMNS if c in df.columns]]
            df = df[cols + [c for c in df.columns if c not in cols and c != "provenance"]]
            if "status" in df.columns:
                status = df["status"].astype(str)
                for _, row in df[status != "ok"].iterrows():
                    msg = row.get("messages", "")
                    msg = "" if pd.isna(msg) else f": {msg}"
                    problems.append(
                        f"{row.get('table')}/{row.get('model', '?')}: {row.get('status')}{msg}"
                    )
                flagged = sorted(set(status) - {"ok"})
            else:
                flagged = []
            out.append(
                h.table(
                    df,
                    caption="MCMC diagnostics per fitted model",
                    max_rows=None,
                    highlight={"status": flagged},
                )
            )
        else:
            out.append(
                h.box(
                    "unavailable",
                    "Not available: no diagnostics tables (steps 02 and 03 have not run or failed)",
                )
            )
        if problems:
            out.insert(
                0,
                h.box(
                    "warning",
                    "Warning — diagnostics do not all pass: conclusions "
                    "from the flagged fits are not reliable",
                    problems,
                ),
            )
        else:
            out.insert(0, h.box("ok", "All fitted models pass the diagnostics gate"))
        return h.join(*out)

    def versions(self) -> h.HTMLFragment:
        """Package versions recorded in the manifest."""
        versions = self.reader.manifest.get("versions")
        if not isinstance(versions, dict) or not versions:
            return h.box("unavailable", "Not available: no package versions recorded")
        df = pd.DataFrame(
            {"package": list(versions), "version": [str(v) for v in versions.values()]}
        )
        return h.table(df, caption="Package versions", max_rows=None)


def _pivot(df: pd.DataFrame, spec: Mapping[str, Any]) -> pd.DataFrame:
    """Long → wide for display; returns ``df`` unchanged when the columns are not all there."""
    index = [c for c in spec.get("index", []) if c in df.columns]
    col, val = spec.get("columns"), spec.get("values")
    if not index or col not in df.columns or val not in df.columns:
        return df
    order = list(dict.fromkeys(df[col].astype(str)))
    keys = df[index].astype(str).fillna("")
    long = df.assign(
        **{c: keys[c].replace({"nan": ""}) for c in index}, **{col: df[col].astype(str)}
    )
    wide = long.pivot_table(index=index, columns=col, values=val, aggfunc="first", sort=False)
    wide = wide.reindex(columns=[c for c in order if c in wide.columns]).reset_index()
    wide.columns.name = None
    return wide


def _transpose(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """One column per row of ``df`` (named by its ``by`` value(s)), one row per other column."""
    from .labels import column_label, value_label

    keys = [by] + [c for c in ("regimen",) if c in df.columns and c != by]
    rows_per = df[by].astype(str).value_counts()
    names = []
    for _, r in df[keys].iterrows():
        parts = [str(value_label(k, r[k])) for k in keys]
        alone = rows_per.get(str(r[by]), 0) == 1  # one row for this arm: no regimen needed
        if len(parts) > 1 and (alone or parts[1].lower() == parts[0].lower()):
            parts = parts[:1]
        names.append(parts[0] if len(parts) == 1 else f"{parts[0]} ({parts[1]})")
    body = df.drop(columns=keys)
    out = pd.DataFrame({"": [column_label(c) for c in body.columns]})
    for name, (_, r) in zip(names, body.iterrows(), strict=True):
        out[name] = list(r.to_numpy())
    return out
