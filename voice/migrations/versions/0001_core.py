"""Core tables for every noun in DESIGN.md

Revision ID: 0001_core
Revises: 
Create Date: 2026-11-23 14:51:13.224180

"""
from alembic import op

from voice.migrations.shapes import (
    boolean, create_table, date, integer, json, number, string, text, timestamp, uuid)

# revision identifiers, used by Alembic.
revision = '0001_core'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    _create_codebook()
    _create_geography_and_indicators()
    _create_accounts()
    _create_campaigns()
    _create_listening_sessions()
    _create_surveys()
    _create_canvassing()
    _create_responses()
    _create_voice_items()


def downgrade():
    # Children before the tables they reference; a dropped table takes its indexes with it.
    for table in reversed(_TABLES):
        op.drop_table(table)


# In the order upgrade creates them.
_TABLES = (
    'codes', 'geographies', 'indicators', 'indicator_values', 'users', 'sign_in_failures',
    'login_sessions', 'audit_events', 'campaigns', 'actions', 'listening_sessions', 'comments',
    'surveys', 'survey_versions', 'turfs', 'visits', 'responses', 'answers', 'voice_items',
    'tags',
)


def _create_codebook():
    """The codebook: themes and barriers, nested by parent."""
    create_table(
        'codes',
        integer('id'),
        string('key', 80),
        string('kind', 10),
        json('labels'),
        json('descriptions'),
        json('keywords'),
        integer('parent_id', nullable=True),
        boolean('retired'),
        timestamp('created_at'),
        checks={'kind_valid': "kind IN ('theme', 'barrier')"},
        references={'parent_id': 'codes'},
        unique=[('key',)],
    )


def _create_geography_and_indicators():
    """Places, and the indicator figures measured for them."""
    create_table(
        'geographies',
        integer('id'),
        string('code', 64),
        string('name', 200),
        json('names'),
        string('level', 40),
        integer('parent_id', nullable=True),
        integer('population', nullable=True),
        json('population_by_group'),
        json('geometry', nullable=True),
        references={'parent_id': 'geographies'},
        unique=[('code',)],
        indexed=['parent_id'],
    )
    create_table(
        'indicators',
        integer('id'),
        string('code', 64),
        json('name'),
        string('unit', 20),
        string('direction', 20),
        json('linked_codes'),
        text('source'),
        timestamp('created_at'),
        checks={'direction_valid': "direction IN ('higher_is_better', 'lower_is_better')"},
        unique=[('code',)],
    )
    create_table(
        'indicator_values',
        integer('id'),
        integer('indicator_id'),
        integer('geography_id'),
        string('period', 20),
        string('group_key', 40),
        string('group_value', 80),
        number('value'),
        number('numerator', nullable=True),
        number('denominator', nullable=True),
        text('source'),
        references={'geography_id': 'geographies', 'indicator_id': 'indicators'},
        cascade=['indicator_id'],
        unique=[('indicator_id', 'geography_id', 'period', 'group_key', 'group_value')],
        indexed=['geography_id', 'indicator_id'],
    )


def _create_accounts():
    """Staff accounts, their sign-ins and the audit trail of what they do."""
    create_table(
        'users',
        integer('id'),
        string('email', 254),
        string('password_hash', 255),
        string('display_name', 120),
        string('locale', 8, nullable=True),
        string('role', 20),
        boolean('active'),
        timestamp('last_sign_in_at', nullable=True),
        timestamp('created_at'),
        checks={'role_valid':
                "role IN ('admin', 'analyst', 'facilitator', 'canvasser', 'committee')"},
        unique=[('email',)],
    )
    create_table(
        'sign_in_failures',
        integer('id'),
        string('email', 254),
        timestamp('at'),
    )
    op.create_index('ix_sign_in_failures_email_at', 'sign_in_failures', ['email', 'at'],
                    unique=False)
    create_table(
        'login_sessions',
        string('token', 64),
        integer('user_id'),
        timestamp('last_seen_at'),
        timestamp('created_at'),
        primary_key=('token',),
        references={'user_id': 'users'},
        cascade=['user_id'],
        indexed=['user_id'],
    )
    create_table(
        'audit_events',
        integer('id'),
        timestamp('at'),
        integer('actor_id', nullable=True),
        string('action', 60),
        string('record_type', 40),
        string('record_id', 64, nullable=True),
        json('details'),
        references={'actor_id': 'users'},
        indexed=['at'],
    )
    op.create_index('ix_audit_events_record', 'audit_events', ['record_type', 'record_id'],
                    unique=False)


