"""Scheduled bus lines as a carrier (客货邮融合).

Model (stated in ``docs/logistics.md``):

* A bus line runs its stops in order from each departure (outbound) and, when
  ``return_trip``, back in reverse right after reaching the last stop (turnaround of
  ``dwell_min``). Arrival times come from the road km between stops at the line's speed plus
  ``dwell_min`` at each intermediate stop.
* A village can use a line that stops at the county hub and at the village itself or at its
  township station. Down parcels board at the hub on a run that reaches the stop after the
  hub; up produce boards at the stop on a run that reaches the hub after it.
* The last leg between the village and a township-station stop is counted. It is driven
  by a township tricycle (round trips, several when the load exceeds its capacity: their km
  give the CO2), taking ``transfer_min`` at each end, and costs the cheaper of a courier's
  ``last_mile_yuan_per_parcel`` per parcel or produce piece (PARAMS.md s.3 GAP, village
  last mile 1.5-3 yuan per parcel) and the tricycle's own cost for the consignment: km x
  ``last_leg_yuan_per_km`` + hours (driving both ways, both handovers) x
  ``last_leg_yuan_per_hour``. A per-parcel rate is a courier's unit price for single
  parcels; a village's whole consignment rides one shuttle, whose cost does not grow with
  its parcels (a 30-parcel consignment 4 km out: 60 yuan per parcel, about 24 by shuttle).
  Down parcels are available at the hub from its opening; up produce leaves the village
  when the group's last batch is ready.
* Each run offers ``spare_kg_per_run`` (and ``spare_m3_per_run`` when given) on every leg;
  bookings never exceed it on any leg. The fee is ``fee_yuan_per_kg`` x kg plus
  ``fee_yuan_per_parcel`` x parcels (produce counts one piece per ``up_kg_per_piece``);
  generated lines charge per parcel only (pilots pay the bus per parcel and by distance,
  PARAMS.md s3 Jungar; a per-kg rate on top would charge the same parcel twice).
* A bus has no cold chain: cold parcels and cold-chain batches never go by bus. The bus runs
  anyway, so its km and CO2 are not charged to the plan; the last leg's are.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ruralflow.domain import BusLine, County
from ruralflow.geo import Geography
from ruralflow.logistics.flows import Item
from ruralflow.logistics.params import Params

Direction = Literal["outbound", "return"]


def hhmm(minutes: float) -> str:
    m = round(minutes)
    return f"{m // 60:02d}:{m % 60:02d}"


@dataclass(frozen=True, slots=True)
class BusRun:
    """One run of a line in one direction: stops in travel order and arrival minutes."""

    line: BusLine
    departure_min: int
    direction: Direction
    stops: tuple[str, ...]
    arrive: tuple[float, ...]

    @property
    def id(self) -> str:
        return f"{self.line.id}@{hhmm(self.departure_min)}/{self.direction}"

    def depart(self, k: int) -> float:
        """Departure minute from stop ``k`` (dwell after arrival, none at the first stop)."""
        return self.arrive[k] + (0 if k == 0 else self.line.dwell_min)


def bus_runs(county: County, geo: Geography) -> list[BusRun]:
    """Every run of every line of the county, outbound and (if any) return."""
    runs: list[BusRun] = []
    for line in county.bus_lines:
        speed = line.speed_kmh
        for dep in line.departures:
            t = float(dep)
            arrive = [t]
            for a, b in zip(line.stops, line.stops[1:], strict=False):
                t += (line.dwell_min if len(arrive) > 1 else 0) + geo.minutes(a, b, speed)
                arrive.append(t)
            runs.append(BusRun(line, dep, "outbound", line.stops, tuple(arrive)))
            if line.return_trip:
                back = tuple(reversed(line.stops))
                t = arrive[-1] + line.dwell_min
                arr2 = [t]
                for a, b in itertools.pairwise(back):
                    t += (line.dwell_min if len(arr2) > 1 else 0) + geo.minutes(a, b, speed)
                    arr2.append(t)
                runs.append(BusRun(line, dep, "return", back, tuple(arr2)))
    return runs


@dataclass(frozen=True, slots=True)
class BusConsignment:
    """A village's down parcels or up produce on one bus run, with its last leg."""

    run: str
    line: str
    departure: str
    direction: Direction
    flow: Literal["down", "up"]
    village: str
    stop: str
    board: str
    alight: str
    board_min: float
    alight_min: float
    parcels: int
    pieces: int
    kg: float
    m3: float
    items: tuple[str, ...]
    batches: tuple[str, ...]
    fee_yuan: float
    last_leg_km: float
    last_leg_trips: int
    last_leg_yuan: float
    last_leg_co2_kg: float
    village_min: float
    """down: delivered at the village; up: left the village."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "line": self.line,
            "departure": self.departure,
            "direction": self.direction,
            "flow": self.flow,
            "village": self.village,
            "stop": self.stop,
            "board": self.board,
            "alight": self.alight,
            "board_time": hhmm(self.board_min),
            "alight_time": hhmm(self.alight_min),
            ("delivered_at_village" if self.flow == "down" else "left_village"): hhmm(
                self.village_min
            ),
            "parcels": self.parcels,
            "pieces": self.pieces,
            "kg": round(self.kg, 3),
            "m3": round(self.m3, 4),
            "items": list(self.items),
            "batches": list(self.batches),
            "fee_yuan": round(self.fee_yuan, 2),
            "last_leg_km": round(self.last_leg_km, 3),
            "last_leg_trips": self.last_leg_trips,
            "last_leg_yuan": round(self.last_leg_yuan, 2),
            "last_leg_co2_kg": round(self.last_leg_co2_kg, 3),
        }


@dataclass
class BusNetwork:
    """Runs, their residual room per leg, and the offer to each village."""

    county: County
    geo: Geography
    params: Params
    runs: list[BusRun]
    room_kg: list[list[float]] = field(default_factory=list)
    room_m3: list[list[float]] = field(default_factory=list)

    @classmethod
    def build(cls, county: County, geo: Geography, params: Params) -> BusNetwork:
        runs = bus_runs(county, geo)
        net = cls(county, geo, params, runs)
        net.room_kg = [[r.line.spare_kg_per_run] * (len(r.stops) - 1) for r in runs]
        net.room_m3 = [
            [r.line.spare_m3_per_run if r.line.spare_m3_per_run > 0 else math.inf]
            * (len(r.stops) - 1)
            for r in runs
        ]
        return net

    def copy(self) -> BusNetwork:
        return BusNetwork(
            self.county,
            self.geo,
            self.params,
            self.runs,
            [list(x) for x in self.room_kg],
            [list(x) for x in self.room_m3],
        )

    def stop_of(self, run: BusRun, village: str) -> str | None:
        if village in run.stops:
            return village
        town = self.county.place_by_id[village].parent
        return town if town in run.stops else None

    def serves(self, village: str) -> bool:
        hub = self.county.settings.hub
        return any(hub in r.stops and self.stop_of(r, village) for r in self.runs)

    def _last_leg(
        self, village: str, stop: str, kg: float, pieces: int
    ) -> tuple[int, float, float, float]:
        """(trips, km, yuan, minutes one way) of the last leg for ``kg`` in ``pieces``."""
        if stop == village:
            return 0, 0.0, 0.0, 0.0
        p = self.params
        km1 = self.geo.distance_km(village, stop)
        trips = max(1, math.ceil(kg / p["last_leg_capacity_kg"] - 1e-9))
        km = 2.0 * km1 * trips
        minutes = km1 / p["last_leg_speed_kmh"] * 60.0
        # a courier's per-parcel rate, or the township tricycle's shuttle of the whole
        # consignment (round trips, driving and a handover at each end), whichever is cheaper
        hours = trips * (2.0 * minutes + 2.0 * p["transfer_min"]) / 60.0
        shuttle = km * p["last_leg_yuan_per_km"] + hours * p["last_leg_yuan_per_hour"]
        yuan = min(pieces * p["last_mile_yuan_per_parcel"], shuttle)
        return trips, km, yuan, minutes

    def pieces(self, items: Sequence[Item]) -> int:
        per = self.params["up_kg_per_piece"]
        return sum(
            it.parcels if it.flow == "down" else max(1, math.ceil(it.kg / per - 1e-9))
            for it in items
        )

    def quote(
        self,
        items: Sequence[Item],
        only: int | None = None,
        ignore_room: bool = False,
        hub_ready_min: float | None = None,
        hub_deadline_min: float | None = None,
    ) -> tuple[int, BusConsignment] | None:
        """The earliest run that can take ``items`` (one village, one flow), or ``None``.

        ``only``: consider that run alone; ``ignore_room``: as if every run were empty (to
        tell a capacity shortage from a timing one). Down parcels board no earlier than
        ``hub_ready_min`` (sorted; default the hub's opening) and up produce reaches the hub
        by ``hub_deadline_min`` (the city trunk; default the hub's closing).
        Does not book; see :meth:`book`.
        """
        if not items:
            return None
        village = items[0].village
        flow = items[0].flow
        if any(it.cold or it.village != village or it.flow != flow for it in items):
            return None
        hub_id = self.county.settings.hub
        hub = self.county.place_by_id[hub_id]
        vil = self.county.place_by_id[village]
        kg = math.fsum(it.kg for it in items)
        m3 = math.fsum(it.m3 for it in items)
        parcels = sum(it.parcels for it in items)
        pieces = self.pieces(items)
        transfer = self.params["transfer_min"]
        ready = max(it.ready_min for it in items) if flow == "up" else hub.open_min
        h_ready = float(hub.open_min)
        if hub_ready_min is not None:
            h_ready = max(h_ready, hub_ready_min)
        h_late = float(hub.close_min)
        if hub_deadline_min is not None:
            h_late = min(h_late, hub_deadline_min)
        best: tuple[float, int, BusConsignment] | None = None
        for ri, run in enumerate(self.runs):
            if only is not None and ri != only:
                continue
            if hub_id not in run.stops:
                continue
            stop = self.stop_of(run, village)
            if stop is None or stop == hub_id:
                continue
            h = run.stops.index(hub_id)
            s = run.stops.index(stop)
            if (flow == "down" and h >= s) or (flow == "up" and s >= h):
                continue
            board_k, alight_k = (h, s) if flow == "down" else (s, h)
            if not ignore_room and any(
                self.room_kg[ri][k] < kg - 1e-9 or self.room_m3[ri][k] < m3 - 1e-9
                for k in range(board_k, alight_k)
            ):
                continue
            trips, km, yuan, leg_min = self._last_leg(village, stop, kg, pieces)
            board_t = run.depart(board_k)
            alight_t = run.arrive[alight_k]
            if flow == "down":
                if board_t < h_ready:
                    continue
                at_village = alight_t + (transfer + leg_min if stop != village else 0.0)
                at_village = max(at_village, vil.open_min)
                if at_village > vil.close_min:
                    continue
                key = at_village
            else:
                leave = max(float(ready), float(vil.open_min))
                at_stop = leave + (leg_min + transfer if stop != village else 0.0)
                if at_stop > board_t or alight_t > h_late or leave > vil.close_min:
                    continue
                at_village = leave
                key = alight_t
            fee = run.line.fee_yuan_per_kg * kg + run.line.fee_yuan_per_parcel * pieces
            cons = BusConsignment(
                run=run.id,
                line=run.line.id,
                departure=hhmm(run.departure_min),
                direction=run.direction,
                flow=flow,
                village=village,
                stop=stop,
                board=run.stops[board_k],
                alight=run.stops[alight_k],
                board_min=board_t,
                alight_min=alight_t,
                parcels=parcels,
                pieces=pieces,
                kg=kg,
                m3=m3,
                items=tuple(it.id for it in items),
                batches=tuple(sorted({it.source.batch for it in items if it.source.batch})),
                fee_yuan=fee,
                last_leg_km=km,
                last_leg_trips=trips,
                last_leg_yuan=yuan,
                last_leg_co2_kg=km * self.params["last_leg_co2_kg_per_km"],
                village_min=at_village,
            )
            if best is None or (key, ri) < (best[0], best[1]):
                best = (key, ri, cons)
        return None if best is None else (best[1], best[2])

    def book_split(
        self,
        items: Sequence[Item],
        hub_ready_min: float | None = None,
        hub_deadline_min: float | None = None,
    ) -> tuple[list[BusConsignment], list[Item]]:
        """Book ``items`` (one village, one flow) on as few runs as needed, earliest first.

        The whole group goes on one run when one has room; else each run that can take some
        of it in time (earliest arrival first) takes as many pieces as fit its spare room
        (first fit, pieces in ready order), over the day's departures. Books what it places
        and returns (consignments, pieces no run could take).
        """
        kw: dict[str, Any] = {"hub_ready_min": hub_ready_min, "hub_deadline_min": hub_deadline_min}
        pending = sorted(items, key=lambda it: (it.ready_min, it.id))
        if not pending:
            return [], []
        q = self.quote(pending, **kw)
        if q is not None:
            self.book(*q)
            return [q[1]], []
        # piece by piece on the earliest run with room, then one consignment per run
        by_run: dict[int, list[tuple[Item, BusConsignment]]] = {}
        left: list[Item] = []
        for it in pending:
            qi = self.quote([it], **kw)
            if qi is None:
                left.append(it)
                continue
            self.book(*qi)
            by_run.setdefault(qi[0], []).append((it, qi[1]))
        out: list[BusConsignment] = []
        for ri in sorted(by_run):
            got = by_run[ri]
            if len(got) == 1:
                out.append(got[0][1])
                continue
            for _it, c in got:
                self.unbook(ri, c)
            qm = self.quote([it for it, _c in got], only=ri, **kw)
            if qm is None:  # cannot happen (same room, same times); keep the pieces apart
                for _it, c in got:
                    self.book(ri, c)
                    out.append(c)
                continue
            self.book(*qm)
            out.append(qm[1])
        return out, left

    def unbook(self, run_index: int, cons: BusConsignment) -> None:
        run = self.runs[run_index]
        b = run.stops.index(cons.board)
        a = run.stops.index(cons.alight)
        for k in range(b, a):
            self.room_kg[run_index][k] += cons.kg
            self.room_m3[run_index][k] += cons.m3

    def book(self, run_index: int, cons: BusConsignment) -> None:
        run = self.runs[run_index]
        b = run.stops.index(cons.board)
        a = run.stops.index(cons.alight)
        for k in range(b, a):
            self.room_kg[run_index][k] -= cons.kg
            self.room_m3[run_index][k] -= cons.m3

    def check(self) -> list[str]:
        """Legs booked beyond the spare room (empty when all is well)."""
        out: list[str] = []
        for ri, run in enumerate(self.runs):
            for k, (rk, rm) in enumerate(zip(self.room_kg[ri], self.room_m3[ri], strict=True)):
                if rk < -1e-6 or rm < -1e-6:
                    out.append(
                        f"bus run {run.id} leg {run.stops[k]}->{run.stops[k + 1]} over its "
                        "spare room"
                    )
        return out
