"""Places, the formal indicators measured in them, and their values."""
from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import CreatedMixin, JSONType, one_of

DIRECTIONS = ("higher_is_better", "lower_is_better")
# The group value for "everyone": never NULL, so that the unique constraint holds on it.
ALL_GROUPS = ""


class Geography(db.Model):
    __tablename__ = "geographies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    names: Mapped[dict] = mapped_column(JSONType, default=dict)  # per-language names
    level: Mapped[str] = mapped_column(String(40))  # e.g. city, neighbourhood
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("geographies.id"), index=True)
    population: Mapped[int | None] = mapped_column(Integer)
    # Population by group key and value, e.g. {"language": {"he": 5200, "am": 900}}.
    population_by_group: Mapped[dict] = mapped_column(JSONType, default=dict)
    geometry: Mapped[dict | None] = mapped_column(JSONType)  # GeoJSON geometry

    parent: Mapped[Geography | None] = relationship(remote_side="Geography.id", back_populates="children")
    children: Mapped[list[Geography]] = relationship(back_populates="parent")

    def name_in(self, language: str) -> str:
        """The place's name in ``language``, else its own default name: never another
        language's (an English reader must not be offered only the Hebrew spelling)."""
        return (self.names or {}).get(language) or self.name

    @classmethod
    def at_level(cls, level: str) -> list[Geography]:
        return list(db.session.scalars(select(cls).where(cls.level == level).order_by(cls.name)))


class Indicator(CreatedMixin, db.Model):
    __tablename__ = "indicators"
    __table_args__ = (one_of("direction", DIRECTIONS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[dict] = mapped_column(JSONType, default=dict)  # per-language names
    unit: Mapped[str] = mapped_column(String(20), default="percent")
    direction: Mapped[str] = mapped_column(String(20), default="higher_is_better")
    linked_codes: Mapped[list[str]] = mapped_column(JSONType, default=list)  # codebook keys
    source: Mapped[str] = mapped_column(Text, default="")

    values: Mapped[list[IndicatorValue]] = relationship(back_populates="indicator")


class IndicatorValue(db.Model):
    __tablename__ = "indicator_values"
    __table_args__ = (
        UniqueConstraint("indicator_id", "geography_id", "period", "group_key", "group_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"), index=True)
    geography_id: Mapped[int] = mapped_column(ForeignKey("geographies.id"), index=True)
    period: Mapped[str] = mapped_column(String(20))  # e.g. 2024 or 2024-25
    group_key: Mapped[str] = mapped_column(String(40), default=ALL_GROUPS)
    group_value: Mapped[str] = mapped_column(String(80), default=ALL_GROUPS)
    value: Mapped[float] = mapped_column(Float)
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text, default="")

    indicator: Mapped[Indicator] = relationship(back_populates="values")
    geography: Mapped[Geography] = relationship()

    @classmethod
    def rows_of(cls, indicator: Indicator, geography_ids: tuple[int, ...] | None = None,
                group_key: str | None = None) -> list:
        """The indicator's values (overall and by ``group_key``) as plain rows: geography_id,
        period, group_key, group_value, value, denominator. Thousands at a time: no ORM objects."""
        query = select(cls.geography_id, cls.period, cls.group_key, cls.group_value, cls.value,
                       cls.denominator).where(cls.indicator_id == indicator.id)
        if geography_ids:
            query = query.where(cls.geography_id.in_(geography_ids))
        if group_key:
            query = query.where(cls.group_key.in_((ALL_GROUPS, group_key)))
        return list(db.session.execute(query))

    @classmethod
    def geography_ids_of(cls, indicator: Indicator, geography_ids: tuple[int, ...] | None = None) -> set[int]:
        """The places the indicator has values for (within ``geography_ids`` when given)."""
        query = select(cls.geography_id).where(cls.indicator_id == indicator.id)
        if geography_ids:
            query = query.where(cls.geography_id.in_(geography_ids))
        return set(db.session.scalars(query.group_by(cls.geography_id)))

    @classmethod
    def group_values_of(cls, indicator: Indicator, group_key: str) -> set[str]:
        """The values of ``group_key`` the indicator is broken down by, in any place."""
        query = select(cls.group_value).where(cls.indicator_id == indicator.id, cls.group_key == group_key)
        return set(db.session.scalars(query.group_by(cls.group_value)))

    @classmethod
    def periods_of(cls, indicator: Indicator) -> list[str]:
        return sorted(db.session.scalars(select(cls.period).where(cls.indicator_id == indicator.id)
                                         .group_by(cls.period)))