def _create_campaigns():
    """Campaigns and the actions a committee decides on."""
    create_table(
        'campaigns',
        integer('id'),
        string('slug', 80),
        string('name', 200),
        text('description'),
        json('languages'),
        json('group_keys'),
        integer('geography_scope_id', nullable=True),
        date('starts_on', nullable=True),
        date('ends_on', nullable=True),
        boolean('is_demo'),
        timestamp('created_at'),
        checks={'dates_ordered': 'ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on'},
        references={'geography_scope_id': 'geographies'},
        unique=[('slug',)],
    )
    create_table(
        'actions',
        integer('id'),
        integer('campaign_id'),
        text('we_heard'),
        text('we_will'),
        string('status', 12),
        date('due_on', nullable=True),
        json('code_keys'),
        json('indicator_codes'),
        json('geography_codes'),
        integer('created_by_id', nullable=True),
        timestamp('created_at'),
        checks={'status_valid': "status IN ('planned', 'in_progress', 'done', 'dropped')"},
        references={'campaign_id': 'campaigns', 'created_by_id': 'users'},
        indexed=['campaign_id'],
    )


def _create_listening_sessions():
    """Listening sessions and the comments heard at them."""
    create_table(
        'listening_sessions',
        integer('id'),
        integer('campaign_id'),
        string('kind', 20),
        string('title', 200),
        timestamp('held_at'),
        string('place', 200),
        integer('geography_id', nullable=True),
        json('languages'),
        integer('facilitator_id', nullable=True),
        string('partner_organisation', 200),
        integer('attendance', nullable=True),
        json('tallies'),
        json('priorities'),
        timestamp('created_at'),
        checks={'kind_valid': "kind IN ('house_party', 'forum', 'town_hall', 'parent', 'provider',"
                              " 'youth', 'other')",
                'attendance_not_negative': 'attendance IS NULL OR attendance >= 0'},
        references={'campaign_id': 'campaigns', 'facilitator_id': 'users',
                    'geography_id': 'geographies'},
        indexed=['campaign_id', 'facilitator_id', 'geography_id'],
    )
    create_table(
        'comments',
        integer('id'),
        integer('session_id'),
        integer('position'),
        text('text'),
        string('language', 8),
        string('speaker_role', 40, nullable=True),
        timestamp('created_at'),
        references={'session_id': 'listening_sessions'},
        cascade=['session_id'],
        indexed=['session_id'],
    )


def _create_surveys():
    """Surveys and their published versions."""
    create_table(
        'surveys',
        integer('id'),
        integer('campaign_id'),
        string('slug', 80),
        json('title'),
        json('draft'),
        boolean('is_open'),
        timestamp('created_at'),
        references={'campaign_id': 'campaigns'},
        unique=[('campaign_id', 'slug'), ('slug',)],
        indexed=['campaign_id'],
    )
    create_table(
        'survey_versions',
        integer('id'),
        integer('survey_id'),
        integer('number'),
        json('definition'),
        integer('published_by_id', nullable=True),
        timestamp('created_at'),
        references={'published_by_id': 'users', 'survey_id': 'surveys'},
        unique=[('survey_id', 'number')],
        indexed=['survey_id'],
    )


