"""What the NLP page shows: how much is tagged, the current model, recent jobs."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..extensions import db
from ..models import Job, NlpModel, Tag, VoiceItem
from ..nlp_adapter import count_stale_items, ensure_codebook


@dataclass
class NlpOverview:
    items: int
    stale: int
    tags_by_source: dict[str, int]
    model: NlpModel | None
    jobs: list[Job]

    @property
    def running(self) -> bool:
        return any(job.status in ("queued", "running") for job in self.jobs)


def nlp_overview() -> NlpOverview:
    ensure_codebook()
    tags = dict(db.session.execute(select(Tag.source, func.count(Tag.id)).group_by(Tag.source)).all())
    return NlpOverview(items=db.session.scalar(select(func.count(VoiceItem.id))) or 0, stale=count_stale_items(),
                       tags_by_source=tags, model=NlpModel.current(), jobs=Job.latest())
