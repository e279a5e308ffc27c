"""Member tags (会员标签): the alliance's taxonomy, and tags from rules, from staff and declared by the member."""
