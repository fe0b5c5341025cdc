"""Brands of a county's products: regional public brand, enterprise sub-brands, GI status.

The source paper (section 4.2.2, "打造'地理标志 + 企业品牌'矩阵生态") proposes a two-layer
brand architecture: a **regional public brand** (区域公共品牌) owned for the county's producers,
with **enterprise sub-brands** (企业子品牌) under it, combining geographical-indication (GI,
地理标志) certification with enterprise standardised production, and blockchain-style
traceability "from field to table" (从田头到餐桌) so that consumers trust the brand. This module
is that model; the verification view shows it next to a batch's history.

GI in China is granted under three schemes (kept apart because they differ in owner and
scope): protected GI products (地理标志保护产品, SAMR/CNIPA), GI certification or collective
trademarks (地理标志证明商标, CNIPA trademark office) and agricultural-product GIs (农产品地理标志,
MARA, merged into the CNIPA system since 2022). :class:`GIStatus` ``unknown`` means nobody
checked the registers; a printed label must not claim a GI then.

Example: :func:`liquan_registry` (礼泉县, adcode 610425). Everything in it is marked: the
regional brand name "礼泉苹果" and its GI status are ASSUMPTIONS (no source in
``shared/research``; check the CNIPA GI register before printing), the sub-brand and its GS1
keys are SYNTHETIC (GS1 prefix 952 is reserved for demonstrations).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ruralflow.trace.errors import TraceError
from ruralflow.trace.ids import GS1_DEMO_PREFIX, gs1_check_digit, normalize_gln, normalize_gtin

__all__ = [
    "BrandInfo",
    "BrandRegistry",
    "GIScheme",
    "GIStatus",
    "GeographicalIndication",
    "Gs1Keys",
    "RegionalBrand",
    "SubBrand",
    "liquan_registry",
    "registry_for",
]

PAPER_SOURCE = (
    "research/000_3080e353366193ed.txt s.4.2.2: '区域公共品牌 + 企业子品牌' two-layer brand "
    "architecture with GI certification and blockchain traceability"
)


class GIStatus(StrEnum):
    """Geographical-indication status of a brand's product."""

    REGISTERED = "registered"
    APPLIED = "applied"
    NONE = "none"
    UNKNOWN = "unknown"


class GIScheme(StrEnum):
    """The Chinese GI schemes."""

    PROTECTED_PRODUCT = "protected_product"  # 地理标志保护产品
    CERTIFICATION_MARK = "certification_mark"  # 地理标志证明商标 / 集体商标
    AGRICULTURAL_PRODUCT = "agricultural_product"  # 农产品地理标志
    UNSPECIFIED = "unspecified"


_SCHEME_ZH = {
    GIScheme.PROTECTED_PRODUCT: "地理标志保护产品",
    GIScheme.CERTIFICATION_MARK: "地理标志证明商标",
    GIScheme.AGRICULTURAL_PRODUCT: "农产品地理标志",
    GIScheme.UNSPECIFIED: "未指明",
}


@dataclass(frozen=True, slots=True)
class GeographicalIndication:
    """GI of a product name: scheme, status, registration number, and the source."""

    name_zh: str
    status: GIStatus = GIStatus.UNKNOWN
    scheme: GIScheme = GIScheme.UNSPECIFIED
    registration: str = ""
    source: str = "assumption"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name_zh": self.name_zh,
            "status": self.status.value,
            "scheme": self.scheme.value,
            "scheme_zh": _SCHEME_ZH[self.scheme],
            "registration": self.registration,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class RegionalBrand:
    """A regional public brand (区域公共品牌) of a county for some of its products."""

    id: str
    name_zh: str
    name_en: str
    county_adcode: str
    products: tuple[str, ...]
    owner_zh: str = ""
    gi: GeographicalIndication | None = None
    source: str = "assumption"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "kind_zh": "区域公共品牌",
            "county_adcode": self.county_adcode,
            "products": list(self.products),
            "owner_zh": self.owner_zh,
            "geographical_indication": self.gi.to_dict() if self.gi else None,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class Gs1Keys:
    """GS1 keys of a producer for one product: GTIN, company prefix (for SSCCs), GLN."""

    gtin: str
    company_prefix: str | None = None
    gln: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "gtin", normalize_gtin(self.gtin))
        if self.gln is not None:
            object.__setattr__(self, "gln", normalize_gln(self.gln))
        if self.company_prefix is not None and (
            not self.company_prefix.isdigit() or not 6 <= len(self.company_prefix) <= 12
        ):
            raise TraceError(f"GS1 company prefix {self.company_prefix!r} must be 6-12 digits")


