"""Pages: drop the index on the deleted flag, index pages per product

ix_pages_deleted narrows nothing (nearly every page is live), yet without ANALYZE statistics
SQLite chose it over the selective index for "what links here" and scanned every page.
ix_pages_product_deleted lets the per-product page counts read the index alone.

Revision ID: b7e41c2a9d10
Revises: 6332cc2deaf1
Create Date: 2026-11-22 12:00:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b7e41c2a9d10'
down_revision = '6332cc2deaf1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.drop_index('ix_pages_deleted')
        batch_op.create_index('ix_pages_product_deleted', ['product_id', 'deleted'], unique=False)


def downgrade():
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.drop_index('ix_pages_product_deleted')
        batch_op.create_index('ix_pages_deleted', ['deleted'], unique=False)
