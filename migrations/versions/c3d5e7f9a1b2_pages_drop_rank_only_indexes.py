"""Pages: drop the indexes on rank_top and rank_hot alone

Every list sorted by rank is one kind's (the proposals board), and reads
ix_pages_kind_rank_top / ix_pages_kind_rank_hot. The indexes on the rank alone served no query,
yet every vote rewrote an entry in each while it held SQLite's write lock.

Revision ID: c3d5e7f9a1b2
Revises: b7e41c2a9d10
Create Date: 2026-11-23 02:10:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c3d5e7f9a1b2'
down_revision = 'b7e41c2a9d10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.drop_index('ix_pages_rank_top')
        batch_op.drop_index('ix_pages_rank_hot')


def downgrade():
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.create_index('ix_pages_rank_hot', ['rank_hot'], unique=False)
        batch_op.create_index('ix_pages_rank_top', ['rank_top'], unique=False)
