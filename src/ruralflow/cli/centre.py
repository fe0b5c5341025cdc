"""``ruralflow centre ...``: the county service centre (issue 19, ``docs/centre.md``).

Thin: reads the centre's bundle files (:mod:`ruralflow.bundle.centre_files`) and calls
:mod:`ruralflow.centre`. Exit codes: 0 success, 1 bad or missing input (file, row, column and
value of every problem), 2 usage errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ruralflow.cli._common import (
    BundleArg,
    JsonOpt,
    day_callback,
    fail,
    fail_engine,
    non_negative,
    print_json,
    read_bundle_or_fail,
    say,
)

centre_app = typer.Typer(
    no_args_is_help=True,
    help="Service centre (电商公共服务中心): policy catalogue, overlap and double funding.",
)


def load_centre(path: Path) -> Any:
    """The centre files of the bundle at ``path``, or their problems and exit 1."""
    from ruralflow.bundle import BundleError
    from ruralflow.bundle.centre_files import POLICIES_FILE, read_centre_files

    if not path.is_dir():
        fail(f"数据包不是文件夹 / the bundle is not a folder: {path}")
    if not (path / POLICIES_FILE).is_file():
        fail(
            f"数据包中没有 {POLICIES_FILE} / the bundle has no {POLICIES_FILE}: {path} "
            "(see docs/centre.md)"
        )
    try:
        return read_centre_files(path)
    except BundleError as e:
        fail_engine("读取政策目录失败", "cannot read the policy catalogue", e)


def _yuan(v: float) -> str:
    return f"{v:,.0f} 元"


@centre_app.command("overlap")
def overlap_cmd(path: BundleArg, as_json: JsonOpt = False) -> None:
    """Policies of different bureaus funding the same purpose for a shared applicant type in
    overlapping periods; applicants funded twice for one purpose (approved or paid); budget by
    purpose and bureau; fragmentation (HHI of bureau budget shares per purpose).

    Reads policies.csv and, when present, applications.csv (and policy_rules.csv).

    Example: ruralflow centre overlap src/ruralflow/examples/610425 --json
    """
    from ruralflow.centre import analyse

    files = load_centre(path)
    result = analyse(files.policies, files.applications).to_dict()
    if as_json:
        print_json(result)
        return
    names = {p.id: p.name for p in files.policies}
    say(f"政策 / policies: {result['policies']}，申请 / applications: {result['applications']}")
    say("")
    say(f"重叠政策 / overlapping policies ({len(result['overlaps'])}):")
    for o in result["overlaps"]:
        a, b = o["policies"]
        say(
            f"  {a} ({o['bureaus'][0]}) × {b} ({o['bureaus'][1]}): {o['purpose']}, "
            f"{'、'.join(o['applicant_types'])}, {o['start']}..{o['end']}"
        )
        say(f"      {names[a]} | {names[b]}")
    say("")
    say(f"重复资助 / double funded ({len(result['double_funded'])}):")
    for d in result["double_funded"]:
        say(
            f"  {d['applicant']}: {d['purpose']}, {' + '.join(d['policies'])} "
            f"({_yuan(d['amount_yuan'])})"
        )
    say("")
    say("预算（按用途与部门）/ budget by purpose and bureau:")
    say(f"  {'purpose':<16}{'bureau':<22}{'budget 预算':>16}{'granted 已批':>16}")
    for c in result["budget"]["by_purpose_bureau"]:
        say(
            f"  {c['purpose']:<16}{c['bureau']:<22}{_yuan(c['budget_yuan']):>16}"
            f"{_yuan(c['granted_yuan']):>16}"
        )
    say(f"  合计 / total {_yuan(result['budget']['total_yuan'])}")
    say("")
    frag = result["fragmentation"]
    say("碎片化（部门预算份额的 HHI）/ fragmentation (HHI of bureau budget shares):")
    for f in frag["by_purpose"]:
        say(
            f"  {f['purpose']:<16}部门 / bureaus {f['bureaus']}  HHI {f['hhi']:.3f} "
            f"({f['hhi_points']:.0f} points, {f['reading']})  "
            f"有效部门数 / effective bureaus {f['effective_bureaus']:.2f}"
        )
    say(
        f"  全县（按预算加权）/ county (budget-weighted): HHI {frag['overall_hhi']:.3f}, "
        f"fragmentation {frag['overall_fragmentation']:.3f}"
    )


@centre_app.command("eligible")
def eligible_cmd(
    path: BundleArg,
    applicant: Annotated[str, typer.Option("--applicant", help="Applicant id (applicants.csv).")],
    day: Annotated[
        str | None,
        typer.Option(
            "--day", help="Only policies open on this day (YYYY-MM-DD).", callback=day_callback
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Every policy of the catalogue with whether the applicant may apply, and why not.

    Example: ruralflow centre eligible src/ruralflow/examples/610425 --applicant COOP-A
    """
    from ruralflow.centre import eligibility
    from ruralflow.cli._common import parse_date

    on = parse_date(day) if day is not None else None
    files = load_centre(path)
    who = {a.id: a for a in files.applicants}.get(applicant)
    if who is None:
        fail(
            f"applicants.csv 中没有申请人 {applicant!r} / no applicant {applicant!r} in "
            "applicants.csv"
        )
    rows = eligibility(who, files.policies, on=on)
    if as_json:
        print_json(
            {
                "applicant": who.id,
                "applicant_type": who.type,
                "day": on.isoformat() if on else None,
                "policies": [e.to_dict() for e in rows],
            }
        )
        return
    ok = [e for e in rows if e.eligible]
    say(f"{who.id} ({who.type}) 可申请 / may apply for {len(ok)} of {len(rows)}:")
    for e in rows:
        mark = "✓" if e.eligible else "✗"
        say(f"  {mark} {e.policy.id} [{e.policy.bureau}] {e.policy.name}")
        for r in e.reasons:
            say(f"      {r}")


