"""Render the Quarto report in ``report/`` into ONE self-contained HTML file.

Two engines produce the same document from the same sources:

``quarto``
    ``quarto render report/ --to html --output-dir <tmp>`` with ``BAYES_IRIS_RESULTS`` pointing at
    the results folder and ``QUARTO_PYTHON`` at this interpreter; ``_quarto.yml`` asks for
    ``embed-resources: true``.
``jupyter`` (the fallback, used when no ``quarto`` binary is on ``PATH``)
    ``index.qmd`` with its ``{{< include >}}`` shortcodes expanded (the chapter order is the
    include order, as in Quarto), read with jupytext's R Markdown reader (which understands
    ```` ```{python} ```` chunks), chunk options ``#| echo/output/include/eval/warning``
    honoured with the project defaults of ``_quarto.yml`` (``execute:``), executed by nbclient in
    an IPython kernel of this very interpreter (a private kernelspec; ``ipykernel`` is needed),
    converted by nbconvert's body-only "basic"
    template (no require.js, no MathJax, no CDN) and wrapped in a page with the report's CSS
    inlined and a table of contents.

Either way the result is written atomically, and a chunk that raised shows up as a red box in
the report (and in :attr:`RenderResult.errors`) rather than aborting the render.
"""

from __future__ import annotations

import html as _html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from .. import atomic
from ..errors import BayesIrisError, InputError, Problem
from ..results.reader import RESULTS_ENV

Engine = Literal["auto", "quarto", "jupyter"]
KERNEL_NAME = "bayes-iris-report"

_INCLUDE = re.compile(r"^\s*\{\{<\s*include\s+(\S+?)\s*>\}\}\s*$", re.MULTILINE)
_OPTION = re.compile(r"^#\|\s*([A-Za-z0-9_.-]+)\s*:\s*(.*?)\s*$")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
EXTERNAL_REF = re.compile(
    r"""<(?:script|link|img|iframe|source|embed|object)\b[^>]*?\b(?:src|href|data)\s*=\s*["']?"""
    r"""(?:https?:)?//""",
    re.IGNORECASE,
)


class RenderError(BayesIrisError):
    """The renderer itself failed (quarto exited non-zero, the kernel could not start, ...)."""


@dataclass
class RenderResult:
    """Where the report went, which engine made it, and the chunks that raised (if any)."""

    path: Path
    engine: str
    errors: list[str] = field(default_factory=list)


def report_source_dir() -> Path:
    """The Quarto project ``report/`` of the checkout."""
    from ..paths import repo_root

    return repo_root() / "report"


def quarto_binary() -> str | None:
    return shutil.which("quarto")


def render_report(
    results_dir: str | Path,
    out_html: str | Path | None = None,
    engine: Engine = "auto",
    *,
    report_dir: str | Path | None = None,
    timeout: int = 600,
) -> Path:
    """Render the report on ``results_dir`` into one self-contained HTML file and return its path.

    Parameters
    ----------
    results_dir : path
        A results folder (``results/<trial>``) written by the analysis steps.
    out_html : path, optional
        Output file; default ``<results_dir>/report.html``.
    engine : {"auto", "quarto", "jupyter"}
        "auto" uses quarto when a ``quarto`` binary is on ``PATH``, else the Jupyter fallback.
    report_dir : path, optional
        The Quarto project (default ``report/`` of the checkout).
    timeout : int
        Seconds allowed per chunk (fallback) or for the whole quarto run (x10).

    Examples
    --------
    Skipped in the test run (renders a notebook: about a minute):

    >>> import tempfile, pathlib
    >>> out = render_report(tempfile.mkdtemp(), engine="jupyter")  # doctest: +SKIP
    >>> out.suffix  # doctest: +SKIP
    '.html'
    """
    return render_report_detailed(
        results_dir, out_html, engine, report_dir=report_dir, timeout=timeout
    ).path


