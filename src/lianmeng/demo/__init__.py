"""The demo alliance "Tesla Life" (特斯拉生活联盟, Shenzhen), modelled on seed 000: a static catalogue
(data.py), its seeded expansion into staff, members and histories (generate.py) and the loader (loader.py)."""
