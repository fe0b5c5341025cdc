"""One CLI convention: positional bundle, --json, --time-limit, --seed, exit codes, progress.

Runs on the shipped example bundle (Liquan 610425) and the tiny test county with short time
limits.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from helpers import SHARED, tiny_county
from ruralflow.bundle import write_bundle
from ruralflow.cli import _common, app
from ruralflow.cli.demo import DemoBudget, demo_budget
from ruralflow.cli.site import milp_count
from ruralflow.report import ReportOptions

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "src" / "ruralflow" / "examples" / "610425"
DAY = "2025-10-13"
needs_prices = pytest.mark.skipif(
    not (SHARED / "data" / "prices").is_dir(), reason="needs the Xinfadi price series"
)
runner = CliRunner()

#: Internal names that must never reach a user.
INTERNAL = ("Traceback", "PlanOptions", "CountySitingOptions", "MatrixOptions", "time_limit_s")


def flat(text: str) -> str:
    """Output with Rich's error-box frames and line wrapping removed."""
    for ch in "│╭╮╰╯─":
        text = text.replace(ch, " ")
    return " ".join(text.split())


def no_internal_names(text: str) -> None:
    for name in INTERNAL:
        assert name not in text, f"{name!r} in {text!r}"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_bundle(tiny_county(), tmp_path_factory.mktemp("cli") / "tiny")


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A bundle whose places.csv names an unknown place kind."""
    b = write_bundle(tiny_county(), tmp_path / "broken")
    (b / "places.csv").write_text("id,kind\nX,nowhere\n", encoding="utf-8")
    return b


# ----------------------------------------------------------------------------- plan --json
def test_plan_json_is_the_out_file(tmp_path: Path) -> None:
    """`plan BUNDLE --day D --json` prints the object `--out FILE` writes, field for field."""
    fast = ["--time-limit", "2", "--seed", "0", "--workers", "1", "--no-compare"]
    out = tmp_path / "plan.json"
    r = runner.invoke(
        app, ["plan", str(EXAMPLE), "--day", DAY, *fast, "--json", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    printed = json.loads(r.stdout)
    assert printed == json.loads(out.read_text(encoding="utf-8"))
    assert printed["day"] == DAY and printed["county"]["adcode"] == "610425"
    # --out alone writes the same fields (the plan itself may differ: it is time-limited)
    only = tmp_path / "only.json"
    r = runner.invoke(app, ["plan", str(EXAMPLE), "--day", DAY, *fast, "--out", str(only)])
    assert r.exit_code == 0, r.output
    assert "two-way logistics plan" in r.stdout
    written = json.loads(only.read_text(encoding="utf-8"))
    assert set(written) == set(printed)
    assert set(written["totals"]) == set(printed["totals"])
    assert set(written["costs"]) == set(printed["costs"])


# ----------------------------------------------------------------------------- --json
def _json_cases(tiny: Path, tmp: Path) -> list[list[str]]:
    return [
        ["info", str(EXAMPLE)],
        ["plan", str(tiny), "--day", "2025-09-01", "--time-limit", "1", "--workers", "1"],
        ["site", str(tiny), "--p", "1", "--curve", "none", "--time-limit", "5", "--seed", "1"],
        ["matrix", str(EXAMPLE), "--time-limit", "5", "--seed", "0"],
        [
            "demo",
            str(tiny),
            "--out-dir",
            str(tmp / "demo"),
            "--time-limit",
            "4",
            "--siting-what",
            "stations",
        ],
        ["trace", "demo", str(EXAMPLE), "--limit", "3", "--no-validate"],
    ]


def test_every_computing_command_prints_one_json_object(tiny: Path, tmp_path: Path) -> None:
    for args in _json_cases(tiny, tmp_path):
        r = runner.invoke(app, [*args, "--json"])
        assert r.exit_code == 0, (args, r.output)
        value = json.loads(r.stdout)  # one document, nothing else on stdout
        assert isinstance(value, dict), args
    r = runner.invoke(app, ["validate", str(EXAMPLE), "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout) == []


def test_demo_json_names_the_report_and_budget(tiny: Path, tmp_path: Path) -> None:
    r = runner.invoke(
        app,
        [
            "demo",
            str(tiny),
            "--out-dir",
            str(tmp_path),
            "--plan-seconds",
            "1",
            "--siting-seconds",
            "0.5",
            "--siting-what",
            "stations",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["report"] == str(tmp_path / "610425" / "report.html")
    assert Path(d["report"]).is_file()
    assert d["plan_seconds"] == 1.0 and d["siting_seconds"] == 0.5
    assert d["siting_what"] == ["stations"]
    assert "siting-cold-hub" not in Path(d["report"]).read_text(encoding="utf-8")


@needs_prices
def test_contracts_simulate_time_limit_and_seed() -> None:
    args = ["contracts", "simulate", str(EXAMPLE), "--paths", "1000", "--seasons", "1"]
    r = runner.invoke(app, [*args, "--seed", "3", "--time-limit", "30", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["seed"] == 3 and d["paths"] == 1000
    r = runner.invoke(app, [*args, "--time-limit", "-1"])
    assert r.exit_code == 2


# ----------------------------------------------------------------------------- budgets
def test_demo_budget_from_time_limit() -> None:
    whats = ("stations", "cold-hub")
    assert demo_budget(None, None, None, whats) == DemoBudget(10.0, 10.0, whats)
    b = demo_budget(100.0, None, None, whats)
    milps = milp_count("stations", "exact", None, None) + milp_count(
        "cold-hub", "exact", None, None
    )
    assert b.plan_s == pytest.approx(30.0)
    assert b.siting_s * milps == pytest.approx(55.0, abs=0.05)
    assert demo_budget(100.0, 7.0, 2.0, whats) == DemoBudget(7.0, 2.0, whats)
    assert b.options().siting_what == ("stations", "cold-hub")


def test_site_splits_its_time_over_the_milps() -> None:
    assert milp_count("stations", "none", 5, None) == 1
    assert milp_count("stations", "exact", None, None) == 11
    assert milp_count("stations", "exact", 3, None) == 4
    assert milp_count("cold-hub", "nested", None, 4) == 5
    assert milp_count("preprocess", "exact", None, None) == 31


def test_budget_shares_what_is_left() -> None:
    b = _common.Budget(10.0, started=0.0)
    assert b.left() == 0.1  # long past: the floor
    fresh = _common.Budget(10.0)
    assert 4.0 < fresh.share(2) <= 5.0


# ----------------------------------------------------------------------------- exit codes
@pytest.mark.parametrize(
    "args",
    [
        ["plan", "{b}", "--day", "notadate"],
        ["plan", "{b}", "--day", DAY, "--seed", "-1"],
        ["plan", "{b}", "--day", DAY, "--bogus"],
        ["site", "{b}", "--curve", "maybe"],
        ["site", "{b}", "--time-limit", "0"],
        ["site", "{b}", "--p", "-2"],
        ["site", "{b}", "--radius-km", "0"],
        ["matrix", "{b}", "--saving", "-5"],
        ["matrix", "{b}", "--plan-day", "2025-02-30"],
        ["matrix", "{b}", "--method", "xlq"],
        ["matrix", "{b}", "--delta", "1.5"],
        ["demo", "{b}", "--day", "tomorrow"],
        ["demo", "{b}", "--siting-what", "warehouses"],
        ["demo", "{b}", "--plan-seconds", "-3"],
        ["contracts", "settle", "{b}", "--lang", "fr"],
        ["contracts", "compare", "{b}", "--ruin-target", "2"],
        ["contracts", "simulate", "{b}", "--fund-opening", "-5"],
        ["trace", "demo", "{b}", "--day", "13/10/2025"],
        ["make-bundle", "--county", "610425", "--out-dir", "{b}/x", "--start", "soon"],
        ["make-bundle", "--county", "610425"],
        ["trace", "prove", "--db", "{b}/none.db"],
        ["trace", "qr", "--gtin", "9520010000018"],
        ["trace", "qr"],
    ],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    r = runner.invoke(app, [a.replace("{b}", str(EXAMPLE)) for a in args])
    assert r.exit_code == 2, r.output
    no_internal_names(r.output)


@pytest.mark.parametrize(
    "args",
    [
        ["info", "{b}"],
        ["plan", "{b}", "--day", "2025-09-01", "--time-limit", "1"],
        ["site", "{b}", "--time-limit", "1"],
        ["matrix", "{b}"],
        ["demo", "{b}"],
        ["contracts", "simulate", "{b}", "--paths", "100"],
        ["contracts", "settle", "{b}"],
        ["trace", "demo", "{b}"],
    ],
)
def test_bad_bundle_exits_1_with_a_message(broken: Path, args: list[str]) -> None:
    r = runner.invoke(app, [a.replace("{b}", str(broken)) for a in args])
    assert r.exit_code == 1, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
    assert "places.csv" in r.output
    no_internal_names(r.output)


@pytest.mark.parametrize(
    ("args", "zh"),
    [
        (["plan", "{b}", "--day", "2025-09-02", "--time-limit", "1"], "规划失败"),
        (["site", "{b}", "--budget", "100", "--time-limit", "5"], "选址失败"),
        (["plan", "{m}", "--day", "2025-09-01"], "读取数据包失败"),
        (["site", "{m}"], "读取数据包失败"),
        (["matrix", "{m}"], "读取数据包失败"),
        (["contracts", "settle", "{e}"], "无法结算"),
    ],
)
def test_engine_errors_are_bilingual_one_liners(
    tiny: Path, tmp_path: Path, args: list[str], zh: str
) -> None:
    missing = tmp_path / "missing"
    subst = {"{b}": str(tiny), "{m}": str(missing), "{e}": str(EXAMPLE)}
    r = runner.invoke(app, [subst.get(a, a) for a in args])
    assert r.exit_code == 1
    assert f"{zh} / " in r.output
    no_internal_names(r.output)


def test_clean_removes_internal_names() -> None:
    msg = "PlanOptions: field 'time_limit_s' must be > 0 (got -1); see make_coarse_county"
    assert _common.clean(msg) == "option --time-limit must be > 0 (got -1); see the command"
    assert _common.clean("PlanOptions: field 'max_trips' bad", {"max_trips": "--trips"}) == (
        "option --trips bad"
    )
    assert _common.clean("PlanOptions: field 'max_trips' bad") == "option --max-trips bad"


# ----------------------------------------------------------------------------- bundle argument
def test_demo_takes_the_bundle_as_argument_and_old_spellings(tiny: Path, tmp_path: Path) -> None:
    fast = ["--plan-seconds", "1", "--siting-seconds", "0.5", "--siting-what", "stations"]
    r = runner.invoke(app, ["demo", str(tiny), "--out-dir", str(tmp_path / "a"), *fast])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "a" / "610425" / "report.html").is_file()
    r = runner.invoke(
        app, ["demo", "--county-dir", str(tiny), "--out", str(tmp_path / "b"), *fast]
    )
    assert r.exit_code == 0, r.output
    assert (tmp_path / "b" / "610425" / "report.html").is_file()
    r = runner.invoke(app, ["demo", str(tiny), "--out-dir", "x", "--out", "y"])
    assert r.exit_code == 2
    assert "--county-dir" not in runner.invoke(app, ["demo", "--help"]).output


# ----------------------------------------------------------------------------- progress
def test_no_progress_on_a_pipe(tiny: Path) -> None:
    """On a pipe, stderr holds no spinner and no step text; stdout just the JSON."""
    code = "from ruralflow.cli import main; main()"
    args = ["plan", str(tiny), "--day", "2025-09-01", "--time-limit", "1", "--workers", "1"]
    p = subprocess.run(
        [sys.executable, "-c", code, *args, "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert p.returncode == 0, p.stderr
    json.loads(p.stdout)
    assert p.stderr == ""
    p = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert p.returncode == 0, p.stderr
    assert "\x1b[" not in p.stdout + p.stderr
    assert "planning" not in p.stderr and "reading the bundle" not in p.stderr


def test_progress_shows_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    buf = io.StringIO()
    term = Console(file=buf, force_terminal=True, width=80)
    monkeypatch.setattr(_common, "err_console", term)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert _common.interactive()
    assert not _common.interactive(as_json=True)
    with _common.steps("step one", show=_common.interactive()) as s:
        s.step("step two")
    assert "step one" in buf.getvalue() or "step two" in buf.getvalue()
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    assert not _common.interactive()


def test_demo_hands_its_options_to_the_analyses(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report's analyses get --plan-seconds, --siting-*, --seed as their options."""
    import ruralflow.report as report

    seen: dict[str, object] = {}

    class Probe:
        id = "probe"
        title = "探针 / probe"

        def run(self, county: object, day: object, options: ReportOptions) -> list[object]:
            seen["PLAN_SECONDS"] = f"{options.plan_seconds:.3f}"
            seen["SITING_SECONDS"] = f"{options.siting_seconds:.3f}"
            seen["SITING_WHAT"] = ",".join(options.siting_what)
            seen["SEED"] = str(options.seed)
            return []

    monkeypatch.setattr(report, "available_analyses", lambda: [Probe()])
    args = ["demo", str(tiny), "--out-dir", str(tmp_path), "--time-limit", "60", "--seed", "7"]
    r = runner.invoke(app, [*args, "--siting-what", "cold-hub", "--json"])
    assert r.exit_code == 0, r.output
    assert seen == {
        "PLAN_SECONDS": "18.000",
        "SITING_SECONDS": f"{60 * 0.55 / 31:.3f}",
        "SITING_WHAT": "cold-hub",
        "SEED": "7",
    }
    assert json.loads(r.stdout)["seed"] == 7
    monkeypatch.setenv("RURALFLOW_PLAN_SECONDS", "2.5")  # the old variable is the default
    r = runner.invoke(app, ["demo", str(tiny), "--out-dir", str(tmp_path), "--json"])
    assert r.exit_code == 0, r.output
    assert seen["PLAN_SECONDS"] == "2.500" and json.loads(r.stdout)["plan_seconds"] == 2.5


def test_messages_print_emoji_codes_as_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A value such as ``rf:x:`` in a message is shown as typed, not as an emoji."""
    for con in (_common.console, _common.err_console):
        buf = io.StringIO()
        # the private attribute: restoring the public ``file`` would pin pytest's stream
        monkeypatch.setattr(con, "_file", buf)
        con.print("value :x: and rf:smile:")
        assert buf.getvalue().strip() == "value :x: and rf:smile:"