def render_report_detailed(
    results_dir: str | Path,
    out_html: str | Path | None = None,
    engine: Engine = "auto",
    *,
    report_dir: str | Path | None = None,
    timeout: int = 600,
) -> RenderResult:
    """As :func:`render_report`, returning a :class:`RenderResult` (engine used, chunk errors)."""
    results = Path(results_dir).resolve()
    if not results.is_dir():
        raise InputError(
            Problem(
                "results folder not found",
                file=results,
                hint="run `bayes-iris run` first, or pass --results",
            )
        )
    src = Path(report_dir).resolve() if report_dir else report_source_dir()
    if not (src / "index.qmd").is_file():
        raise InputError(Problem("report sources not found (no index.qmd)", file=src))
    out = Path(out_html).resolve() if out_html else results / "report.html"
    if engine not in ("auto", "quarto", "jupyter"):
        raise InputError(
            Problem(
                f"unknown engine {engine!r}", column="engine", hint="use auto, quarto or jupyter"
            )
        )
    use = engine
    if engine == "auto":
        use = "quarto" if quarto_binary() else "jupyter"
    if use == "quarto":
        return _render_quarto(src, results, out, timeout * 10)
    return _render_jupyter(src, results, out, timeout)


# -- quarto ---------------------------------------------------------------------------------------
def quarto_command(quarto: str, report_dir: Path, output_dir: Path) -> list[str]:
    """The command line the quarto engine runs."""
    return [quarto, "render", str(report_dir), "--to", "html", "--output-dir", str(output_dir)]


