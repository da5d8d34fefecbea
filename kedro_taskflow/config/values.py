"""The checks of airflow.yml's values: each takes the YAML value and returns it as the plan holds it,
or raises ``Invalid`` with what it expected and an example (parsing names the key and the file).
``checked`` applies them to a mapping, naming unknown keys with a did-you-mean."""

from __future__ import annotations

import datetime
import math
import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kedro_taskflow.config.where import Where, did_you_mean

Check = Callable[[object], object]


class Invalid(ValueError):
    """A value a check refuses: ``must be <expected>, not <value>: write e.g. `<key>: <example>```."""

    def __init__(self, expected: str, example: str) -> None:
        super().__init__(expected)
        self.expected, self.example = expected, example


def whole(minimum: int, example: int) -> Callable[[object], int]:
    def check(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise Invalid(f"a whole number >= {minimum}", str(example))
        return value

    return check


def minutes(value: object) -> int | float:
    """Finite and positive (``.inf`` would be written as the bare name ``inf``); whole ones as ints."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise Invalid("a number of minutes > 0", "5")
    return int(value) if float(value).is_integer() else float(value)


def flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise Invalid("true or false", "false")
    return value


def text(example: str) -> Callable[[object], str]:
    def check(value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            raise Invalid("a non-empty string", example)
        return value

    return check


def one_of(choices: tuple[str, ...], example: str | None = None) -> Callable[[object], str]:
    def check(value: object) -> str:
        if value not in choices:
            raise Invalid(f"one of {', '.join(choices)}", example or choices[0])
        return next(c for c in choices if c == value)

    return check


def absolute(example: str) -> Callable[[object], str]:
    def check(value: object) -> str:
        if not isinstance(value, str) or not value.startswith("/"):
            raise Invalid("an absolute path", example)
        return value

    return check


def strings(what: str, example: str) -> Callable[[object], tuple[str, ...]]:
    def check(value: object) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(r, str) and r.strip() for r in value):
            raise Invalid(what, example)
        return tuple(value)

    return check


def start_date(value: object) -> tuple[int, int, int]:
    dates = "a date as [year, month, day]", "[2024, 1, 1]"
    if not isinstance(value, list | tuple) or len(value) != 3:
        raise Invalid(*dates)
    year, month, day = value
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (year, month, day)):
        raise Invalid(*dates)
    try:
        datetime.date(year, month, day)
    except ValueError:
        raise Invalid(*dates) from None
    return (year, month, day)


@dataclass(frozen=True)
class OnPipeline:
    """``schedule: {pipeline: <name>}``: run when that pipeline's DAG has saved all its datasets."""

    pipeline: str
    outputs: tuple[str, ...] = ()  # what the pipeline's nodes save, filled in by ``parse``


PRESETS = ("@once", "@continuous", "@hourly", "@daily", "@weekly", "@monthly", "@quarterly", "@yearly")
_CRON_FIELD = re.compile(r"[0-9A-Za-z*/,?#LW-]+")


def schedule(value: object) -> str | tuple[str, ...] | OnPipeline | None:
    if value is None:
        return None
    if isinstance(value, Mapping) and set(value) == {"datasets"}:
        names = value["datasets"]
        if isinstance(names, list) and names and all(isinstance(n, str) and n for n in names):
            return tuple(names)  # catalog datasets: the DAG runs when they have all been updated
    if isinstance(value, Mapping) and set(value) == {"pipeline"} and isinstance(value["pipeline"], str):
        return OnPipeline(value["pipeline"])
    if isinstance(value, str):
        if value in PRESETS:
            return value
        fields = value.split()
        if len(fields) == 5 and all(_CRON_FIELD.fullmatch(f) for f in fields):
            return " ".join(fields)
    raise Invalid(
        "null, a cron expression of 5 fields, {datasets: [<catalog datasets>]}, {pipeline: <name>} or one of "
        + ", ".join(PRESETS),
        '"0 6 * * *"',
    )


def valid_uri(uri: object) -> bool:
    """What Airflow accepts as a Dataset/Asset URI, and says what it is: scheme://... in ASCII."""
    if not isinstance(uri, str) or not uri.isascii() or any(c.isspace() for c in uri):
        return False
    parsed = urllib.parse.urlsplit(uri)
    return (
        bool(re.fullmatch(r"[a-z][a-z0-9+.-]*", parsed.scheme))
        and parsed.scheme != "airflow"
        and ("@" not in parsed.netloc)
    )


def uris(value: object) -> dict[str, str]:
    example = '{companies: "s3://bucket/companies.csv"}'
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise Invalid("a mapping of catalog dataset names to URIs", example)
    checked = {}
    for name, uri in value.items():
        if not valid_uri(uri):
            raise Invalid(
                "a mapping of dataset names to URIs (ASCII, a scheme other than airflow, no credentials)",
                example,
            )
        checked[name] = uri
    return checked


def checked(body: Mapping, where: Where, checks: Mapping[str, Check | None]) -> dict[str, object]:
    """``body``'s values, each key known (else a did-you-mean) and its value checked, in ``body``'s
    order, so the first problem is the first one in the file. A ``None`` check: known, checked elsewhere."""
    values = {}
    for key, value in body.items():
        at = where.at(str(key))
        if key not in checks:
            raise at.error("is not a known key", did_you_mean(str(key), list(checks), "known keys are"))
        check = checks[key]
        if check is None:
            continue
        try:
            values[key] = check(value)
        except Invalid as bad:
            raise at.error(
                f"must be {bad.expected}, not {value!r}", f"write e.g. `{key}: {bad.example}`"
            ) from None
    return values
