"""One front door per engine (issue 11): public names, result objects and error bases.

Each engine package re-exports its entry points, options, results and errors from
``__init__.py``; every result has ``summary()`` (text for a person) and ``to_dict()`` (JSON-ready:
``json.dumps`` takes it as it is); every engine has one error base derived from
:class:`~ruralflow.domain.DomainError`; options use the names ``time_limit_s`` and ``seed``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import json
import math
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from helpers import DAY, tiny_county
from ruralflow.bundle import read_bundle
from ruralflow.domain import County, DomainError

FRONT_DOORS: dict[str, tuple[str, ...]] = {
    "freshness": ("assess", "FreshnessResult", "Journey", "Segment", "FreshnessError"),
    "logistics": (
        "plan",
        "PlanOptions",
        "Plan",
        "Comparison",
        "PlanFigures",
        "LogisticsError",
        "NoFlowsError",
        "PlanOptionError",
    ),
    "siting": (
        "site_county",
        "CountySitingOptions",
        "CountySitingResult",
        "WHATS",
        "maximal_covering",
        "set_covering",
        "p_median",
        "p_center",
        "SitingResult",
        "SolverOptions",
        "SitingError",
    ),
    "matrix": (
        "analyse",
        "MatrixOptions",
        "IOInputs",
        "MatrixResult",
        "ScenarioResult",
        "MatrixError",
        "IOTableError",
    ),
    "trace": (
        "season_events",
        "SeasonOptions",
        "SeasonTrace",
        "BatchTrace",
        "MerkleLog",
        "AppendResult",
        "verify_log",
        "VerifyReport",
        "validate_epcis",
        "EpcisReport",
        "import_document",
        "export_document",
        "verification_view",
        "TraceError",
    ),
    "sharing": (
        "settle",
        "Settlement",
        "fit_price_model",
        "PriceModel",
        "PriceSeries",
        "check_fit",
        "FitCheck",
        "simulate",
        "SimulationResult",
        "compare",
        "Comparison",
        "cheapest_contribution",
        "FundSearch",
        "SharingError",
    ),
    "preprocess": (
        "bill",
        "Billing",
        "grade",
        "GradingResult",
        "schedule",
        "Schedule",
        "match",
        "ChannelPlan",
        "check_names",
        "NameCheck",
        "PreprocessError",
    ),
    "centre": (  # issue 19
        "analyse",
        "CentreAnalysis",
        "eligibility",
        "station_services",
        "ServicesReport",
        "talent_pipeline",
        "TalentReport",
        "CentreError",
    ),
}

ERROR_BASES = {
    "freshness": "FreshnessError",
    "logistics": "LogisticsError",
    "siting": "SitingError",
    "matrix": "MatrixError",
    "trace": "TraceError",
    "sharing": "SharingError",
    "preprocess": "PreprocessError",
    "centre": "CentreError",
}

LIQUAN = Path(__file__).resolve().parents[1] / "src" / "ruralflow" / "examples" / "610425"


@pytest.fixture(scope="module")
def liquan() -> County:
    """The packaged Liquan 礼泉 (610425) bundle."""
    return read_bundle(LIQUAN)


def _check_result(obj: Any) -> dict[str, Any]:
    """``summary()`` is non-empty text and ``to_dict()`` survives ``json.dumps`` unchanged."""
    text = obj.summary()
    assert isinstance(text, str) and text.strip(), type(obj).__name__
    d = obj.to_dict()
    assert isinstance(d, dict) and d, type(obj).__name__
    assert json.loads(json.dumps(d, allow_nan=False)) == json.loads(json.dumps(d))
    return d


# --------------------------------------------------------------------------- public names
@pytest.mark.parametrize("engine", sorted(FRONT_DOORS))
def test_front_door_names_are_importable(engine: str) -> None:
    """Every entry point, result and error of an engine is a name of its package."""
    pkg = importlib.import_module(f"ruralflow.{engine}")
    missing = [n for n in FRONT_DOORS[engine] if not hasattr(pkg, n)]
    assert not missing, f"ruralflow.{engine} lacks {missing}"
    listed = getattr(pkg, "__all__", None)
    if listed is not None:
        assert set(FRONT_DOORS[engine]) <= set(listed)
        for name in listed:
            getattr(pkg, name)


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("engine", sorted(ERROR_BASES))
def test_each_engine_has_one_error_base_under_domain_error(engine: str) -> None:
    """The engine's base is a DomainError, and every exception class it exports derives from
    that base (and so from DomainError, a ValueError)."""
    pkg = importlib.import_module(f"ruralflow.{engine}")
    base = getattr(pkg, ERROR_BASES[engine])
    assert issubclass(base, DomainError) and issubclass(base, ValueError)
    names = getattr(pkg, "__all__", None) or [n for n in dir(pkg) if not n.startswith("_")]
    errors = [
        getattr(pkg, n)
        for n in names
        if isinstance(getattr(pkg, n), type) and issubclass(getattr(pkg, n), BaseException)
    ]
    assert base in errors
    stray = [e.__name__ for e in errors if not issubclass(e, base)]
    assert not stray, f"ruralflow.{engine}: {stray} do not derive from {base.__name__}"


def test_trace_errors_keep_their_builtin_classes() -> None:
    """Trace errors joined TraceError without losing the built-in class callers catch."""
    from ruralflow.trace import EpcisDirError, LogError, ProofError, TraceError

    assert issubclass(LogError, RuntimeError) and issubclass(LogError, TraceError)
    assert issubclass(EpcisDirError, FileNotFoundError) and issubclass(EpcisDirError, TraceError)
    assert issubclass(ProofError, ValueError)


def test_sharing_bundle_errors_derive_from_sharing_error() -> None:
    """The bundle side of benefit sharing raises the engine's base for a missing input."""
    from ruralflow.bundle.sharing_case import MissingInputError
    from ruralflow.sharing import SharingError

    assert issubclass(MissingInputError, SharingError)