def _kernel_env(results: Path) -> dict[str, str]:
    env = dict(os.environ)
    env[RESULTS_ENV] = str(results)
    env.setdefault("MPLBACKEND", "Agg")
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def _render_quarto(src: Path, results: Path, out: Path, timeout: int) -> RenderResult:
    quarto = quarto_binary()
    if quarto is None:
        raise InputError(
            Problem(
                "engine 'quarto' requested but no quarto binary is on PATH",
                column="engine",
                hint="install Quarto or use --engine jupyter",
            )
        )
    env = _kernel_env(results)
    env["QUARTO_PYTHON"] = sys.executable
    with tempfile.TemporaryDirectory(prefix="bayes-iris-quarto-") as tmp:
        cmd = quarto_command(quarto, src, Path(tmp))
        try:
            proc = subprocess.run(
                cmd, cwd=src, env=env, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as err:
            raise RenderError(f"quarto render timed out after {timeout} s") from err
        if proc.returncode != 0:
            raise RenderError(
                f"quarto render failed (exit {proc.returncode}):\n"
                f"{(proc.stderr or proc.stdout)[-4000:]}"
            )
        produced = Path(tmp) / "index.html"
        if not produced.is_file():
            found = sorted(Path(tmp).rglob("*.html"))
            if not found:
                raise RenderError("quarto render produced no HTML file")
            produced = found[0]
        text = produced.read_text(encoding="utf-8")
    errors = re.findall(r"class=.bi-chunk-error", text)
    atomic.write_text(out, text)
    return RenderResult(out, "quarto", [f"chunk error {i + 1}" for i in range(len(errors))])


# -- jupyter fallback -------------------------------------------------------------------------------
def expand_includes(text: str, base: Path, _depth: int = 0) -> str:
    """Replace ``{{< include file.qmd >}}`` lines by the file's text (recursively, inside
    ``base`` only).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "a.qmd").write_text("# A")
    >>> expand_includes("x\\n{{< include a.qmd >}}\\ny", d)
    'x\\n# A\\n\\ny'
    """
    if _depth > 10:
        raise InputError(Problem("include shortcodes nested too deeply", file=base))

    def sub(m: re.Match[str]) -> str:
        target = (base / m.group(1)).resolve()
        if not target.is_relative_to(base.resolve()) or not target.is_file():
            raise InputError(Problem(f"include target not found: {m.group(1)}", file=base))
        return expand_includes(target.read_text(encoding="utf-8"), base, _depth + 1) + "\n"

    return _INCLUDE.sub(sub, text)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """``(yaml front matter, body)`` of a .qmd text."""
    m = re.match(r"^---\s*\n(.*?)\n---\s*\n", text, re.DOTALL)
    if not m:
        return {}, text
    meta = yaml.safe_load(m.group(1)) or {}
    return (meta if isinstance(meta, dict) else {}), text[m.end() :]


def _truthy(value: str) -> bool | str:
    v = value.strip().strip("\"'").lower()
    if v in {"true", "yes"}:
        return True
    if v in {"false", "no"}:
        return False
    return v


def chunk_options(source: str) -> tuple[dict[str, Any], str]:
    """Split quarto's leading ``#| key: value`` lines off a chunk's source.

    Examples
    --------
    >>> chunk_options("#| echo: true\\n#| label: x\\nprint(1)")
    ({'echo': True, 'label': 'x'}, 'print(1)')
    """
    opts: dict[str, Any] = {}
    lines = source.splitlines()
    i = 0
    while i < len(lines) and (m := _OPTION.match(lines[i])):
        opts[m.group(1)] = _truthy(m.group(2))
        i += 1
    return opts, "\n".join(lines[i:])


def qmd_to_notebook(
    text: str, defaults: dict[str, Any] | None = None
) -> tuple[Any, dict[str, Any]]:
    """Parse a (fully included) .qmd text into a notebook with chunk options applied as tags.

    Returns ``(notebook, front matter)``.
    """
    import jupytext

    meta, body = split_front_matter(text)
    nb = jupytext.reads(body, fmt="Rmd")
    defaults = {
        "echo": False,
        "warning": True,
        "output": True,
        "include": True,
        "eval": True,
        **(defaults or {}),
    }
    for cell in nb.cells:
        if cell.cell_type == "raw":  # a stray YAML block: not part of the document
            cell.cell_type, cell.source = "markdown", ""
            continue
        if cell.cell_type != "code":
            continue
        opts, cell.source = chunk_options(cell.source)
        eff = {**defaults, **opts}
        tags = set(cell.metadata.get("tags", []))
        if eff["include"] is False:
            tags.add("remove-cell")
        if eff["echo"] is False:
            tags.add("remove-input")
        if eff["output"] is False:
            tags.add("remove-output")
        if eff["eval"] is False:
            tags.add("skip-execution")
        if eff["warning"] is False:
            tags.add("no-warnings")
        cell.metadata["tags"] = sorted(tags)
    return nb, meta


def _clean_outputs(nb: Any) -> list[str]:
    """Drop warnings where asked and turn chunk errors into visible, escaped error boxes."""
    from nbformat.v4 import new_output

    from .html import box

    errors: list[str] = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tags = set(cell.metadata.get("tags", []))
        outputs = []
        for out in cell.get("outputs", []):
            if (
                out.get("output_type") == "stream"
                and out.get("name") == "stderr"
                and ("no-warnings" in tags)
            ):
                continue
            if out.get("output_type") == "error":
                tb = _ANSI.sub("", "\n".join(out.get("traceback", [])))
                errors.append(f"{out.get('ename')}: {out.get('evalue')}")
                frag = box(
                    "error",
                    f"This section failed to render: {out.get('ename')}: {out.get('evalue')}",
                    tb.splitlines()[-8:],
                )
                frag = frag.replace("class='bi-box", "class='bi-chunk-error bi-box", 1)
                outputs.append(new_output("display_data", data={"text/html": frag}))
                continue
            outputs.append(out)
        cell["outputs"] = outputs
        if "remove-output" in tags:
            cell["outputs"] = [o for o in outputs if "bi-chunk-error" in str(o.get("data", {}))]
    return errors


def _toc(body: str) -> tuple[str, str]:
    """Table of contents from the h1/h2 headings nbconvert wrote (with their ids)."""
    items = []
    for level, hid, inner in re.findall(r'<h([12]) id="([^"]+)"[^>]*>(.*?)</h\1>', body, re.DOTALL):
        text = re.sub(r"<a class=.anchor-link.*?</a>", "", inner, flags=re.DOTALL)
        text = re.sub(r"<[^>]+>", "", text).strip()
        items.append(
            f"<li class='toc-h{level}'><a href='#{_html.escape(hid, quote=True)}'>{text}</a></li>"
        )
    return "<nav id='TOC' class='bi-toc'><h2>Contents</h2><ul>" + "".join(
        items
    ) + "</ul></nav>", body


def _css(src: Path, config: dict[str, Any]) -> str:
    fmt = (config.get("format") or {}).get("html") or {}
    css = fmt.get("css") or []
    parts = []
    for name in [css] if isinstance(css, str) else css:
        p = (src / name).resolve()
        if p.is_file() and p.is_relative_to(src):
            parts.append(p.read_text(encoding="utf-8"))
    return "\n".join(parts)


def _render_jupyter(src: Path, results: Path, out: Path, timeout: int) -> RenderResult:
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = (
        yaml.safe_load((src / "_quarto.yml").read_text(encoding="utf-8"))
        if (src / "_quarto.yml").is_file()
        else {}
    )
    config = config or {}
    text = expand_includes((src / "index.qmd").read_text(encoding="utf-8"), src)
    defaults = {
        k: v
        for k, v in (config.get("execute") or {}).items()
        if k in {"echo", "warning", "output", "include", "eval"}
    }
    nb, meta = qmd_to_notebook(text, defaults)
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    with tempfile.TemporaryDirectory(prefix="bayes-iris-kernel-") as kdir:
        # A private kernelspec for THIS interpreter (whatever "python3" means elsewhere on the
        # machine), and Unix-socket transport: only this user on this machine can reach it.
        spec_dir = Path(kdir) / "kernels" / KERNEL_NAME
        spec_dir.mkdir(parents=True)
        spec = {
            "argv": [
                sys.executable,
                "-Xfrozen_modules=off",
                "-m",
                "ipykernel_launcher",
                "-f",
                "{connection_file}",
            ],
            "display_name": "bayes-iris report",
            "language": "python",
        }
        (spec_dir / "kernel.json").write_text(json.dumps(spec))
        ksm = KernelSpecManager(kernel_dirs=[str(Path(kdir) / "kernels")])
        km = KernelManager(
            kernel_name=KERNEL_NAME,
            kernel_spec_manager=ksm,
            transport="ipc",
            ip=str(Path(kdir) / "k"),
        )
        client = NotebookClient(
            nb,
            km=km,
            kernel_name=KERNEL_NAME,
            timeout=timeout,
            allow_errors=True,
            resources={"metadata": {"path": str(src)}},
        )
        try:
            client.execute(cwd=str(src), env=_kernel_env(results))
        except Exception as err:  # the kernel itself could not run (missing kernelspec, ...)
            raise RenderError(f"the Jupyter fallback could not execute the report: {err}") from err
        finally:
            if client.kc is not None:
                client.kc.stop_channels()
                client.kc = None
            if km.has_kernel:
                km.shutdown_kernel(now=False)
            km.cleanup_resources()
    errors = _clean_outputs(nb)

    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = {"remove-cell"}
    c.TagRemovePreprocessor.remove_input_tags = {"remove-input"}
    c.TagRemovePreprocessor.remove_all_outputs_tags = {"remove-output"}
    exporter = HTMLExporter(config=c, template_name="basic")
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nb)

    title = str(meta.get("title") or config.get("title") or "Report")
    subtitle = meta.get("subtitle")
    toc, body = _toc(body)
    head_sub = f"<p class='subtitle'>{_html.escape(str(subtitle))}</p>" if subtitle else ""
    page = (
        "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
        "<meta name='generator' content='bayes-iris report (Jupyter fallback renderer)'>\n"
        f"<title>{_html.escape(title)}</title>\n<style>\n{_css(src, config)}\n</style>\n</head>\n"
        f"<body>\n<div class='bi-layout'>{toc}<main class='bi-main'>\n"
        f"<header id='title-block-header'><h1 class='title'>{_html.escape(title)}</h1>{head_sub}"
        f"</header>\n{body}\n</main></div>\n</body>\n</html>\n"
    )
    if EXTERNAL_REF.search(page):
        raise RenderError(
            "the rendered report refers to an external resource: "
            f"{EXTERNAL_REF.search(page).group(0)[:200]}"
        )  # type: ignore[union-attr]
    atomic.write_text(out, page)
    return RenderResult(out, "jupyter", errors)
