"""Per-order billing (按单计费): each order's line per service, exact to the fen.

A line costs ``max(min_yuan, per_order_yuan + per_kg_yuan x kg)`` computed exactly in
:class:`~decimal.Decimal` and rounded once, half up, to the fen
(:func:`ruralflow.sharing.money.to_fen`, the settlement's rule); an order's total is the sum
of its lines and the season's total the sum of the orders'. Nothing is rounded twice, so every
bill reconciles to the fen with its lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ruralflow.preprocess.errors import PreprocessError, UnknownServiceError
from ruralflow.preprocess.orders import Order, Service
from ruralflow.sharing.money import fmt_yuan, mul, to_fen

RULE = "每项 max(最低收费, 每单费 + 每公斤费 x 公斤) 四舍五入到分 / each line max(min_yuan, per_order_yuan + per_kg_yuan x kg), rounded half up to the fen"  # noqa: E501


def line_fen(service: Service, kg: Decimal) -> int:
    """The fen one order of ``kg`` pays for ``service``."""
    amount = service.per_order_yuan + mul(service.per_kg_yuan, kg)
    return to_fen(max(service.min_yuan, amount))


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    service: str
    name: str
    fen: int

    def to_dict(self) -> dict[str, Any]:
        return {"service": self.service, "name": self.name, "fen": self.fen}


@dataclass(frozen=True, slots=True)
class Invoice:
    """The bill of one order."""

    order: Order
    lines: tuple[InvoiceLine, ...]

    @property
    def total_fen(self) -> int:
        return sum(line.fen for line in self.lines)

    def to_dict(self) -> dict[str, Any]:
        o = self.order
        return {
            "order": o.id,
            "day": o.day.isoformat(),
            "farmer": o.farmer,
            "cooperative": o.cooperative,
            "product": o.product,
            "kg": str(o.kg),
            "lines": [line.to_dict() for line in self.lines],
            "total_fen": self.total_fen,
        }


@dataclass(frozen=True, slots=True)
class Billing:
    """Every order's invoice; :meth:`to_dict` is the ``preprocess bill --json`` object."""

    invoices: tuple[Invoice, ...]
    services: tuple[Service, ...] = ()

    @property
    def total_fen(self) -> int:
        return sum(i.total_fen for i in self.invoices)

    def farmers(self) -> list[str]:
        return sorted({i.order.farmer for i in self.invoices})

    def of_farmer(self, farmer: str) -> list[Invoice]:
        return [i for i in self.invoices if i.order.farmer == farmer]

    def fen_by_order(self) -> dict[str, int]:
        return {i.order.id: i.total_fen for i in self.invoices}

    def summary(self) -> str:
        kg = sum((i.order.kg for i in self.invoices), Decimal(0))
        return (
            f"{len(self.invoices)} 单 / orders, {len(self.farmers())} 户 / farmers, "
            f"{kg} kg, 合计 / total {fmt_yuan(self.total_fen)} 元 / yuan"
        )

    def to_dict(self) -> dict[str, Any]:
        return {"invoices": [i.to_dict() for i in self.invoices], "total_fen": self.total_fen}

    def farmer_bill(self, farmer: str, lang: str = "zh") -> str:
        """A farmer's season bill as text, ``lang`` ``zh`` or ``en``."""
        invs = self.of_farmer(farmer)
        if not invs:
            raise PreprocessError(f"no order of farmer {farmer!r}")
        zh = lang == "zh"
        out = [
            f"产地预处理中心 账单 — 农户 {farmer}"
            if zh
            else f"Preprocess centre bill — farmer {farmer}",
            f"合作社 {invs[0].order.cooperative}"
            if zh
            else f"Cooperative {invs[0].order.cooperative}",
            "",
        ]
        for inv in invs:
            o = inv.order
            out.append(
                f"{o.day} 订单 {o.id} {o.product} {o.kg} 公斤"
                if zh
                else f"{o.day} order {o.id} {o.product} {o.kg} kg"
            )
            for line in inv.lines:
                out.append(f"    {line.name} ({line.service}): {fmt_yuan(line.fen)}")
            out.append(
                f"    小计 {fmt_yuan(inv.total_fen)} 元"
                if zh
                else f"    subtotal {fmt_yuan(inv.total_fen)} yuan"
            )
        total = sum(i.total_fen for i in invs)
        out += [
            "",
            f"合计 {fmt_yuan(total)} 元（{len(invs)} 单）"
            if zh
            else f"Total {fmt_yuan(total)} yuan ({len(invs)} orders)",
            ("计费规则：" if zh else "Rule: ") + RULE,
        ]
        return "\n".join(out) + "\n"


def bill(orders: Iterable[Order], fees: Sequence[Service] | Mapping[str, Service]) -> Billing:
    """The invoice of every order (in the given order), priced by ``fees``.

    Raises :class:`UnknownServiceError` for a service the table lacks.
    """
    table = dict(fees) if isinstance(fees, Mapping) else {s.id: s for s in fees}
    invoices = []
    for o in orders:
        lines = []
        for sid in o.services:
            s = table.get(sid)
            if s is None:
                raise UnknownServiceError(
                    f"订单 {o.id!r} 的服务 {sid!r} 不在收费表中 / order {o.id!r} names service "
                    f"{sid!r}, not in the fee table ({', '.join(sorted(table)) or 'empty'})"
                )
            lines.append(InvoiceLine(s.id, s.name, line_fen(s, o.kg)))
        invoices.append(Invoice(o, tuple(lines)))
    return Billing(tuple(invoices), tuple(table.values()))
