"""Records and choices behave as the NamedTuple and Enum the type checker sees."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest

from aws_key_guard.model import Code
from aws_key_guard.model import Finding
from aws_key_guard.model import Kind
from aws_key_guard.record import Record


class Point(Record):
    x: int
    y: int = 0
    label: str | None = None


def test_record_fields_defaults_and_keywords():
    assert Point(1) == (1, 0, None)
    assert Point(1, 2, 'a') == Point(x=1, y=2, label='a') == (1, 2, 'a')
    assert Point(1, label='b') == (1, 0, 'b')
    assert (Point(3).x, Point(3, 4).y, Point(3, label='c').label) == (3, 4, 'c')
    assert Point._fields == ('x', 'y', 'label')


def test_record_replace_asdict_repr():
    point = Point(1, 2)
    assert point._replace(label='z') == (1, 2, 'z')
    assert type(point._replace(x=5)) is Point
    assert point._replace(x=5, label='w').label == 'w'
    assert point._asdict() == {'x': 1, 'y': 2, 'label': None}
    assert repr(point) == 'Point(x=1, y=2, label=None)'


def _too_many() -> Point:
    return Point(1, 2, 'a', 'b')  # type: ignore[call-arg]


def _missing() -> Point:
    return Point()  # type: ignore[call-arg]


def _unknown() -> Point:
    return Point(1, z=2)  # type: ignore[call-arg]


def _twice() -> Point:
    return Point(1, x=2)  # type: ignore[misc]


def _replace_unknown() -> Point:
    return Point(1)._replace(z=2)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ('make', 'message'),
    [
        pytest.param(_too_many, 'Point takes 3 values, not 4', id='too-many'),
        pytest.param(_missing, "Point needs 'x'", id='missing'),
        pytest.param(_unknown, "Point has no field 'z'", id='unknown'),
        pytest.param(_twice, "Point has no field 'x'", id='twice'),
        pytest.param(_replace_unknown, "Point has no field 'z'", id='replace-unknown'),
    ],
)
def test_record_refuses_what_a_namedtuple_refuses(make, message):
    with pytest.raises(TypeError) as excinfo:
        make()
    assert str(excinfo.value) == message


def test_record_has_no_instance_dict():
    with pytest.raises(AttributeError):
        Point(1).z = 2  # type: ignore[attr-defined]


def test_records_and_choices_survive_copy():
    finding = Finding(Code.PAIR, 3, 4, key_id=b'id')
    assert copy.deepcopy(finding) == finding
    assert copy.deepcopy(finding).code is Code.PAIR
    assert copy.copy(Kind.KEY_ID) is Kind.KEY_ID


def test_choice_members_by_name_and_value():
    assert list(Kind) == [Kind.KEY_ID, Kind.SECRET, Kind.SESSION_TOKEN]
    assert len(Code) == 5
    assert Kind('secret') is Kind.SECRET
    assert (Kind.SECRET.name, Kind.SECRET.value) == ('SECRET', 'secret')
    assert (repr(Kind.KEY_ID), str(Kind.KEY_ID)) == ("<Kind.KEY_ID: 'key-id'>", 'Kind.KEY_ID')
    assert repr(Code.PAIR) == "<Code.PAIR: 'AKG001'>"
    assert isinstance(Code.PAIR, str)
    with pytest.raises(ValueError, match=r"^'AKG999' is not a valid Code$"):
        Code('AKG999')


def test_records_import_neither_typing_nor_enum():
    code = (
        'import sys\n'
        'from aws_key_guard import model\n'
        'print(sorted({"typing", "enum", "re", "collections"} & set(sys.modules)))\n'
    )
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert (result.returncode, result.stdout, result.stderr) == (0, '[]\n', '')