@centre_app.command("services")
def services_cmd(
    path: BundleArg,
    parcel_fee: Annotated[
        float,
        typer.Option(
            "--parcel-fee",
            help="Station income per down parcel handed over, yuan (assumption 0.5, "
            "range 0.3-1.0), where the ledger has no parcels rows.",
            callback=non_negative,
        ),
    ] = 0.5,
    as_json: JsonOpt = False,
) -> None:
    """Station public services: each station's ledger (payments, bills, top-ups, repairs,
    agricultural information) summed over the season, its service income beside its parcel
    income, and the villages that lack each service.

    Reads station_services.csv with the bundle.

    Example: ruralflow centre services src/ruralflow/examples/610425 --json
    """
    from decimal import Decimal

    from ruralflow.bundle import BundleError
    from ruralflow.bundle.centre_files import SERVICES_FILE, read_station_services
    from ruralflow.centre.services import SERVICES, station_services

    county = read_bundle_or_fail(path)
    try:
        entries = read_station_services(path, county)
    except BundleError as e:
        fail_engine("读取站点服务台账失败", "cannot read the station services ledger", e)
    if entries is None:
        fail(f"数据包中没有 {SERVICES_FILE} / the bundle has no {SERVICES_FILE}: {path}")
    report = station_services(county, entries, parcel_fee_yuan=Decimal(str(parcel_fee)))
    out = report.to_dict()
    if as_json:
        print_json(out)
        return
    days = out["days"]
    span = f"{days[0]}..{days[-1]}" if days else "-"
    say(f"站点服务台账 / station services ledger: {len(out['stations'])} stations, {span}")
    say(
        f"  {'station':<16}{'name':<10}{'services 服务收入':>18}{'parcels 快递收入':>18}"
        f"{'share 服务占比':>14}"
    )
    for st in sorted(out["stations"], key=lambda x: -x["income_yuan"])[:20]:
        say(
            f"  {st['station']:<16}{st['name']:<10}{st['service_income_yuan']:>16,.2f} 元"
            f"{st['parcel_income_yuan']:>16,.2f} 元{st['service_share']:>13.0%}"
        )
    if len(out["stations"]) > 20:
        say(f"  ... {len(out['stations']) - 20} more (--json for all)")
    say("")
    say("各项服务覆盖 / coverage of each service (villages):")
    for s, v in out["services"].items():
        say(
            f"  {SERVICES[s]}: {v['villages_with']} villages with, "
            f"{len(v['villages_lacking'])} lacking ({v['households_lacking']:,} households); "
            f"household coverage {v['household_coverage']:.0%}"
        )


@centre_app.command("talent")
def talent_cmd(
    path: BundleArg,
    invite: Annotated[
        int,
        typer.Option("--invite", help="How many villages to suggest inviting next.", min=0),
    ] = 10,
    as_json: JsonOpt = False,
) -> None:
    """The talent pipeline (培训-孵化-供应链): per cohort the funnel enrolled → trained →
    practised → incubated (a shop opened) → linked (the shop sells the county's products),
    the conversion of each stage, the shops' orders and sales; and the villages with supply
    but no linked seller, to invite next.

    Reads talent_cohorts.csv, talent_trainees.csv and shop_sales.csv with the bundle.

    Example: ruralflow centre talent src/ruralflow/examples/610425 --json
    """
    from ruralflow.bundle import BundleError
    from ruralflow.bundle.centre_files import COHORTS_FILE, read_talent_files
    from ruralflow.centre.talent import COURSES, FUNNEL, talent_pipeline

    county = read_bundle_or_fail(path)
    try:
        files = read_talent_files(path, county)
    except BundleError as e:
        fail_engine("读取人才培养文件失败", "cannot read the talent files", e)
    if files is None:
        fail(f"数据包中没有 {COHORTS_FILE} / the bundle has no {COHORTS_FILE}: {path}")
    out = talent_pipeline(county, files.cohorts, files.trainees, files.sales, invite=invite)
    body = out.to_dict()
    if as_json:
        print_json(body)
        return
    say("人才培养漏斗 / talent funnel:")
    for c in body["cohorts"]:
        say(f"  {c['cohort']} {c['name']} ({COURSES[c['course']]}), {c['start']}..{c['end']}")
        steps = []
        for st in FUNNEL:
            conv = c["conversion"].get(st)
            steps.append(
                f"{st} {c['funnel'][st]}" + (f" ({conv:.0%})" if conv is not None else "")
            )
        say("      " + " → ".join(steps))
        say(
            f"      订单 / orders {c['orders']:,}, {c['kg']:,.1f} kg, "
            f"销售额 / sales {c['sales_yuan']:,.2f} 元"
        )
    say("")
    say("建议邀请（有货源、无带货学员）/ invite next (supply, no linked seller):")
    for v in body["invite_next"]:
        say(f"  {v['village']} {v['name']}: {v['supply_kg']:,.1f} kg, trainees {v['trainees']}")


def register(app: typer.Typer) -> None:
    app.add_typer(centre_app, name="centre")
