"""The batch run's settings, read from a TOML file (``tomllib``) and overridden by CLI flags.

Keys (every one optional; an unknown key or section is a one-line :class:`ConfigError`)::

    [batch]
    input_dir = "pages/"         # INPUT_DIR when the command line gives none
    state_dir = "state/"         # --state
    out_dir = "out/"             # -o/--output
    engine = "local"             # --engine: local | dask
    scheduler = "tcp://host:8786"  # --scheduler: join this Dask cluster
    workers = 2                  # LocalCluster workers when no scheduler is given
    processes = true             # LocalCluster workers are processes (false: threads)
    part_bytes = 8388608         # page bytes per Parquet part (and per engine task)
    page_format = "disqus_text"  # a registered page format; detected per file when absent
    report_formats = ["md", "html", "json"]  # [] writes no reports
    retire_deleted = true        # a page deleted from INPUT_DIR loses its rows, reports and index line
    labels = "labels/labels.sqlite"  # label store: reports follow moderators' final decisions

    [score]
    toxicity = "auto"            # as `modkit score --toxicity`
    conspiracy = "auto"          # as `modkit score --conspiracy`
    context = true               # score replies with their parent's text

    [score.thresholds]
    toxicity = 0.7               # as `modkit score --threshold ATTR=VALUE`

    [report]                     # the settings of modkit.report.ReportConfig
    toxic_threshold = 0.6
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from modkit.errors import ConfigError
from modkit.registry import unknown_name

__all__ = ["BatchConfig", "load_config", "ENGINES", "DEFAULT_PART_BYTES", "DEFAULT_WORKERS"]

ENGINES = ("local", "dask")
#: Page bytes per part: about 60,000 generated replies, small enough that a part's
#: rows and scores sit comfortably in memory, large enough to avoid many tiny files.
DEFAULT_PART_BYTES = 8 * 2**20
#: Workers of the LocalCluster the dask engine starts when no scheduler is given.
DEFAULT_WORKERS = 2

_BATCH_KEYS = {"input_dir", "state_dir", "out_dir", "engine", "scheduler", "workers", "processes",
               "part_bytes", "page_format", "report_formats", "retire_deleted", "labels"}
_SCORE_KEYS = {"toxicity", "conspiracy", "context", "thresholds"}
_SECTIONS = {"batch", "score", "report"}


@dataclass(frozen=True)
class BatchConfig:
    """Settings of :func:`modkit.batch.run_batch`; see the module docstring for the TOML keys.

    Examples
    --------
    >>> BatchConfig.from_dict({"score": {"toxicity": "none"}}).toxicity
    'none'
    >>> BatchConfig.from_dict({"batch": {"engin": "dask"}})
    Traceback (most recent call last):
    ...
    modkit.errors.ConfigError: unknown key 'batch.engin'; valid keys: ...
    """

    input_dir: Path | None = None
    state_dir: Path | None = None
    out_dir: Path | None = None
    engine: str = "local"
    scheduler: str | None = None
    workers: int = DEFAULT_WORKERS
    processes: bool = True
    part_bytes: int = DEFAULT_PART_BYTES
    page_format: str | None = None
    report_formats: tuple[str, ...] = ("md", "html", "json")
    retire_deleted: bool = True
    labels: Path | None = None
    toxicity: str = "auto"
    conspiracy: str = "auto"
    context: bool = True
    thresholds: dict[str, float] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "config") -> BatchConfig:
        """A config from the parsed TOML document (sections ``batch``, ``score``, ``report``)."""
        for section, body in data.items():
            if section not in _SECTIONS:
                raise ConfigError(f"{source}: unknown section [{section}]; valid sections: "
                                  f"{', '.join(sorted(_SECTIONS))}")
            if not isinstance(body, Mapping):
                raise ConfigError(f"{source}: [{section}] must be a table of settings")
        batch, scoring = dict(data.get("batch", {})), dict(data.get("score", {}))
        for section, body, keys in (("batch", batch, _BATCH_KEYS), ("score", scoring, _SCORE_KEYS)):
            for key in body:
                if key not in keys:
                    raise ConfigError(f"unknown key '{section}.{key}'; valid keys: {', '.join(sorted(keys))}")
        values: dict[str, Any] = {}
        for key in ("input_dir", "state_dir", "out_dir", "labels"):
            if key in batch:
                values[key] = Path(_typed(batch[key], str, f"batch.{key}"))
        for key in ("engine", "scheduler", "page_format"):
            if key in batch:
                values[key] = _typed(batch[key], str, f"batch.{key}")
        for key in ("workers", "part_bytes"):
            if key in batch:
                values[key] = _typed(batch[key], int, f"batch.{key}")
        for key in ("processes", "retire_deleted"):
            if key in batch:
                values[key] = _typed(batch[key], bool, f"batch.{key}")
        if "report_formats" in batch:
            fmts = batch["report_formats"]
            if isinstance(fmts, str) or not all(isinstance(f, str) for f in fmts):
                raise ConfigError("batch.report_formats must be a list of names, e.g. [\"md\", \"html\"]")
            values["report_formats"] = tuple(fmts)
        for key in ("toxicity", "conspiracy"):
            if key in scoring:
                values[key] = _typed(scoring[key], str, f"score.{key}")
        if "context" in scoring:
            values["context"] = _typed(scoring["context"], bool, "score.context")
        if "thresholds" in scoring:
            th = scoring["thresholds"]
            if not isinstance(th, Mapping):
                raise ConfigError("score.thresholds must be a table of ATTR = VALUE")
            values["thresholds"] = {k: float(_typed(v, (int, float), f"score.thresholds.{k}"))
                                    for k, v in th.items()}
        if "report" in data:
            values["report"] = dict(data["report"])
        return cls(**values).checked()

    def checked(self) -> BatchConfig:
        """Raise :class:`ConfigError` on values no run can use; returns ``self``.

        Examples
        --------
        >>> BatchConfig(engine="spark").checked()
        Traceback (most recent call last):
        ...
        modkit.errors.ConfigError: Unknown engine 'spark'; choose one of: local, dask.
        >>> BatchConfig(engine="dsk").checked()
        Traceback (most recent call last):
        ...
        modkit.errors.ConfigError: Unknown engine 'dsk'; did you mean 'dask'? choose one of: local, dask.
        """
        if self.engine not in ENGINES:
            raise ConfigError(unknown_name("engine", self.engine, list(ENGINES)))
        if self.workers < 1:
            raise ConfigError(f"batch.workers={self.workers} must be at least 1")
        if self.part_bytes < 1:
            raise ConfigError(f"batch.part_bytes={self.part_bytes} must be at least 1")
        return self

    def override(self, **values: Any) -> BatchConfig:
        """A copy with every non-``None`` value replaced (how CLI flags win over the file).

        Examples
        --------
        >>> BatchConfig(engine="dask").override(engine=None, scheduler="tcp://h:8786").engine
        'dask'
        """
        known = {f.name for f in fields(self)}
        given = {k: v for k, v in values.items() if v is not None and k in known}
        return replace(self, **given).checked()


def _typed(value: Any, kind: type | tuple[type, ...], key: str) -> Any:
    # bool is an int in Python; a TOML `true` must not pass as a number (or a number as a flag).
    wrong_bool = isinstance(value, bool) and kind is not bool
    if not isinstance(value, kind) or wrong_bool or (kind is bool and not isinstance(value, bool)):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ConfigError(f"{key} = {value!r} must be a {names}")
    return value


def load_config(path: str | Path | None) -> BatchConfig:
    """Read a TOML config file; ``None`` gives the defaults.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "modkit.toml")
    >>> _ = open(p, "w").write("[batch]\\nengine = 'dask'\\n[score.thresholds]\\ntoxicity = 0.7\\n")
    >>> cfg = load_config(p)
    >>> cfg.engine, cfg.thresholds
    ('dask', {'toxicity': 0.7})
    """
    if path is None:
        return BatchConfig()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read TOML ({exc})") from None
    return BatchConfig.from_dict(data, str(path))
