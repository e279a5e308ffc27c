"""coupon costs: what a free item costs the merchant (template) and what each use cost (redemption)

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-06 21:40:00

Existing redemptions get the cost the reports used to count: the discount, except for free items, whose cost is
not known (NULL: the reports count their value and say so until the template's cost is set).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('coupon_templates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cost_to_merchant_fen', sa.BigInteger(), nullable=True))
    with op.batch_alter_table('coupon_redemptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cost_fen', sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE coupon_redemptions SET cost_fen = discount_fen WHERE coupon_id NOT IN ("
        "SELECT coupons.id FROM coupons JOIN coupon_templates ON coupon_templates.id = coupons.template_id "
        "WHERE coupon_templates.kind = 'free_item')"
    )


def downgrade() -> None:
    with op.batch_alter_table('coupon_redemptions', schema=None) as batch_op:
        batch_op.drop_column('cost_fen')
    with op.batch_alter_table('coupon_templates', schema=None) as batch_op:
        batch_op.drop_column('cost_to_merchant_fen')
