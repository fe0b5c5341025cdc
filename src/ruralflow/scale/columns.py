"""The columns of ``counties.parquet``: one row per county, a fixed schema.

:data:`COLUMNS` lists every column with its type and a bilingual label; :data:`FIGURES` the
numeric figures the national summary can sort by and colour its map with. A column that does
not apply (an analysis not chosen, skipped or failed) is null.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Column:
    """One column: name, type (``str``, ``float``, ``int``), labels and, for figures, a unit."""

    name: str
    type: str
    zh: str
    en: str
    unit: str = ""
    analysis: str = ""
    #: how the summary shows a figure: ``pct`` (a share 0..1 as %), ``pct100`` (already in %),
    #: ``yuan``, ``ratio``, ``count``, ``kg``, ``s``
    fmt: str = ""


def _c(name: str, type_: str, zh: str, en: str, **kw: str) -> Column:
    return Column(name, type_, zh, en, **kw)


IDENTITY: tuple[Column, ...] = (
    _c("adcode", "str", "行政区划代码", "adcode"),
    _c("name", "str", "县名", "county"),
    _c("city", "str", "地市", "city"),
    _c("province", "str", "省份", "province"),
    _c("lon", "float", "县城经度", "seat longitude (WGS84)"),
    _c("lat", "float", "县城纬度", "seat latitude (WGS84)"),
)
RUN: tuple[Column, ...] = (
    _c("bundle", "str", "数据包", "bundle (full or coarse)"),
    _c("status", "str", "状态", "status (ok, failed, skipped)"),
    _c("error", "str", "错误", "why it failed or was skipped"),
    _c("warning", "str", "提示", "warning (urban district)"),
    _c("runtime_s", "float", "用时", "runtime, s", fmt="s"),
    _c("build_s", "float", "建包用时", "bundle build, s", fmt="s"),
    _c("villages", "int", "村数", "villages", fmt="count"),
    _c("what", "str", "分析", "analyses"),
    _c("time_limit_s", "float", "时限", "time limit per county, s"),
    _c("seed", "int", "随机种子", "seed"),
    _c("run_id", "str", "运行编号", "run id"),
)
PER_ANALYSIS: tuple[Column, ...] = tuple(
    c
    for w, zh in (("plan", "日计划"), ("season", "季节"), ("stations", "站点"), ("matrix", "矩阵"))
    for c in (
        _c(f"{w}_status", "str", f"{zh}状态", f"{w} status", analysis=w),
        _c(f"{w}_s", "float", f"{zh}用时", f"{w} time, s", analysis=w, fmt="s"),
    )
)
FIGURE_COLUMNS: tuple[Column, ...] = (
    _c("day", "str", "计划日", "planned day", analysis="plan"),
    _c(
        "integrated_cost_yuan",
        "float",
        "一体化成本",
        "integrated cost",
        unit="元/yuan",
        analysis="plan",
        fmt="yuan",
    ),
    _c(
        "separate_cost_yuan",
        "float",
        "分开运营成本",
        "separate cost",
        unit="元/yuan",
        analysis="plan",
        fmt="yuan",
    ),
    _c(
        "saving_yuan",
        "float",
        "一体化节约",
        "integration saving",
        unit="元/yuan",
        analysis="plan",
        fmt="yuan",
    ),
    _c(
        "saving_pct",
        "float",
        "节约比例",
        "saving",
        unit="%",
        analysis="plan",
        fmt="pct100",
    ),
    _c(
        "bus_share",
        "float",
        "客车带货占比",
        "bus share of carried kg",
        unit="%",
        analysis="plan",
        fmt="pct",
    ),
    _c(
        "bus_consignments",
        "int",
        "客车托运数",
        "bus consignments",
        analysis="plan",
        fmt="count",
    ),
    _c(
        "not_carried_kg",
        "float",
        "未承运",
        "not carried",
        unit="kg",
        analysis="plan",
        fmt="kg",
    ),
    _c(
        "season_saving_pct",
        "float",
        "季节节约比例",
        "season saving",
        unit="%",
        analysis="season",
        fmt="pct100",
    ),
    _c(
        "season_bus_share",
        "float",
        "季节客车占比",
        "season bus share",
        unit="%",
        analysis="season",
        fmt="pct",
    ),
    _c(
        "coverage_before",
        "float",
        "站点覆盖（前）",
        "station coverage before",
        unit="%",
        analysis="stations",
        fmt="pct",
    ),
    _c(
        "coverage_after",
        "float",
        "站点覆盖（后）",
        "station coverage after",
        unit="%",
        analysis="stations",
        fmt="pct",
    ),
    _c(
        "stations_added",
        "int",
        "新增站点",
        "stations added",
        analysis="stations",
        fmt="count",
    ),
    _c("stations_solver", "str", "求解状态", "siting solver status", analysis="stations"),
    _c(
        "up_down_balance",
        "float",
        "上行/下行",
        "up/down balance",
        analysis="matrix",
        fmt="ratio",
    ),
    _c(
        "synergy_index",
        "float",
        "协同指数",
        "synergy index",
        analysis="matrix",
        fmt="ratio",
    ),
    _c("balance_diagnosis", "str", "上下行诊断", "balance diagnosis", analysis="matrix"),
)

COLUMNS: tuple[Column, ...] = IDENTITY + RUN + PER_ANALYSIS + FIGURE_COLUMNS
#: Columns an analysis fills (its status and time, and its figures).
ANALYSIS_COLUMNS: tuple[str, ...] = tuple(c.name for c in PER_ANALYSIS + FIGURE_COLUMNS)
#: Numeric figures of the summary's table and map, by name.
FIGURES: dict[str, Column] = {
    c.name: c for c in FIGURE_COLUMNS if c.type in ("float", "int") and c.fmt
}
BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}
