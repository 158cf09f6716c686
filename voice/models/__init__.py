"""SQLAlchemy models, one module per domain; imported here so that metadata is complete."""
from .actions import ACTION_STATUSES, Action
from .audit import AuditEvent
from .campaigns import Campaign
from .canvass import DOOR_OUTCOMES, Turf, Visit
from .coding import CODE_KINDS, TAG_SOURCES, Code, Tag, VoiceItem
from .keys import DataKeyRecord
from .jobs import JOB_KINDS, JOB_STATUSES, Job, NlpModel
from .geography import ALL_GROUPS, DIRECTIONS, Geography, Indicator, IndicatorValue
from .intake import RateCounter, SurveyProgress
from .review import ReviewCube, ReviewFact, ReviewFactState
from .listening import SESSION_KINDS, Comment, ListeningSession
from .rounds import CodingAssignment, CodingRound
from .surveys import CHANNELS, Answer, Response, Survey, SurveyAttachment, SurveyVersion
from .users import ROLES, LoginSession, SignInFailure, User

__all__ = [
    "ACTION_STATUSES", "ALL_GROUPS", "CHANNELS", "CODE_KINDS", "DIRECTIONS", "DOOR_OUTCOMES", "JOB_KINDS", "JOB_STATUSES", "ROLES",
    "SESSION_KINDS", "TAG_SOURCES", "Action", "Answer", "AuditEvent", "Campaign", "Code", "CodingAssignment", "CodingRound", "Comment", "DataKeyRecord",
    "Geography", "Indicator", "IndicatorValue", "Job", "NlpModel", "ListeningSession", "LoginSession", "RateCounter", "Response", "ReviewCube", "ReviewFact", "ReviewFactState",
    "SignInFailure", "Survey", "SurveyAttachment", "SurveyProgress", "SurveyVersion", "Tag", "Turf", "User", "Visit", "VoiceItem",
]
