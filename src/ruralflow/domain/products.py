"""Products with their perishability parameters."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ruralflow.domain import _check, limits
from ruralflow.domain.errors import FieldError


class ProductCategory(StrEnum):
    FRUIT = "fruit"
    VEGETABLE = "vegetable"
    GRAIN = "grain"
    NUT = "nut"
    TEA = "tea"
    MEAT = "meat"
    EGG = "egg"
    AQUATIC = "aquatic"
    FLOWER = "flower"
    PROCESSED = "processed"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Product:
    """A farm product that goes up (or fresh food that comes down).

    Perishability follows the shelf-life model of DESIGN.md: ``shelf_life_ref_days`` at
    ``t_ref_c``, scaled by ``q10`` per 10 degC (or by the Arrhenius form when ``ea_kj_per_mol``
    is given). ``t_min_c`` is the lowest safe temperature (chilling threshold); the freshness
    model never extrapolates below it. ``value_yuan_per_kg`` is the farm-gate value used for
    spoilage cost. ``source`` says where the numbers come from (or "assumption").
    """

    id: str
    name: str
    category: ProductCategory
    value_yuan_per_kg: float
    shelf_life_ref_days: float
    t_ref_c: float
    q10: float
    t_min_c: float
    ea_kj_per_mol: float | None = None
    t_opt_c: float | None = None
    cold_chain: bool = False
    name_en: str = ""
    source: str = "assumption"

    def __post_init__(self) -> None:
        owner = f"Product {self.id!r}"
        _check.ident("Product", "id", self.id)
        _check.text(owner, "name", self.name)
        object.__setattr__(
            self, "category", _check.one_of(owner, "category", self.category, ProductCategory)
        )
        _check.number(
            owner,
            "value_yuan_per_kg",
            self.value_yuan_per_kg,
            strict_min=True,
            plausible_max=limits.PRODUCT_MAX_YUAN_PER_KG,
        )
        _check.number(
            owner,
            "shelf_life_ref_days",
            self.shelf_life_ref_days,
            strict_min=True,
            plausible_max=limits.PRODUCT_MAX_SHELF_LIFE_DAYS,
        )
        _check.number(owner, "t_ref_c", self.t_ref_c, min_value=-30.0, max_value=50.0)
        _check.number(owner, "q10", self.q10, min_value=1.0, max_value=10.0)
        _check.number(owner, "t_min_c", self.t_min_c, min_value=-30.0, max_value=30.0)
        if self.ea_kj_per_mol is not None:
            _check.number(
                owner, "ea_kj_per_mol", self.ea_kj_per_mol, strict_min=True, max_value=300.0
            )
        if self.t_opt_c is not None:
            _check.number(owner, "t_opt_c", self.t_opt_c, min_value=-30.0, max_value=30.0)
            if self.t_opt_c < self.t_min_c:
                raise FieldError(
                    owner,
                    "t_opt_c",
                    self.t_opt_c,
                    f"低于 t_min_c {self.t_min_c:g} / is below t_min_c {self.t_min_c:g}",
                )
        _check.text(owner, "source", self.source)