# --------------------------------------------------------------------------- option names
@pytest.mark.parametrize(
    "cls",
    [
        "ruralflow.logistics:PlanOptions",
        "ruralflow.siting:CountySitingOptions",
        "ruralflow.siting:SolverOptions",
    ],
)
def test_options_are_named_time_limit_s_and_seed(cls: str) -> None:
    """The wall-clock budget is ``time_limit_s`` and the random seed ``seed``, everywhere."""
    module, _, name = cls.partition(":")
    fields = {f.name for f in dataclasses.fields(getattr(importlib.import_module(module), name))}
    assert {"time_limit_s", "seed"} <= fields
    assert not fields & {"time_limit", "seconds", "rng_seed", "random_seed"}


def test_season_options_have_a_seed() -> None:
    """The random part of the trace demo is seeded by ``seed``."""
    from ruralflow.trace import SeasonOptions

    assert "seed" in {f.name for f in dataclasses.fields(SeasonOptions)}


# --------------------------------------------------------------------------- results
def test_freshness_result() -> None:
    """assess() -> FreshnessResult with summary() and to_dict()."""
    from ruralflow.freshness import assess, hold

    product = tiny_county().products[0]
    d = _check_result(assess(product, [hold("ride", 6.0, 20.0)], kg=100.0))
    assert d["kg"] == 100.0


def test_logistics_plan_and_comparison() -> None:
    """plan() -> Plan (and its Comparison) with summary() and to_dict()."""
    from ruralflow.logistics import PlanOptions, plan

    p = plan(tiny_county(), DAY, PlanOptions(time_limit_s=0.5, seed=0, compare=True, workers=1))
    d = _check_result(p)
    assert p.comparison is not None
    c = _check_result(p.comparison)
    assert d["comparison"] == c


def test_siting_results() -> None:
    """maximal_covering -> SitingResult; site_county -> CountySitingResult."""
    from ruralflow.siting import (
        CountySitingOptions,
        SolverOptions,
        maximal_covering,
        site_county,
    )

    dist = np.array([[0.0, 5000.0], [1000.0, 4000.0], [6000.0, 500.0]])
    r = maximal_covering(dist, 1, radius=2000.0, options=SolverOptions(time_limit_s=10, seed=1))
    _check_result(r)
    county = site_county(
        tiny_county(), "stations", CountySitingOptions(p=1, curve="none", time_limit_s=10)
    )
    _check_result(county)


def test_matrix_results(liquan: County) -> None:
    """analyse() -> MatrixResult and its ScenarioResults; without IO data a note says why."""
    from ruralflow.matrix import IOInputs, MatrixOptions, analyse

    r = analyse(liquan, MatrixOptions(scenarios=("brand",), elasticities=False))
    _check_result(r)
    assert any("county IO model not built" in n for n in r.notes)
    assert r.county_io is None
    _check_result(r.scenarios[0])
    missing = IOInputs(notes=("a note of the loader",), missing="table xyz.csv not found")
    r2 = analyse(liquan, MatrixOptions(scenarios=()), io=missing)
    assert "a note of the loader" in r2.notes
    assert any("table xyz.csv not found" in n for n in r2.notes)


