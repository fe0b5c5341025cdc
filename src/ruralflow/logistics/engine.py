"""Evaluation of a mode assignment and the mode-choice improvement loop.

A *mode assignment* says, per village, whether its ambient down parcels go by bus or by the
flexible fleet, the same for its ambient up produce, and which up batches of products that do
not require a cold chain are nevertheless carried chilled (on a reefer, entering the cold
chain). Cold parcels and cold-chain batches always need a reefer.

:meth:`Engine.evaluate` books the bus groups on the earliest runs with room, routes the rest
with PyVRP (:mod:`.routing`), prices spoilage along each batch's actual journey
(:mod:`.spoilage`) and adds up the objective (:class:`.Costs`).

:meth:`Engine.optimise` starts from a fixed rule (everything on the flexible fleet, chilled
only where required, the bus only where no vehicle can go) and then, round after round,
estimates the gain of every single move (a village's down or up group between bus and fleet,
a batch between ambient and chilled) from the current routes (removal saving, cheapest
insertion, bus fee and last leg, spoilage difference), applies the most promising
non-conflicting moves together, re-routes from the current routes and keeps the result only
if the total cost fell (else it tries the best move alone, then marks it tabu). It stops when
no move promises a gain, after ``mode_rounds`` rounds or when the time is spent. Then up to two
*fleet squeezes* (the day without its smallest route, one vehicle fewer of that type, kept if
cheaper) and the rest of the time polishes the routes of the final assignment.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ruralflow.logistics.boxes import box_count, boxed_off_reefer, over_hold
from ruralflow.logistics.bus import BusConsignment, BusNetwork
from ruralflow.logistics.costs import Costs
from ruralflow.logistics.flows import Flow, Item
from ruralflow.logistics.routes import Route
from ruralflow.logistics.routing import (
    Context,
    RoutingResult,
    build_clients,
    penalty_yuan,
    solve_routes,
)
from ruralflow.logistics.spoilage import BatchSpoilage, Leg, SpoilageModel


class Budget:
    """A wall-clock budget."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.perf_counter() + seconds

    def left(self) -> float:
        return max(0.0, self.deadline - time.perf_counter())


@dataclass(frozen=True)
class Modes:
    """Villages whose ambient down / up groups go by bus; optional-cold batches sent chilled."""

    down_bus: frozenset[str] = frozenset()
    up_bus: frozenset[str] = frozenset()
    chilled: frozenset[str] = frozenset()
    unboxed: frozenset[str] = frozenset()
    """Boxed cold parcels (source keys) sent by reefer because a box ride broke the hold."""
    hold_window: frozenset[str] = frozenset()
    """Boxed cold parcels (source keys) whose stop must end by the hub opening + the hold."""

    def to_dict(self) -> dict[str, list[str]]:
        return {
            "down_by_bus": sorted(self.down_bus),
            "up_by_bus": sorted(self.up_bus),
            "chilled_by_choice": sorted(self.chilled),
            "reefer_for_box_hold": sorted(self.unboxed),
            "box_hold_window": sorted(self.hold_window),
        }


MoveKind = Literal["to_bus", "to_fleet", "to_cold", "to_ambient", "village_to_bus"]


@dataclass(frozen=True)
class Move:
    kind: MoveKind
    flow: Flow
    village: str
    key: str
    gain: float

    def apply(self, m: Modes) -> Modes:
        if self.kind == "village_to_bus":
            return dataclasses.replace(
                m, down_bus=m.down_bus | {self.village}, up_bus=m.up_bus | {self.village}
            )
        if self.kind in ("to_bus", "to_fleet"):
            attr = "down_bus" if self.flow == "down" else "up_bus"
            cur: frozenset[str] = getattr(m, attr)
            new = cur | {self.village} if self.kind == "to_bus" else cur - {self.village}
            return dataclasses.replace(m, **{attr: new})
        ch = m.chilled | {self.key} if self.kind == "to_cold" else m.chilled - {self.key}
        return dataclasses.replace(m, chilled=ch)

    @property
    def ident(self) -> tuple[str, str, str]:
        return (self.kind, self.flow, self.key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "move": self.kind,
            "flow": "both" if self.kind == "village_to_bus" else self.flow,
            "village": self.village,
            "what": self.key,
            "estimated_gain_yuan": round(self.gain, 2),
        }


@dataclass
class Outcome:
    """Everything one evaluation produced."""

    operation: str
    modes: Modes
    routes: list[Route]
    bus: list[BusConsignment]
    carried: list[Item]
    not_carried: list[tuple[Item, str]]
    spoilage: list[BatchSpoilage]
    costs: Costs
    network: BusNetwork
    routing: RoutingResult
    items: dict[str, Item]
    log: list[dict[str, Any]] = field(default_factory=list)
    rule_costs: Costs | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)
    """Item id -> why it is not carried: capacity, time_window, cold_chain, no_line, cost."""
    bus_economics: dict[str, Any] = field(default_factory=dict)
    """Why the bus is or is not used (:meth:`Engine.bus_economics`)."""

    @property
    def total(self) -> float:
        return self.costs.total


