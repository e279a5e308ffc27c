"""A shared plate as duplicate evidence: what DuckDB sees of a plate (a token blinded for one run), the splink
comparison and blocking rule on it, and the one-pair reading for the reviewer."""

from __future__ import annotations

from lianmeng.dedup import domain, linking
from lianmeng.dedup.domain import FieldAgreement, MemberRecord

PLATE_HASH = "9f" * 32  # a stored keyed hash (vehicles.repository.plate_hash)
OTHER_HASH = "0a" * 32


def test_duckdb_never_sees_a_stable_plate_identifier() -> None:
    record = MemberRecord(1, "王建国", 1980, "male", 1, "1111", vehicles=(PLATE_HASH,))
    assert linking.member_row(record)["vehicles"] is None  # no run key: no plate at all
    first, second = linking.member_row(record, b"k" * 32), linking.member_row(record, b"j" * 32)
    assert first["vehicles"] != second["vehicles"]  # another run, another token
    assert PLATE_HASH not in str(first) and PLATE_HASH[:16] not in str(first)
    again = linking.member_row(MemberRecord(2, "王建华", None, "male", 2, "2222", vehicles=(PLATE_HASH,)), b"k" * 32)
    assert again["vehicles"] == first["vehicles"]  # within one run the same plate meets itself
    assert linking.member_row(MemberRecord(3, "李娜", 1990, "female", 1, "3333"), b"k" * 32)["vehicles"] is None


def _crowd() -> list[MemberRecord]:
    """Distinct people around the pair (none shares a name, a year or a plate with it)."""
    names = ("李娜", "陈静", "刘洋", "赵敏", "孙丽", "周杰", "吴磊", "郑爽", "冯巩", "何炅", "高圆", "林心")
    return [MemberRecord(100 + i, name, 1960 + i, "female" if i % 2 else "male", 1 + i % 3, f"{5000 + i}",
                         vehicles=(f"{i:02d}" * 32,) if i % 3 == 0 else ())
            for i, name in enumerate(names)]


def test_the_same_plate_with_different_phones_makes_a_candidate() -> None:
    """王建国 enrolled at the car wash with his plate; 王建华 (a typo in the last character, no birth year, another
    phone, another store) at the garage with the same plate. No name-and-year rule pairs them: the plate does."""
    a = MemberRecord(1, "王建国", 1980, "male", 1, "1111", vehicles=(PLATE_HASH,))
    b = MemberRecord(2, "王建华", None, "male", 2, "2222", vehicles=(OTHER_HASH, PLATE_HASH))
    found = linking.find_member_pairs([a, b, *_crowd()], domain.DEFAULT_REVIEW)
    assert [(p.left_id, p.right_id) for p in found] == [(1, 2)]
    assert found[0].score >= domain.DEFAULT_REVIEW
    # the control: the same two records without their plates are not even compared
    bare = [MemberRecord(1, "王建国", 1980, "male", 1, "1111"), MemberRecord(2, "王建华", None, "male", 2, "2222")]
    assert linking.find_member_pairs([*bare, *_crowd()], 0.0) == []
    # and different plates on both are (weak) evidence against, never for
    c = MemberRecord(2, "王建华", None, "male", 2, "2222", vehicles=(OTHER_HASH,))
    assert linking.find_member_pairs([a, c, *_crowd()], 0.0) == []


def test_a_plate_does_not_outweigh_everything_else() -> None:
    """A shared plate between people who differ in every other field (a car sold, a family car) scores lower
    than the same plate with a similar name."""
    a = MemberRecord(1, "王建国", 1980, "male", 1, "1111", vehicles=(PLATE_HASH,))
    near = MemberRecord(2, "王建华", None, "male", 2, "2222", vehicles=(PLATE_HASH,))
    far = MemberRecord(3, "李娜", 1995, "female", 2, "3333", vehicles=(PLATE_HASH,))
    scores = {(p.left_id, p.right_id): p.score for p in linking.find_member_pairs([a, near, far, *_crowd()], 0.0)}
    assert scores[(1, 2)] > scores[(1, 3)]


def test_the_reviewer_reads_the_vehicle_field() -> None:
    def vehicle(a: tuple[str, ...], b: tuple[str, ...]) -> FieldAgreement:
        fields = domain.compare_members(MemberRecord(1, "张三", 1985, "male", 1, "1234", vehicles=a),
                                        MemberRecord(2, "张三", 1985, "male", 1, "9999", vehicles=b)).fields
        return {f.field: f.agreement for f in fields}["vehicle"]

    assert vehicle((PLATE_HASH,), (OTHER_HASH, PLATE_HASH)) is FieldAgreement.SAME
    assert vehicle((PLATE_HASH,), (OTHER_HASH,)) is FieldAgreement.DIFFERENT
    assert vehicle((PLATE_HASH,), ()) is FieldAgreement.UNKNOWN and vehicle((), ()) is FieldAgreement.UNKNOWN
    same = domain.compare_members(MemberRecord(1, "张三", 1985, "male", 1, "1234", vehicles=(PLATE_HASH,)),
                                  MemberRecord(2, "张三", 1985, "male", 1, "9999", vehicles=(PLATE_HASH,)))
    without = domain.compare_members(MemberRecord(1, "张三", 1985, "male", 1, "1234"),
                                     MemberRecord(2, "张三", 1985, "male", 1, "9999"))
    assert "vehicle" in same.agree and same.score > without.score
