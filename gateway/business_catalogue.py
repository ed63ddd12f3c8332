"""The self-service business catalogue (一窗受理): gateway/data/businesses.toml validated against its schema."""
from __future__ import annotations

import functools
import logging
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from gateway.casework import KINDS

logger = logging.getLogger(__name__)

DEFAULT_PATH = Path(__file__).with_name("data") / "businesses.toml"

# Where a field's value or a fetched material comes from. Each is an adapter (or the card read) the gateway has.
SOURCES = ("card", "registration", "bank", "civil_affairs")
# A material the gateway produces itself: the form the applicant signed at the kiosk.
FETCHED_FROM = SOURCES + ("kiosk_form",)
CARD_FIELDS = ("name", "id_number", "address")
CODE = r"^[a-z][a-z0-9_]{1,47}$"


class CatalogueError(Exception):
    """The catalogue file is missing or does not fit the schema; the message names the entry and the problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FormField(_Strict):
    name: str = Field(pattern=CODE)
    label_zh: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    kind: Literal["text", "id_number", "phone", "date", "choice", "amount"]
    # "card.name", "registration.property_address", ... or "applicant" (entered on screen)
    source: str = Field(pattern=r"^(applicant|[a-z_]+\.[a-z_]+)$")
    choices: tuple[str, ...] = ()
    required: bool = True

    @model_validator(mode="after")
    def _check(self) -> "FormField":
        if self.source != "applicant":
            department, column = self.source.split(".", 1)
            if department not in SOURCES:
                raise ValueError(f"field {self.name}: unknown source {department!r} (one of {', '.join(SOURCES)})")
            if department == "card" and column not in CARD_FIELDS:
                raise ValueError(f"field {self.name}: the card has no {column!r}")
        if (self.kind == "choice") != bool(self.choices):
            raise ValueError(f"field {self.name}: choices go with kind = \"choice\" and only with it")
        return self

    @property
    def prefilled(self) -> bool:
        return self.source != "applicant"


class Material(_Strict):
    code: str = Field(pattern=CODE)
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    fetched_from: Literal["card", "registration", "bank", "civil_affairs", "kiosk_form"] | None = None
    min_pages: int = Field(default=1, ge=0, le=50)
    max_pages: int = Field(default=10, ge=1, le=50)

    @model_validator(mode="after")
    def _check(self) -> "Material":
        if self.min_pages > self.max_pages:
            raise ValueError(f"material {self.code}: min_pages is over max_pages")
        return self

    @property
    def captured(self) -> bool:
        return self.fetched_from is None


class Fee(_Strict):
    code: str = Field(pattern=CODE)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    amount_fen: int | None = Field(default=None, ge=0)
    assessed_by: Literal["tax"] | None = None
    department: Literal["registration", "housing", "tax"]

    @model_validator(mode="after")
    def _check(self) -> "Fee":
        if (self.amount_fen is None) == (self.assessed_by is None):
            raise ValueError(f"fee {self.code}: give either amount_fen or assessed_by")
        return self


class Business(_Strict):
    code: str = Field(pattern=CODE)
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    case_kind: str
    time_limit_working_days: int = Field(ge=1, le=60)
    receipt: Literal["acceptance", "pre_acceptance"]  # 受理回执, or 预受理通知 for what the hall completes
    co_applicants: Literal["none", "optional", "all_owners", "all_parties"]
    fields: tuple[FormField, ...] = Field(min_length=1)
    materials: tuple[Material, ...] = Field(min_length=1)
    fees: tuple[Fee, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> "Business":
        if self.case_kind not in KINDS:
            raise ValueError(f"case_kind {self.case_kind!r} is not a case kind ({', '.join(KINDS)})")
        for what, codes in (("field", [f.name for f in self.fields]), ("material", [m.code for m in self.materials]),
                            ("fee", [f.code for f in self.fees])):
            repeated = sorted({c for c in codes if codes.count(c) > 1})
            if repeated:
                raise ValueError(f"{what} {repeated[0]} appears twice")
        return self

    def field(self, name: str) -> FormField:
        return next(f for f in self.fields if f.name == name)

    def material(self, code: str) -> Material:
        return next(m for m in self.materials if m.code == code)

    @property
    def captured_materials(self) -> tuple[Material, ...]:
        return tuple(m for m in self.materials if m.captured)

    @property
    def fetched_materials(self) -> tuple[Material, ...]:
        return tuple(m for m in self.materials if not m.captured)

    def to_json(self) -> dict:
        return {**self.model_dump(mode="json"),
                "materials": [{**m.model_dump(mode="json"), "captured": m.captured} for m in self.materials]}


class Catalogue(_Strict):
    business: tuple[Business, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> "Catalogue":
        codes = [b.code for b in self.business]
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise ValueError(f"business {repeated[0]} appears twice")
        return self

    def get(self, code: str) -> Business | None:
        return next((b for b in self.business if b.code == code), None)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(b.code for b in self.business)


def _location(loc: tuple, data: dict) -> str:
    """'business[mortgage_cancellation].fields[2].source' rather than pydantic's bare indexes."""
    parts: list[str] = []
    node = data
    for part in loc:
        if isinstance(part, int) and isinstance(node, list):
            item = node[part] if part < len(node) else None
            label = item.get("code") or item.get("name") if isinstance(item, dict) else None
            parts[-1] += f"[{label or part}]"
            node = item
        else:
            parts.append(str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return ".".join(parts)


def parse_catalogue(text: str, origin: str = "catalogue") -> Catalogue:
    """Parse and validate; a CatalogueError names the origin, the entry and the problem (one line)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{origin}: not valid TOML: {exc}") from None
    try:
        return Catalogue.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _location(first["loc"], data)
        message = first["msg"].removeprefix("Value error, ")
        raise CatalogueError(f"{origin}: {where}: {message}" if where else f"{origin}: {message}") from None


@functools.lru_cache(maxsize=4)
def load_catalogue(path: Path | str = DEFAULT_PATH) -> Catalogue:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogueError(f"{Path(path).name}: cannot read it ({exc.strerror})") from None
    return parse_catalogue(text, Path(path).name)