class Engine:
    """Plans one operation (integrated, down-only or up-only) for a set of items."""

    def __init__(
        self,
        ctx: Context,
        items: Sequence[Item],
        network: BusNetwork,
        spoil: SpoilageModel,
        operation: str,
        seed: int,
    ) -> None:
        self.ctx = ctx
        self.items = list(items)
        self.network = network
        self.spoil = spoil
        self.operation = operation
        self.seed = seed
        self.by_group: dict[tuple[Flow, str], list[Item]] = defaultdict(list)
        for it in self.items:
            if not it.cold:
                self.by_group[(it.flow, it.village)].append(it)
        self._reach: dict[tuple[str, bool, bool], str] = {}
        self.history: list[dict[str, Any]] = []
        self.use_bus = ctx.options.use_buses and bool(network.runs)
        self.hub_kw: dict[str, Any] = {
            "hub_ready_min": ctx.depart_min,
            "hub_deadline_min": ctx.return_min,
        }
        self.has_reefer = any(v.refrigerated for v in ctx.fleet.types)

    # ------------------------------------------------------------------ basics
    def truck_reason(self, it: Item, chilled: bool) -> str:
        """'' when some eligible vehicle can serve this item alone, else why not."""
        k = (it.id, chilled, it.source.hold_window)
        r = self._reach.get(k)
        if r is None:
            svc = self.ctx.service_min([it])
            early, late = self.ctx.window(it.village, [it], svc)
            r = self.ctx.reachable_by_any(it.village, early, late, svc, chilled)
            self._reach[k] = r
        return r

    def effective(self, it: Item, modes: Modes) -> Item:
        if it.boxed and it.source.key in modes.unboxed:
            src = dataclasses.replace(it.source, cold=True, boxed=False)
            return dataclasses.replace(it, source=src)
        if it.boxed and it.source.key in modes.hold_window:
            src = dataclasses.replace(it.source, hold_window=True)
            return dataclasses.replace(it, source=src)
        if it.source.key in modes.chilled and not it.cold:
            return dataclasses.replace(it, source=dataclasses.replace(it.source, cold=True))
        return it

    def trunk_yuan(self, items: Any) -> float:
        """The city trunk's cost for the produce ``items`` carried to the county hub."""
        p = self.ctx.params
        km = p["front_warehouse_km"]
        if km <= 0:
            return 0.0
        rate = p["trunk_yuan_per_t_km"]
        if p["front_warehouse_chilled"] >= 0.5:
            rate *= p["trunk_reefer_factor"]
        return math.fsum(it.kg for it in items) / 1000.0 * km * rate

    def penalty(self, it: Item) -> float:
        return penalty_yuan(self.ctx.params, it)

    def initial_modes(self) -> Modes:
        """The fixed rule: the fleet for everything it can serve, the bus where it cannot."""
        down: set[str] = set()
        up: set[str] = set()
        if self.use_bus:
            for (flow, village), its in self.by_group.items():
                if any(self.truck_reason(it, False) for it in its) and self.network.serves(
                    village
                ):
                    (down if flow == "down" else up).add(village)
        return Modes(frozenset(down), frozenset(up), frozenset())

    # ------------------------------------------------------------------ evaluation
    def evaluate(
        self,
        modes: Modes,
        seconds: float,
        warm: Sequence[Route] = (),
        offered: Sequence[int] | None = None,
        phase: str = "",
        exact: bool = False,
        depth: int = 0,
    ) -> Outcome:
        eff = {it.id: self.effective(it, modes) for it in self.items}
        net = self.network.copy()
        bus: list[BusConsignment] = []
        on_bus: set[str] = set()
        pairs: tuple[tuple[Flow, frozenset[str]], ...] = (
            ("down", modes.down_bus),
            ("up", modes.up_bus),
        )
        for flow, villages in pairs:
            for v in sorted(villages):
                g = [eff[it.id] for it in self.by_group.get((flow, v), [])]
                g = [it for it in g if _bus_ok(it)]
                if not g:
                    continue
                cons, _left = net.book_split(g, **self.hub_kw)
                bus += cons
                on_bus.update(i for c in cons for i in c.items)
        truck: list[Item] = []
        not_carried: list[tuple[Item, str]] = []
        for it in eff.values():
            if it.id in on_bus:
                continue
            r = self.truck_reason(it, it.cold)
            if r:
                not_carried.append((it, r))
            else:
                truck.append(it)
        clients = build_clients(self.ctx, truck)
        rr = solve_routes(
            self.ctx,
            clients,
            seconds,
            self.seed,
            self.operation,
            warm=warm,
            offered=offered,
            exact=exact,
        )
        self.history += [{"phase": phase, **h} for h in rr.history]
        for c, reason in rr.dropped:
            for it in c.items:
                not_carried.append((it, reason))
        not_carried, kinds = self._offer_left(net, not_carried, bus, on_bus, rr.offered)
        hold = self.ctx.params["box_hold_h"]
        late = over_hold(rr.routes, bus, eff, hold) if hold > 0 else {}
        if late:
            again = self._hold_repair(modes, eff, late, depth)
            return self.evaluate(
                again, seconds, rr.routes, offered, phase + "+hold", exact, depth + 1
            )
        carried = [eff[i] for r in rr.routes for i in r.item_ids]
        carried += [eff[i] for i in sorted(on_bus)]
        spoil = self._spoilage(rr.routes, bus, eff)
        costs = Costs(
            fixed=math.fsum(r.fixed_yuan for r in rr.routes),
            distance=math.fsum(r.distance_yuan for r in rr.routes),
            bus_fees=math.fsum(c.fee_yuan for c in bus),
            last_leg=math.fsum(c.last_leg_yuan for c in bus),
            spoilage=math.fsum(s.loss_yuan for s in spoil),
            penalty=math.fsum(self.penalty(it) for it, _ in not_carried),
            trunk=self.trunk_yuan(it for it in carried if it.flow == "up"),
            boxes=box_count(boxed_off_reefer(carried, rr.routes), self.ctx.params["box_kg"])
            * self.ctx.params["box_yuan"],
        )
        out = Outcome(
            self.operation, modes, rr.routes, bus, carried, not_carried, spoil, costs, net, rr, eff
        )
        out.kinds = kinds
        return out

    def _hold_repair(
        self,
        modes: Modes,
        eff: dict[str, Item],
        late: dict[str, float],
        depth: int,
    ) -> Modes:
        """Boxed parcels kept out of refrigeration too long (on a route or a bus): they get the
        hold's time window on a stop of their own, and no bus, when some vehicle can keep it,
        else they go by reefer. At the
        third try every boxed parcel gets the window (no van is then late), from the fourth
        every late one goes by reefer, from the sixth every boxed one, so that the plan always
        keeps the hold."""
        window = set(modes.hold_window)
        reefer = set(modes.unboxed)
        if depth >= 5:
            reefer |= {it.source.key for it in self.items if it.boxed}
        if depth == 2:
            window |= {it.source.key for it in self.items if it.boxed}
        for iid in late:
            it = eff[iid]
            key = it.source.key
            if depth >= 3 or key in modes.hold_window:
                reefer.add(key)
                continue
            timed = dataclasses.replace(
                it, source=dataclasses.replace(it.source, hold_window=True)
            )
            if self.truck_reason(timed, False):
                reefer.add(key)
            else:
                window.add(key)
        if depth == 2:  # the window for those a vehicle can keep it for, the reefer otherwise
            for it in self.items:
                if it.boxed and it.source.key in window and it.source.key not in reefer:
                    timed = dataclasses.replace(
                        it, source=dataclasses.replace(it.source, hold_window=True)
                    )
                    if self.truck_reason(timed, False):
                        reefer.add(it.source.key)
        return dataclasses.replace(
            modes, unboxed=frozenset(reefer), hold_window=frozenset(window - reefer)
        )

    def _offer_left(
        self,
        net: BusNetwork,
        left: list[tuple[Item, str]],
        bus: list[BusConsignment],
        on_bus: set[str],
        offered: dict[str, int] | None = None,
    ) -> tuple[list[tuple[Item, str]], dict[str, str]]:
        """Offer what no vehicle took to every bus run with room (split across runs), then
        name why the rest is not carried: ``capacity``, ``time_window``, ``cold_chain``,
        ``no_line`` (or ``cost``: dearer than its penalty). Books on ``net``."""
        groups: dict[tuple[Flow, str], list[tuple[Item, str]]] = defaultdict(list)
        # a vehicle the county has but the solver was not offered (a squeezed fleet): what the
        # offered vehicles could not take is left because one more would cost more
        spare = {
            chilled: any(
                (offered or {}).get(v.id, v.count) < v.count
                for v in self.ctx.fleet.types
                if v.refrigerated or not chilled
            )
            for chilled in (False, True)
        }
        for it, why in left:
            groups[(it.flow, it.village)].append((it, why))
        out: list[tuple[Item, str]] = []
        kinds: dict[str, str] = {}
        for (_flow, village), pairs in sorted(groups.items()):
            served = self.use_bus and net.serves(village)
            ambient = [it for it, _ in pairs if _bus_ok(it)]
            placed: set[str] = set()
            if served and ambient:
                cons, _still = net.book_split(ambient, **self.hub_kw)
                bus += cons
                placed = {i for c in cons for i in c.items}
                on_bus.update(placed)
            for it, why in pairs:
                if it.id in placed:
                    continue
                if it.cold:
                    if self.truck_reason(it, True):
                        kind = "cold_chain"
                        text = f"cold chain: {why}"
                    else:
                        kind = _kind_of(why)
                        if kind == "capacity" and spare[True]:
                            kind = "cost"
                            why += (
                                "; the county has more reefers, but one more would cost more "
                                "than the penalty"
                            )
                        text = f"{kind.replace('_', ' ')} (reefers): {why}"
                elif not _bus_ok(it):
                    # a boxed parcel held to its van window (no bus): cost, time or room
                    kind = _kind_of(why)
                    if kind == "capacity" and spare[False]:
                        kind = "cost"
                        why += "; the county has more vehicles, but one more would cost more"
                    hold = self.ctx.params["box_hold_h"]
                    text = (
                        f"{kind.replace('_', ' ')} (insulated box, handed over within "
                        f"{hold:g} h of the hub's opening): {why}"
                    )
                elif not self.use_bus or not self.network.serves(village):
                    kind = "no_line" if self.truck_reason(it, False) else _kind_of(why)
                    if kind == "capacity" and spare[False]:
                        kind = "cost"
                        why += "; the county has more vehicles, but one more would cost more"
                    text = f"{kind.replace('_', ' ')}: {why}; no bus line serves the village"
                elif net.quote([it], ignore_room=True, **self.hub_kw) is None:
                    kind = "time_window"
                    text = f"time window: {why}; no bus run reaches its stop in time"
                else:
                    kind = "capacity"
                    if spare[False] and _kind_of(why) == "capacity":
                        kind = "cost"
                        why += "; the county has more vehicles, but one more would cost more"
                    text = f"{kind}: {why}; no bus run had room left for it"
                kinds[it.id] = kind
                out.append((it, text))
        return out, kinds

    def _spoilage(
        self, routes: Sequence[Route], bus: Sequence[BusConsignment], eff: dict[str, Item]
    ) -> list[BatchSpoilage]:
        products = self.ctx.county.product_by_id
        out: list[BatchSpoilage] = []
        for r in routes:
            reefer = r.temperature_class != "ambient"
            for k, s in enumerate(r.stops):
                if not s.picked_up:
                    continue
                hub_min = next(t.arrival_min for t in r.stops[k + 1 :] if t.kind == "hub")
                for iid in s.picked_up:
                    it = eff[iid]
                    out.append(
                        self.spoil.truck(
                            product=products[it.source.product],
                            batch=it.source.batch,
                            item=it.id,
                            village=it.village,
                            kg=it.kg,
                            reefer=reefer,
                            harvest_min=it.source.harvest_min,
                            pickup_min=s.start_min,
                            hub_min=hub_min,
                        )
                    )
        for c in bus:
            if c.flow != "up":
                continue
            for iid in c.items:
                it = eff[iid]
                legs = [
                    Leg("waiting at the village", it.source.harvest_min, c.village_min, "ambient"),
                    Leg(
                        "last leg and wait at the bus stop", c.village_min, c.board_min, "ambient"
                    ),
                    Leg("bus ride to the county hub", c.board_min, c.alight_min, "ambient"),
                ]
                out.append(
                    self.spoil.spoilage(
                        product=products[it.source.product],
                        batch=it.source.batch,
                        item=it.id,
                        village=it.village,
                        kg=it.kg,
                        carrier="bus",
                        harvest_min=it.source.harvest_min,
                        pickup_min=c.village_min,
                        hub_min=c.alight_min,
                        legs=legs,
                    )
                )
        return out

    # ------------------------------------------------------------------ mode choice
    def optimise(self, budget: Budget) -> Outcome:
        opts = self.ctx.options
        total = budget.seconds
        movable = self.use_bus or self.has_reefer
        rounds = opts.mode_rounds if movable else 0
        first = total * (0.45 if rounds else 0.85)
        cur = self.evaluate(self.initial_modes(), min(first, budget.left()), phase="rule")
        rule = cur.costs
        log: list[dict[str, Any]] = []
        tabu: set[tuple[str, str, str]] = set()
        slice_s = max(0.05 * total, 0.02)
        tried_bus: set[frozenset[str]] = set()
        for k in range(2):
            # bus squeeze: a whole route's villages to the bus where the runs can take them,
            # one vehicle fewer (the bus pays by the van's day rate, not by a stop's km)
            if not self.use_bus or budget.left() < 0.3 * total:
                break
            bs = self._bus_squeeze(cur, tried_bus)
            if bs is None:
                break
            modes, warm_routes, fleet, gain = bs
            tried_bus.add(modes.down_bus | modes.up_bus)
            trial = self.evaluate(
                modes,
                0.3 * budget.left(),
                warm=warm_routes,
                offered=fleet,
                phase=f"bus squeeze {k + 1}",
                exact=True,
            )
            ok = trial.total < cur.total - 1e-6
            log.append(
                {
                    "round": f"bus squeeze {k + 1}",
                    "moves": [
                        {
                            "move": "route_to_bus",
                            "villages": sorted(
                                (modes.down_bus | modes.up_bus)
                                - (cur.modes.down_bus | cur.modes.up_bus)
                            ),
                            "estimated_gain_yuan": round(gain, 2),
                        }
                    ],
                    "cost_before_yuan": round(cur.total, 2),
                    "cost_after_yuan": round(trial.total, 2),
                    "accepted": ok,
                }
            )
            if ok:
                cur = trial
        for rnd in range(rounds):
            if budget.left() < slice_s * 1.5:
                break
            moves = [m for m in self.candidates(cur) if m.ident not in tabu]
            if not moves:
                break
            batch = _non_conflicting(moves, max(1, len(moves) // 2))
            tried = [batch] if len(batch) == 1 else [batch, batch[:1]]
            accepted = False
            for b in tried:
                if budget.left() < slice_s:
                    break
                modes = cur.modes
                for m in b:
                    modes = m.apply(modes)
                trial = self.evaluate(
                    modes,
                    slice_s,
                    warm=cur.routes,
                    offered=_offered(self.ctx, cur),
                    phase=f"round {rnd + 1}",
                )
                ok = trial.total < cur.total - 1e-6
                log.append(
                    {
                        "round": rnd + 1,
                        "moves": [m.to_dict() for m in b],
                        "cost_before_yuan": round(cur.total, 2),
                        "cost_after_yuan": round(trial.total, 2),
                        "accepted": ok,
                    }
                )
                if ok:
                    cur = trial
                    accepted = True
                    break
            if not accepted:
                tabu.add(batch[0].ident)
        for k in range(2):
            # fleet squeeze: the day without its smallest route, one vehicle fewer of that
            # type; the solver must place its stops elsewhere (fixed costs are large)
            sq = self._squeeze(cur)
            if sq is None or budget.left() < 0.25 * total:
                break
            warm_routes, fleet = sq
            trial = self.evaluate(
                cur.modes,
                0.3 * budget.left(),
                warm=warm_routes,
                offered=fleet,
                phase=f"squeeze {k + 1}",
                exact=True,
            )
            if trial.total < cur.total - 1e-6:
                cur = trial
            else:
                break
        left = budget.left()
        if left > 0.02:
            polished = self.evaluate(
                cur.modes,
                left * 0.95,
                warm=cur.routes,
                offered=_offered(self.ctx, cur),
                phase="polish",
            )
            if polished.total <= cur.total + 1e-6:
                cur = polished
        cur.log = log
        cur.rule_costs = rule
        cur.history = list(self.history)
        cur.bus_economics = self.bus_economics(cur)
        return cur

    def _bus_squeeze(
        self, cur: Outcome, tried: set[frozenset[str]]
    ) -> tuple[Modes, list[Route], list[int], float] | None:
        """The route whose villages the bus can best take over: (modes with them on the bus,
        the other routes, the fleet with one vehicle fewer of its type, estimated gain)."""
        types = self.ctx.fleet.types
        used = {v.id: 0 for v in types}
        for r in cur.routes:
            used[r.vehicle_type] += 1
        spoil_of = {x.item: x for x in cur.spoilage}
        best: tuple[float, Modes, Route] | None = None
        for r in cur.routes:
            ids = set(r.item_ids)
            net = cur.network.copy()
            down, up = set(cur.modes.down_bus), set(cur.modes.up_bus)
            cost = 0.0
            moved: set[str] = set()
            # a group goes only if its bus fees stay below its share of the route's cost
            share = (r.fixed_yuan + r.distance_yuan) / max(1, len(set(r.villages)))
            for village in sorted(set(r.villages)):
                if not net.serves(village):
                    continue
                both: tuple[tuple[Flow, set[str]], ...] = (("down", down), ("up", up))
                for flow, into in both:
                    g = [cur.items[it.id] for it in self.by_group.get((flow, village), [])]
                    g = [it for it in g if not it.cold]
                    if not g or not all(it.id in ids for it in g):
                        continue
                    trial = net.copy()
                    q = self._bus_offer(cur, g, spoil_of, trial)
                    if q is None or q[0] + q[1] > share:
                        continue
                    net = trial
                    cost += q[0] + q[1]
                    into.add(village)
                    moved.update(it.id for it in g)
            if not moved:
                continue
            rest = [cur.items[i] for i in ids - moved]
            others = dataclasses.replace(cur, routes=[x for x in cur.routes if x is not r])
            by_v: dict[str, list[Item]] = defaultdict(list)
            for it in rest:
                by_v[it.village].append(it)
            ins = math.fsum(self._insertion(others, v, its) for v, its in by_v.items())
            gain = r.fixed_yuan + r.distance_yuan - cost - ins
            modes = dataclasses.replace(cur.modes, down_bus=frozenset(down), up_bus=frozenset(up))
            if (modes.down_bus | modes.up_bus) in tried or not math.isfinite(gain):
                continue
            if best is None or gain > best[0]:
                best = (gain, modes, r)
        if best is None or best[0] <= 0:
            return None
        gain, modes, drop = best
        fleet = [max(1, used[v.id]) for v in types]
        i = next(k for k, v in enumerate(types) if v.id == drop.vehicle_type)
        fleet[i] = max(1, used[drop.vehicle_type] - 1)
        return modes, [x for x in cur.routes if x is not drop], fleet, gain

    def _squeeze(self, cur: Outcome) -> tuple[list[Route], list[int]] | None:
        """Routes without the one with the fewest stops, and the fleet to offer: what each
        type uses now, one fewer of that route's type (``None``: nothing to squeeze)."""
        if not cur.routes:
            return None
        types = self.ctx.fleet.types
        used = {v.id: 0 for v in types}
        for r in cur.routes:
            used[r.vehicle_type] += 1
        drop = min(cur.routes, key=lambda r: (len(r.villages), r.km, r.vehicle))
        fleet = [max(1, used[v.id]) for v in types]
        i = next(k for k, v in enumerate(types) if v.id == drop.vehicle_type)
        if used[drop.vehicle_type] <= 1:
            return None
        fleet[i] = used[drop.vehicle_type] - 1
        return [r for r in cur.routes if r is not drop], fleet

    def candidates(self, cur: Outcome) -> list[Move]:
        """Single moves with a positive estimated gain, best first."""
        out: list[Move] = []
        where = _item_positions(cur.routes)
        bus_of = {iid: c for c in cur.bus for iid in c.items}
        spoil_of = {s.item: s for s in cur.spoilage}
        modes = cur.modes
        if self.use_bus:
            on_truck: dict[str, dict[Flow, list[Item]]] = defaultdict(dict)
            for (flow, village), its in sorted(self.by_group.items()):
                if not self.network.serves(village):
                    continue
                g = [cur.items[it.id] for it in its]
                g = [it for it in g if not it.cold]
                if not g:
                    continue
                ids = {it.id for it in g}
                on_bus = (village in (modes.down_bus if flow == "down" else modes.up_bus)) and all(
                    i in bus_of for i in ids
                )
                if on_bus:
                    cons_of = {bus_of[i].run: bus_of[i] for i in ids}
                    save = math.fsum(c.fee_yuan + c.last_leg_yuan for c in cons_of.values())
                    if any(self.truck_reason(it, False) for it in g):
                        continue
                    ins = self._insertion(cur, village, g)
                    gain = save - ins
                    if gain > 1e-6:
                        out.append(Move("to_fleet", flow, village, f"{flow}:{village}", gain))
                elif all(i in where for i in ids):
                    on_truck[village][flow] = g
                    quoted = self._bus_offer(cur, g, spoil_of)
                    if quoted is None:
                        continue
                    cost, dspoil = quoted
                    save = self._removal(cur.routes, ids)
                    gain = save - cost - dspoil
                    if gain > 1e-6:
                        out.append(Move("to_bus", flow, village, f"{flow}:{village}", gain))
            # both flows of a village at once: the stop leaves the van's route
            for village, fl in sorted(on_truck.items()):
                if len(fl) < 2:
                    continue
                g = [*fl["down"], *fl["up"]]
                ids = {it.id for it in g}
                net = cur.network.copy()
                total = 0.0
                ok = True
                for part in (fl["down"], fl["up"]):
                    quoted = self._bus_offer(cur, part, spoil_of, net)
                    if quoted is None:
                        ok = False
                        break
                    total += quoted[0] + quoted[1]
                if not ok:
                    continue
                gain = self._removal(cur.routes, ids) - total
                if gain > 1e-6:
                    out.append(Move("village_to_bus", "down", village, f"both:{village}", gain))
        if self.has_reefer:
            by_source: dict[str, list[Item]] = defaultdict(list)
            for it in self.items:
                if it.flow == "up" and not it.cold:
                    by_source[it.source.key].append(it)
            for key, its in sorted(by_source.items()):
                ids = {it.id for it in its}
                if not all(i in where for i in ids):
                    continue
                if any(self.truck_reason(it, True) for it in its):
                    continue
                village = its[0].village
                now = [spoil_of[i] for i in ids if i in spoil_of]
                if len(now) != len(ids):
                    continue
                now_cold = all(s.chain == "cold" for s in now)
                chosen = key in modes.chilled
                if not chosen and now_cold:
                    continue  # an ambient batch the solver already put on a reefer
                g = [cur.items[i] for i in sorted(ids)]
                save = self._removal(cur.routes, ids)
                ins = self._insertion(cur, village, g, chilled=not chosen)
                now_loss = math.fsum(s.loss_yuan for s in now)
                if not chosen and save - ins + now_loss <= 1e-6:
                    continue  # even a loss-free cold chain would not pay
                alt = math.fsum(self._flip(s, its, not chosen) for s in now)
                gain = save - ins - (alt - now_loss)
                if gain > 1e-6:
                    kind: MoveKind = "to_ambient" if chosen else "to_cold"
                    out.append(Move(kind, "up", village, key, gain))
        out.sort(key=lambda m: (-m.gain, m.ident))
        return out

    def bus_economics(self, cur: Outcome) -> dict[str, Any]:
        """Why the bus is or is not used: for every village a line serves, the bus's price for
        its ambient flows against what the vehicles would save without them (issue 12).

        Per village: bus fees + last legs of both ambient groups booked on a copy of the
        current network (``None`` when the runs have no room or no run is in time), the
        vehicles' real saving (:meth:`_removal`: the route re-costed without the village's
        ambient items; the stop stays when cold parcels or chilled produce keep a vehicle
        there), and what keeps the stop. The same estimate as the mode choice's village move.
        """
        out: dict[str, Any] = {"lines": len({r.line.id for r in self.network.runs})}
        if not self.use_bus:
            out["verdict"] = (
                "没有班车线路 / no bus lines in the bundle"
                if not self.network.runs
                else "班车未启用 / buses switched off (use_buses=False)"
            )
            return out
        where = _item_positions(cur.routes)
        on_bus = {iid for c in cur.bus for iid in c.items}
        spoil_of = {s.item: s for s in cur.spoilage}
        rows: list[dict[str, Any]] = []
        villages = sorted({v for (_f, v) in self.by_group})
        line_stops = {s for r in self.network.runs for s in r.stops}
        for village in villages:
            if not self.network.serves(village):
                continue
            groups = [
                [cur.items[it.id] for it in self.by_group.get((flow, village), [])]
                for flow in ("down", "up")
            ]
            groups = [[it for it in g if not it.cold] for g in groups]
            groups = [g for g in groups if g]
            ids = {it.id for g in groups for it in g}
            if not ids:
                continue
            row: dict[str, Any] = {
                "village": village,
                "stop": "village" if village in line_stops else "township",
                "parcels": sum(it.parcels for g in groups for it in g if it.flow == "down"),
                "produce_kg": round(
                    math.fsum(it.kg for g in groups for it in g if it.flow == "up"), 3
                ),
            }
            if ids <= on_bus:
                row["status"] = "on_bus"
                rows.append(row)
                continue
            if not ids <= set(where):
                row["status"] = "mixed"
                rows.append(row)
                continue
            keep = sorted(
                {
                    "cold parcels" if it.flow == "down" else "chilled produce"
                    for it in cur.items.values()
                    if it.village == village and it.id in where and it.id not in ids
                }
            )
            net = cur.network.copy()
            cost = 0.0
            pieces = 0
            ok = True
            for g in groups:
                q = self._bus_offer(cur, g, spoil_of, net)
                if q is None:
                    ok = False
                    break
                cost += q[0] + q[1]
                pieces += self.network.pieces(g)
            saving = self._removal(cur.routes, ids)
            row.update(
                {
                    "status": "no_room_or_time" if not ok else "vehicle",
                    "vehicle_saving_yuan": round(saving, 2),
                    "stop_kept_by": keep,
                }
            )
            if ok:
                row["bus_yuan"] = round(cost, 2)
                row["bus_pieces"] = pieces
                row["pays"] = saving > cost + 1e-6
            rows.append(row)
        squeezes = [e for e in cur.log if str(e.get("round", "")).startswith("bus squeeze")]
        out.update(
            {
                "villages_on_lines": len(rows),
                "bus_consignments": len(cur.bus),
                "at_village_stops": _economics_summary(
                    [r for r in rows if r["stop"] == "village"]
                ),
                "behind_township_stops": _economics_summary(
                    [r for r in rows if r["stop"] == "township"]
                ),
                "route_squeezes": [
                    {
                        "accepted": bool(e.get("accepted")),
                        "cost_before_yuan": e.get("cost_before_yuan"),
                        "cost_after_yuan": e.get("cost_after_yuan"),
                    }
                    for e in squeezes
                ],
                "villages": rows,
            }
        )
        out["verdict"] = _bus_verdict(out)
        return out

    def _bus_offer(
        self,
        cur: Outcome,
        g: Sequence[Item],
        spoil_of: dict[str, BatchSpoilage],
        net: BusNetwork | None = None,
    ) -> tuple[float, float] | None:
        """(bus fees + last legs, spoilage change) of putting the group ``g`` on the bus,
        split across runs as needed; ``None`` when the runs cannot take all of it. Books on
        ``net`` when given, else on a copy of the current network."""
        n = cur.network.copy() if net is None else net
        cons, left = n.book_split(g, **self.hub_kw)
        if left or not cons:
            return None
        cost = math.fsum(c.fee_yuan + c.last_leg_yuan for c in cons)
        dspoil = 0.0
        if g[0].flow == "up":
            by_id = {it.id: it for it in g}
            before = math.fsum(spoil_of[i].loss_yuan for i in by_id if i in spoil_of)
            after = math.fsum(
                self._bus_spoil(by_id[i], c).loss_yuan for c in cons for i in c.items
            )
            dspoil = after - before
        return cost, dspoil

    def _flip(self, s: BatchSpoilage, its: Sequence[Item], reefer: bool) -> float:
        product = self.ctx.county.product_by_id[s.product]
        it = next(i for i in its if i.id == s.item)
        return self.spoil.truck(
            product=product,
            batch=s.batch,
            item=s.item,
            village=s.village,
            kg=it.kg,
            reefer=reefer,
            harvest_min=it.source.harvest_min,
            pickup_min=s.pickup_min,
            hub_min=s.hub_min,
        ).loss_yuan

    def _bus_spoil(self, it: Item, c: BusConsignment) -> BatchSpoilage:
        product = self.ctx.county.product_by_id[it.source.product]
        legs = [
            Leg("waiting at the village", it.source.harvest_min, c.village_min, "ambient"),
            Leg("last leg and wait at the bus stop", c.village_min, c.board_min, "ambient"),
            Leg("bus ride to the county hub", c.board_min, c.alight_min, "ambient"),
        ]
        return self.spoil.spoilage(
            product=product,
            batch=it.source.batch,
            item=it.id,
            village=it.village,
            kg=it.kg,
            carrier="bus",
            harvest_min=it.source.harvest_min,
            pickup_min=c.village_min,
            hub_min=c.alight_min,
            legs=legs,
        )

    def _removal(self, routes: Sequence[Route], ids: set[str]) -> float:
        """Yuan saved by taking the items ``ids`` off their routes (stops left empty go)."""
        geo = self.ctx.geo
        types = {v.id: v for v in self.ctx.fleet.types}
        save = 0.0
        for r in routes:
            if not any(i in ids for i in r.item_ids):
                continue
            seq: list[str] = []
            kinds: list[str] = []
            for s in r.stops:
                if s.kind == "village":
                    rest = [i for i in (*s.delivered, *s.picked_up) if i not in ids]
                    if not rest:
                        continue
                if s.kind == "hub" and kinds and kinds[-1] == "hub":
                    continue
                seq.append(s.place)
                kinds.append(s.kind)
            if len(seq) > 1 and kinds[-1] != "hub":
                seq.append(self.ctx.hub.id)
            v = types[r.vehicle_type]
            if all(k == "hub" for k in kinds):
                save += r.fixed_yuan + r.distance_yuan
                continue
            km = math.fsum(geo.distance_km(a, b) for a, b in itertools.pairwise(seq))
            save += (r.km - km) * v.cost_yuan_per_km
        return save

    def _insertion(
        self, cur: Outcome, village: str, items: Sequence[Item], chilled: bool | None = None
    ) -> float:
        """Estimated yuan to add ``items`` (one village) to the current routes."""
        ctx = self.ctx
        geo = ctx.geo
        hub = ctx.hub.id
        cold = any(it.cold for it in items) if chilled is None else chilled
        kg = math.fsum(it.kg for it in items)
        m3 = math.fsum(it.m3 for it in items)
        svc = ctx.service_min(items)
        types = {v.id: v for v in ctx.fleet.types}
        best = math.inf
        used: dict[str, int] = defaultdict(int)
        for r in cur.routes:
            used[r.vehicle_type] += 1
            v = types[r.vehicle_type]
            if cold and not v.refrigerated:
                continue
            slack = v.shift_hours * 60.0 - (r.end_min - r.start_min)
            trip_peak: dict[int, float] = defaultdict(float)
            trip_peak_m3: dict[int, float] = defaultdict(float)
            for leg in r.legs:
                trip_peak[leg.trip] = max(trip_peak[leg.trip], leg.load_kg)
                trip_peak_m3[leg.trip] = max(trip_peak_m3[leg.trip], leg.m3)
            for a, b in zip(r.stops, r.stops[1:], strict=False):
                trip = b.trip if b.kind == "village" else max(a.trip, 1)
                if (
                    trip_peak[trip] + kg > v.capacity_kg + 1e-9
                    or trip_peak_m3[trip] + m3 > v.capacity_m3 + 1e-9
                ):
                    continue
                d = (
                    geo.distance_km(a.place, village)
                    + geo.distance_km(village, b.place)
                    - geo.distance_km(a.place, b.place)
                )
                if d / v.speed_kmh * 60.0 + svc > slack:
                    continue
                best = min(best, d * v.cost_yuan_per_km)
            if r.trips < ctx.options.max_trips:
                d = 2.0 * geo.distance_km(hub, village)
                if d / v.speed_kmh * 60.0 + svc + ctx.params["depot_load_min"] <= slack:
                    best = min(best, d * v.cost_yuan_per_km)
        for v in ctx.fleet.types:
            if (cold and not v.refrigerated) or used[v.id] >= v.count:
                continue
            best = min(
                best, v.fixed_cost_yuan + 2.0 * geo.distance_km(hub, village) * v.cost_yuan_per_km
            )
        return best


def _economics_summary(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Counts and means of :meth:`Engine.bus_economics` rows."""
    priced = [r for r in rows if "bus_yuan" in r]
    bus_y = math.fsum(r["bus_yuan"] for r in priced)
    save_y = math.fsum(r["vehicle_saving_yuan"] for r in priced)
    pcs = sum(r["bus_pieces"] for r in priced)
    return {
        "villages": len(rows),
        "on_bus": sum(1 for r in rows if r["status"] == "on_bus"),
        "priced": len(priced),
        "no_room_or_time": sum(1 for r in rows if r["status"] == "no_room_or_time"),
        "vehicle_stops_anyway": sum(1 for r in priced if r.get("stop_kept_by")),
        "bus_would_pay": sum(1 for r in priced if r["pays"]),
        "mean_bus_yuan": round(bus_y / len(priced), 2) if priced else None,
        "mean_vehicle_saving_yuan": round(save_y / len(priced), 2) if priced else None,
        "bus_yuan_per_piece": round(bus_y / pcs, 3) if pcs else None,
        "vehicle_saving_yuan_per_piece": round(save_y / pcs, 3) if pcs else None,
    }


def _bus_verdict(e: dict[str, Any]) -> str:
    """One sentence, Chinese and English, on whether the bus pays and why."""
    n = e["villages_on_lines"]
    if not n:
        return "线路不经过有货的村 / no line serves a village with ambient flows today"
    parts = [
        f"班车承运 {e['bus_consignments']} 单 / the bus carries {e['bus_consignments']} "
        f"consignment(s)"
    ]
    pays = 0
    for key, where in (
        ("at_village_stops", "villages that are stops of a line"),
        ("behind_township_stops", "villages behind a township stop (tricycle last leg)"),
    ):
        s = e[key]
        if not s["villages"]:
            continue
        pays += s["bus_would_pay"]
        txt = f"{s['villages']} {where}: {s['on_bus']} wholly by bus"
        if s["priced"]:
            txt += (
                f"; for {s['priced']} on vehicles the bus would cost {s['mean_bus_yuan']:.2f} "
                f"yuan a village ({s['bus_yuan_per_piece']:.2f} a parcel or produce piece: "
                f"fees, last legs, spoilage change), the vehicles would save "
                f"{s['mean_vehicle_saving_yuan']:.2f} ({s['vehicle_saving_yuan_per_piece']:.2f}"
                " a piece: the route's km without them)"
            )
            if s["vehicle_stops_anyway"]:
                txt += (
                    f", {s['vehicle_stops_anyway']} of them keep a vehicle stop anyway (cold "
                    "parcels or chilled produce on a reefer: the ambient flows ride along at "
                    "no extra km)"
                )
            if s["bus_would_pay"]:
                txt += f", the bus pays at {s['bus_would_pay']}"
        if s["no_room_or_time"]:
            txt += f"; {s['no_room_or_time']} do not fit the runs' spare room or timetable"
        parts.append(txt)
    squeezes = e["route_squeezes"]
    if not pays:
        parts.append(
            "班车逐村不划算 / village by village the bus does not pay here: it pays only by "
            "replacing a whole vehicle (route squeezes: "
            + (", ".join("kept" if q["accepted"] else "rejected" for q in squeezes) or "none")
            + ")"
        )
    return "; ".join(parts) + "."


def _kind_of(why: str) -> str:
    if "capacity" in why or "room" in why:
        return "capacity"
    if "penalty" in why:
        return "cost"
    return "time_window"


def _item_positions(routes: Sequence[Route]) -> dict[str, str]:
    return {i: r.vehicle for r in routes for i in r.item_ids}


def _non_conflicting(moves: Sequence[Move], limit: int) -> list[Move]:
    out: list[Move] = []
    seen: set[tuple[str, str]] = set()
    for m in moves:
        ks = (
            {(m.village, "down"), (m.village, "up")}
            if m.kind == "village_to_bus"
            else {(m.village, m.flow)}
        )
        if ks & seen:
            continue
        seen |= ks
        out.append(m)
        if len(out) >= limit:
            break
    return out


def _offered(ctx: Context, cur: Outcome) -> list[int] | None:
    if not cur.routing.offered:
        return None
    return [cur.routing.offered.get(v.id, 1) for v in ctx.fleet.types]


def _bus_ok(it: Item) -> bool:
    """May ride a bus: not chilled, and not a boxed parcel held to the hold's van window (a
    bus ride broke its hold once)."""
    return not it.cold and not (it.boxed and it.source.hold_window)