def _create_canvassing():
    """Canvassing turfs and the door visits made in them."""
    create_table(
        'turfs',
        integer('id'),
        integer('campaign_id'),
        string('name', 120),
        integer('geography_id', nullable=True),
        integer('canvasser_id', nullable=True),
        json('doors'),
        timestamp('created_at'),
        references={'campaign_id': 'campaigns', 'canvasser_id': 'users',
                    'geography_id': 'geographies'},
        unique=[('campaign_id', 'name')],
        indexed=['campaign_id', 'canvasser_id'],
    )
    create_table(
        'visits',
        integer('id'),
        uuid('uuid'),
        integer('turf_id'),
        string('door_id', 64),
        integer('canvasser_id'),
        string('outcome', 12),
        timestamp('come_back_at', nullable=True),
        text('note'),
        timestamp('device_recorded_at', nullable=True),
        timestamp('received_at'),
        checks={'outcome_valid': "outcome IN ('completed', 'not_home', 'refused', 'come_back',"
                                 " 'moved', 'unsafe')"},
        references={'canvasser_id': 'users', 'turf_id': 'turfs'},
        unique=[('uuid',)],
        indexed=['canvasser_id', 'turf_id'],
    )


def _create_responses():
    """Residents' survey responses and their answers."""
    create_table(
        'responses',
        integer('id'),
        uuid('uuid'),
        integer('survey_id'),
        integer('survey_version_id'),
        string('channel', 10),
        string('language', 8),
        integer('geography_id', nullable=True),
        json('groups'),
        integer('canvasser_id', nullable=True),
        integer('visit_id', nullable=True),
        boolean('consent'),
        string('content_hash', 64),
        timestamp('started_at', nullable=True),
        timestamp('device_submitted_at', nullable=True),
        timestamp('received_at'),
        checks={'channel_valid': "channel IN ('online', 'canvass', 'paper')"},
        references={'canvasser_id': 'users', 'geography_id': 'geographies', 'survey_id': 'surveys',
                    'survey_version_id': 'survey_versions', 'visit_id': 'visits'},
        unique=[('survey_id', 'uuid')],
        indexed=['canvasser_id', 'geography_id', 'received_at', 'survey_id', 'survey_version_id'],
    )
    create_table(
        'answers',
        integer('id'),
        integer('response_id'),
        string('question', 120),
        text('value'),
        references={'response_id': 'responses'},
        cascade=['response_id'],
        unique=[('response_id', 'question')],
        indexed=['response_id'],
    )


def _create_voice_items():
    """Open-text voice items and the codes tagged on them."""
    create_table(
        'voice_items',
        integer('id'),
        integer('campaign_id'),
        string('source', 10),
        integer('source_id'),
        string('channel', 20),
        text('original_text'),
        string('language', 8),
        text('redacted_text', nullable=True),
        integer('geography_id', nullable=True),
        json('groups'),
        string('nlp_version', 80, nullable=True),
        timestamp('tagged_at', nullable=True),
        timestamp('created_at'),
        checks={'source_valid': "source IN ('answer', 'comment')"},
        references={'campaign_id': 'campaigns', 'geography_id': 'geographies'},
        unique=[('source', 'source_id')],
        indexed=['campaign_id', 'geography_id', 'nlp_version'],
    )
    create_table(
        'tags',
        integer('id'),
        integer('item_id'),
        integer('code_id'),
        string('source', 10),
        number('confidence'),
        json('evidence'),
        boolean('applies'),
        integer('coder_id', nullable=True),
        timestamp('created_at'),
        checks={'source_valid': "source IN ('rule', 'model', 'human')",
                'confidence_range': 'confidence >= 0 AND confidence <= 1'},
        references={'code_id': 'codes', 'coder_id': 'users', 'item_id': 'voice_items'},
        cascade=['item_id'],
        unique=[('item_id', 'code_id', 'source')],
        indexed=['code_id', 'item_id'],
    )