def test_matrix_rejects_bad_io_inputs(liquan: County) -> None:
    """io must be an IOInputs; a negative county count is refused where it is built."""
    from ruralflow.matrix import IOInputs, IOTableError, MatrixError, MatrixOptions, analyse

    with pytest.raises(MatrixError, match="IOInputs"):
        analyse(liquan, MatrixOptions(), io="shared/data")  # type: ignore[arg-type]
    with pytest.raises(IOTableError, match="county_units"):
        IOInputs(county_units=-1)


def test_trace_results(liquan: County, tmp_path: Path) -> None:
    """season_events -> SeasonTrace/BatchTrace; MerkleLog.append -> AppendResult;
    verify_log -> VerifyReport."""
    from ruralflow.trace import (
        MerkleLog,
        SeasonOptions,
        generate_signer,
        season_events,
        verify_log,
    )

    small = liquan.replace(supply_up=liquan.supply_up[:2])
    season = season_events(small, SeasonOptions(seed=3))
    _check_result(season)
    _check_result(season.batches[0])
    log = MerkleLog.open(tmp_path / "log.db")
    signer = generate_signer("ruralflow.test/front-door")
    added = log.append_many([b"one", b"two", b"three"])
    d = _check_result(added)
    assert d["first_index"] == 0 and d["tree_size"] == 3 and len(d["leaf_hashes"]) == 3
    log.add_checkpoint(signer)
    report = verify_log(log, [signer.verifier()])
    assert report.ok
    _check_result(report)
    log.close()


def _synthetic_series() -> Any:
    """Three years of daily prices with a seasonal cycle and AR(1) noise (seeded)."""
    from ruralflow.sharing import PriceSeries
    from ruralflow.sharing.settlement import PriceLevel

    rng = np.random.default_rng(11)
    days = [dt.date(2013, 1, 1) + dt.timedelta(days=i) for i in range(3 * 365)]
    noise, out = 0.0, []
    for d in days:
        noise = 0.97 * noise + rng.normal(0.0, 0.02)
        season = 0.25 * math.sin(2 * math.pi * d.timetuple().tm_yday / 365.0)
        out.append(float(6.0 * math.exp(season + noise)))
    return PriceSeries("apple", tuple(days), tuple(out), PriceLevel.WHOLESALE, "synthetic: test")


def test_sharing_price_and_simulation_results() -> None:
    """fit_price_model -> PriceModel, check_fit -> FitCheck, simulate -> SimulationResult,
    compare -> Comparison, cheapest_contribution -> FundSearch."""
    from ruralflow.sharing import (
        Season,
        cheapest_contribution,
        check_fit,
        compare,
        default_designs,
        fit_price_model,
        simulate,
    )

    model = fit_price_model(_synthetic_series())
    _check_result(model)
    _check_result(check_fit(model, _synthetic_series(), replicas=50, seed=0))
    season = Season((9, 20), 6, "test season")
    designs = default_designs("apple", 3.0)
    result = simulate(designs, model, season, paths=300, seasons=1, seed=5)
    _check_result(result)
    _check_result(compare(result))
    fund = next(d for d in designs if d.fund is not None)
    wholesale = model.simulate(season.start, season.weeks, 300, seasons=1, seed=6)
    _check_result(cheapest_contribution(fund, wholesale, target=0.5))


def test_settle_bundle_result_has_named_fields(tmp_path: Path) -> None:
    """settle_bundle -> BundleSettlement: named fields, still unpacks as (county, settlement)."""
    import shutil

    from ruralflow.bundle.sharing_case import BundleSettlement, settle_bundle
    from ruralflow.sharing import Settlement

    shutil.copytree(LIQUAN, tmp_path / "b")
    with as_file(files("ruralflow.sharing").joinpath("data", "liquan_2015")) as folder:
        for name in ("contracts.csv", "deliveries.csv", "prices.csv"):
            shutil.copy(Path(folder) / name, tmp_path / "b" / name)
    got = settle_bundle(tmp_path / "b")
    assert isinstance(got, BundleSettlement) and isinstance(got.settlement, Settlement)
    county, settlement = got
    assert county is got.county and settlement is got.settlement
    d = _check_result(got)
    assert d["adcode"] == "610425"
    assert d["totals_fen"] == settlement.to_dict()["totals_fen"]
    assert settlement.reconciles
    assert "610425" in got.summary() and settlement.summary() in got.summary()


def test_county_case_of_the_bundle_side(liquan: County) -> None:
    """prepare() (bundle side of sharing) -> CountyCase with summary() and to_dict()."""
    from ruralflow.bundle.datadir import DataDirError
    from ruralflow.bundle.sharing_case import prepare

    try:
        case = prepare(liquan)
    except DataDirError as e:  # no data folder: nothing to fit the price model to
        pytest.skip(str(e))
    d = _check_result(case)
    assert d["product"] == case.product and d["designs"] == [x.id for x in case.designs]