@dataclass(frozen=True, slots=True)
class SubBrand:
    """An enterprise sub-brand (企业子品牌) under a regional brand.

    It covers ``products`` from the villages of ``townships`` (place ids; empty: the whole
    county) and holds the enterprise's GS1 keys per product, if any.
    """

    id: str
    name_zh: str
    name_en: str
    enterprise_zh: str
    regional_brand: str
    products: tuple[str, ...]
    townships: tuple[str, ...] = ()
    gs1: Mapping[str, Gs1Keys] = field(default_factory=dict)
    source: str = "assumption"
    synthetic: bool = False

    def covers(self, product: str, township: str | None) -> bool:
        return product in self.products and (
            not self.townships or (township is not None and township in self.townships)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "kind_zh": "企业子品牌",
            "enterprise_zh": self.enterprise_zh,
            "regional_brand": self.regional_brand,
            "products": list(self.products),
            "townships": list(self.townships),
            "gtins": {p: k.gtin for p, k in self.gs1.items()},
            "synthetic": self.synthetic,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class BrandInfo:
    """The brands a batch carries."""

    regional: RegionalBrand | None
    sub_brand: SubBrand | None

    @property
    def gi_status(self) -> GIStatus:
        if self.regional is None or self.regional.gi is None:
            return GIStatus.UNKNOWN
        return self.regional.gi.status

    def to_dict(self) -> dict[str, Any]:
        return {
            "regional_public_brand": self.regional.to_dict() if self.regional else None,
            "enterprise_sub_brand": self.sub_brand.to_dict() if self.sub_brand else None,
            "gi_status": self.gi_status.value,
        }


@dataclass(frozen=True, slots=True)
class BrandRegistry:
    """Regional brands and sub-brands of one county."""

    regional: tuple[RegionalBrand, ...] = ()
    sub_brands: tuple[SubBrand, ...] = ()

    def __post_init__(self) -> None:
        ids = {b.id for b in self.regional}
        for s in self.sub_brands:
            if s.regional_brand not in ids:
                raise TraceError(
                    f"sub-brand {s.id!r} names unknown regional brand {s.regional_brand!r}"
                )

    def brand_of(self, product: str, county_adcode: str, township: str | None = None) -> BrandInfo:
        """The regional brand of ``product`` in the county and the sub-brand covering it."""
        regional = next(
            (
                b
                for b in self.regional
                if product in b.products and county_adcode.startswith(b.county_adcode)
            ),
            None,
        )
        sub = None
        if regional is not None:
            sub = next(
                (
                    s
                    for s in self.sub_brands
                    if s.regional_brand == regional.id and s.covers(product, township)
                ),
                None,
            )
        return BrandInfo(regional, sub)

    def gs1_keys(
        self, product: str, county_adcode: str, township: str | None = None
    ) -> Gs1Keys | None:
        """GS1 keys of the sub-brand covering ``product`` there (``None``: none)."""
        sub = self.brand_of(product, county_adcode, township).sub_brand
        return sub.gs1.get(product) if sub is not None else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "regional": [b.to_dict() for b in self.regional],
            "sub_brands": [s.to_dict() for s in self.sub_brands],
        }


def _demo_gtin13(company_prefix: str, item: str) -> str:
    body = company_prefix + item
    return body + gs1_check_digit(body)


def liquan_registry() -> BrandRegistry:
    """Liquan (礼泉县, 610425): regional brand 礼泉苹果 with a synthetic sub-brand.

    - Regional public brand "礼泉苹果 / Liquan apples": the name follows the paper's
      "地域 + 品类" naming and Liquan's role as an apple county (the bundle's products.csv);
      ASSUMPTION, not checked against a register. GI status ``unknown`` (ASSUMPTION: not
      verified; no source in shared/research).
    - Sub-brand "示例果业 / Example Orchards": SYNTHETIC, covering the apples of 烟霞镇
      (T610425105), with demo GS1 keys under GS1 prefix 952 (reserved for examples): company
      prefix 9520010, GTIN-13 9520010000018 (apples), GLN 9520010000025 (its packhouse).
    """
    prefix = GS1_DEMO_PREFIX + "0010"
    regional = RegionalBrand(
        id="liquan-apple",
        name_zh="礼泉苹果",
        name_en="Liquan apples",
        county_adcode="610425",
        products=("apple",),
        owner_zh="礼泉县 (公共品牌运营主体未核实 / operator not verified)",
        gi=GeographicalIndication(
            name_zh="礼泉苹果",
            status=GIStatus.UNKNOWN,
            source="assumption: GI status not verified (no source in shared/research); "
            "check the CNIPA GI register before printing a GI claim",
        ),
        source="assumption: brand name from the paper's '地域 + 品类' naming and Liquan's "
        "apple production (bundle products.csv); " + PAPER_SOURCE,
    )
    sub = SubBrand(
        id="example-orchards",
        name_zh="示例果业",
        name_en="Example Orchards (synthetic)",
        enterprise_zh="示例果业专业合作社 (合成示例 / synthetic example)",
        regional_brand=regional.id,
        products=("apple",),
        townships=("T610425105",),
        gs1={
            "apple": Gs1Keys(
                gtin=_demo_gtin13(prefix, "00001"),
                company_prefix=prefix,
                gln=_demo_gtin13(prefix, "00002"),
            )
        },
        source="synthetic: demonstration sub-brand; GS1 keys under prefix 952 (GS1 "
        "demonstration prefix)",
        synthetic=True,
    )
    return BrandRegistry((regional,), (sub,))


def registry_for(county_adcode: str) -> BrandRegistry:
    """The brand registry of a county: Liquan's example, else empty (no invented brands).

    The fallback of callers that have no bundle (a verification view built from a log): the
    report and ``ruralflow trace demo`` use the bundle's ``brands.csv`` instead
    (``ruralflow.bundle.upflow_files.county_brands``, issue 18).
    """
    if county_adcode.startswith("610425"):
        return liquan_registry()
    return BrandRegistry()
