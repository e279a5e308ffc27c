"""Members (会员) and their one alliance card (联盟卡), plus memberships at individual merchants."""
