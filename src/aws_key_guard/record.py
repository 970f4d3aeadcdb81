"""Records and choices with no import cost: typing.NamedTuple and enum.Enum, as far as used here.

The type checker sees the real ones. At run time, `typing` (which imports
`re`) and `enum` would cost a blocked commit more than its scan, and each
namedtuple compiles code when defined; these plain classes cost neither.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

__all__ = ['Choice', 'Record']


class _RecordType(type):
    # The annotated names of a record's class body are its fields, in order;
    # a value given there is the field's default.
    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> _RecordType:
        from _operator import itemgetter  # built in; `operator` is a module to load

        fields = tuple(n for n in namespace.get('__annotations__', ()) if not n.startswith('_'))
        namespace['_field_defaults'] = {f: namespace.pop(f) for f in fields if f in namespace}
        namespace['_fields'] = fields
        namespace['__slots__'] = ()
        for i, field in enumerate(fields):
            namespace[field] = property(itemgetter(i))
        return super().__new__(mcs, name, bases, namespace)


class _Record(tuple[object, ...], metaclass=_RecordType):
    """A tuple with named fields and defaults, like a namedtuple."""

    _fields: tuple[str, ...]
    _field_defaults: dict[str, object]

    def __new__(cls, *args: object, **kwargs: object) -> _Record:
        fields = cls._fields
        if len(args) == len(fields) and not kwargs:
            return tuple.__new__(cls, args)
        if len(args) > len(fields):
            raise TypeError(f'{cls.__name__} takes {len(fields)} values, not {len(args)}')
        values = list(args)
        for field in fields[len(args) :]:
            if field in kwargs:
                values.append(kwargs.pop(field))
            elif field in cls._field_defaults:
                values.append(cls._field_defaults[field])
            else:
                raise TypeError(f'{cls.__name__} needs {field!r}')
        if kwargs:
            raise TypeError(f'{cls.__name__} has no field {next(iter(kwargs))!r}')
        return tuple.__new__(cls, values)

    def _replace(self, **changes: object) -> _Record:
        values = [changes.pop(f, v) for f, v in zip(self._fields, self, strict=True)]
        if changes:
            raise TypeError(f'{type(self).__name__} has no field {next(iter(changes))!r}')
        return tuple.__new__(type(self), values)

    def _asdict(self) -> dict[str, object]:
        return dict(zip(self._fields, self, strict=True))

    def __getnewargs__(self) -> tuple[object, ...]:
        return tuple(self)

    def __repr__(self) -> str:
        values = ', '.join(f'{f}={v!r}' for f, v in zip(self._fields, self, strict=True))
        return f'{type(self).__name__}({values})'


def _show(member: Any) -> str:
    return f'<{type(member).__name__}.{member._name_}: {member._value_!r}>'


def _name(member: Any) -> str:
    return f'{type(member).__name__}.{member._name_}'


class _ChoiceType(type):
    # The plain values of a choice's class body become its members: instances
    # of the class (of str too, for a str choice), found again by value.
    _members: dict[str, _Choice]
    _by_value: dict[object, _Choice]

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> _ChoiceType:
        names = [
            n
            for n, v in namespace.items()
            if not n.startswith('_') and not callable(v) and not hasattr(v, '__get__')
        ]
        values = {n: namespace.pop(n) for n in names}
        # As an enum member shows itself, whatever the str or int it also is.
        namespace.setdefault('__repr__', _show)
        namespace.setdefault('__str__', _name)
        cls = super().__new__(mcs, name, bases, namespace)
        cls._members = {}
        cls._by_value = {}
        made: Any = cls
        for member_name, value in values.items():
            # A str choice's member is that str; any other is a bare instance.
            mixin: Any = next((b for b in cls.__mro__[1:] if b not in {_Choice, object}), None)
            member = object.__new__(made) if mixin is None else mixin.__new__(made, value)
            member._name_ = member_name
            member._value_ = value
            setattr(cls, member_name, member)
            cls._members[member_name] = member
            cls._by_value[value] = member
        return cls

    def __call__(cls, value: object) -> Any:
        try:
            return cls._by_value[value]
        except KeyError:
            raise ValueError(f'{value!r} is not a valid {cls.__name__}') from None

    def __iter__(cls) -> Iterator[Any]:
        return iter(cls._members.values())

    def __len__(cls) -> int:
        return len(cls._members)


class _Choice(metaclass=_ChoiceType):
    """One of a fixed set of named values, like an enum member."""

    _name_: str
    _value_: Any

    @property
    def name(self) -> str:
        return self._name_

    @property
    def value(self) -> Any:
        return self._value_

    def __copy__(self) -> _Choice:
        return self

    def __deepcopy__(self, memo: object) -> _Choice:
        return self


if TYPE_CHECKING:
    from enum import Enum as Choice
    from typing import NamedTuple as Record
else:
    Choice = _Choice
    Record = _Record
