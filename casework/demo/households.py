"""Synthetic households as plain values: who lives where, names, dates, NHS numbers. No database.

Faker costs tens of microseconds a call, too slow for hundreds of thousands of people, so its
en_GB names, streets, towns and postcodes are drawn once into pools and each household is then
sampled from them with a seeded :class:`random.Random`: the same seed gives the same households
(record ids and keys stay random, as they are when the services create them).

NHS numbers come from the synthetic range of the ``nhs-number`` package (never a real person's).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Generic, TypeVar

import nhs_number
from faker import Faker

from casework.families.rules import is_valid_postcode

YEAR = 365
T = TypeVar("T")

#: Census 2021 ethnic groups, weighted roughly as England's population of families with children.
ETHNICITIES = (
    ("White: English, Welsh, Scottish, Northern Irish or British", 70),
    ("White: Irish", 1),
    ("White: Gypsy or Irish Traveller", 1),
    ("White: Other White", 7),
    ("Mixed: White and Black Caribbean", 2),
    ("Mixed: White and Asian", 1),
    ("Mixed: Other Mixed or multiple ethnic background", 1),
    ("Asian or Asian British: Indian", 3),
    ("Asian or Asian British: Pakistani", 4),
    ("Asian or Asian British: Bangladeshi", 2),
    ("Asian or Asian British: Other Asian", 1),
    ("Black, Black British, Caribbean or African: African", 3),
    ("Black, Black British, Caribbean or African: Caribbean", 1),
    ("Other ethnic group: Arab", 1),
    ("Other ethnic group: Any other ethnic group", 1),
)
LANGUAGES = (
    ("English", 86),
    ("Polish", 3),
    ("Urdu", 2),
    ("Punjabi", 2),
    ("Bengali", 1),
    ("Romanian", 2),
    ("Arabic", 1),
    ("Portuguese", 1),
    ("Somali", 1),
    ("Lithuanian", 1),
)
#: Children in a household (besides any unborn child), weighted: about 2.5 people a household.
CHILDREN = ((1, 86), (2, 11), (3, 2.5), (4, 0.5))
SINGLE_ADULT = 0.62
UNBORN = 0.05
OTHER_ADULT = 0.03


@dataclass(frozen=True, slots=True)
class PersonSpec:
    """One person's details, as they would be passed to ``families.services.add_member``."""

    given_name: str
    family_name: str
    role: str
    parental_responsibility: bool
    date_of_birth: date | None = None
    expected_date: date | None = None
    nhs_number: str | None = None
    gender: str | None = None
    ethnicity: str | None = None
    language: str | None = None
    school: str | None = None


@dataclass(frozen=True, slots=True)
class HouseholdSpec:
    """A family's address and the people in it."""

    address_line_1: str
    postcode: str
    people: tuple[PersonSpec, ...]


class Weighted(Generic[T]):
    """Values with weights, for :meth:`random.Random.choices`."""

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self.values = [value for value, _ in pairs]
        self.weights = [float(weight) for _, weight in pairs]

    def pick(self, rng: random.Random) -> T:
        return rng.choices(self.values, self.weights)[0]


@dataclass(frozen=True)
class Pools:
    """Values drawn once from Faker en_GB (weighted as Faker weights them)."""

    female: tuple[str, ...]
    male: tuple[str, ...]
    surnames: tuple[str, ...]
    streets: tuple[str, ...]
    towns: tuple[str, ...]
    postcodes: tuple[str, ...]

    @classmethod
    def build(cls, seed: int, households: int) -> Pools:
        fake = Faker("en_GB")
        fake.seed_instance(seed)
        size = max(200, min(households, 4000))
        postcodes: list[str] = []
        # A postcode covers about fifteen addresses; several families in one is realistic.
        while len(postcodes) < max(50, min(households // 5, 20_000)):
            candidate = fake.postcode()
            if is_valid_postcode(candidate):
                postcodes.append(candidate)
        return cls(
            female=tuple(fake.first_name_female() for _ in range(size)),
            male=tuple(fake.first_name_male() for _ in range(size)),
            surnames=tuple(fake.last_name() for _ in range(size)),
            streets=tuple(fake.street_name() for _ in range(size)),
            towns=tuple(fake.city() for _ in range(max(50, size // 20))),
            postcodes=tuple(postcodes),
        )


class NhsNumberSupply:
    """Distinct synthetic NHS numbers, drawn from ``nhs_number.generate`` in blocks.

    ``generate`` draws from the module-level ``random``; it is seeded from our own generator
    for each block and the global state restored afterwards, so loads are repeatable and
    nobody else's random sequence is disturbed.
    """

    BLOCK = 5000

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._seen: set[str] = set()
        self._buffer: list[str] = []

    def take(self) -> str:
        while not self._buffer:
            self._refill()
        return self._buffer.pop()

    def _refill(self) -> None:
        state = random.getstate()
        random.seed(self._rng.getrandbits(64))
        try:
            numbers = [str(n) for n in nhs_number.generate(for_region=nhs_number.REGION_SYNTHETIC, quantity=self.BLOCK)]
        finally:
            random.setstate(state)
        fresh = [n for n in dict.fromkeys(numbers) if n not in self._seen]
        self._seen.update(fresh)
        self._buffer = fresh[::-1]


class HouseholdGenerator:
    """Realistic households: parents or carers with parental responsibility, children of every
    age (and now and then an unborn child or another adult such as a grandparent)."""

    def __init__(self, seed: int, households: int, today: date) -> None:
        self._rng = random.Random(seed)  # nosec B311 - synthetic data, not security
        self._pools = Pools.build(seed, households)
        self._nhs = NhsNumberSupply(self._rng)
        self._today = today
        self._ethnicities = Weighted(ETHNICITIES)
        self._languages = Weighted(LANGUAGES)
        self._children = Weighted(CHILDREN)

    def _address(self) -> str:
        rng, pools = self._rng, self._pools
        street = f"{rng.randint(1, 240)} {rng.choice(pools.streets)}"
        if rng.random() < 0.18:
            return f"Flat {rng.randint(1, 60)}, {street}"
        return street

    def _school(self, age: int) -> str | None:
        town = self._rng.choice(self._pools.towns)
        if age < 2:
            return None
        if age < 4:
            return f"{town} Nursery" if self._rng.random() < 0.5 else None
        if age < 11:
            return f"{town} Primary School"
        if age < 16:
            return f"{town} {self._rng.choice(('Academy', 'High School', 'Secondary School'))}"
        return f"{town} College" if self._rng.random() < 0.7 else None

    def _nhs_number(self, probability: float) -> str | None:
        return self._nhs.take() if self._rng.random() < probability else None

    def household(self) -> HouseholdSpec:
        rng, pools, today = self._rng, self._pools, self._today
        surname = rng.choice(pools.surnames)
        ethnicity = self._ethnicities.pick(rng)
        language = self._languages.pick(rng)
        count = self._children.pick(rng)
        unborn = rng.random() < UNBORN
        people: list[PersonSpec] = []
        oldest = 0
        for n in range(count):
            if unborn and n == count - 1:
                expected = today + timedelta(days=rng.randint(14, 270))
                people.append(PersonSpec("Baby", surname, "unborn", False, expected_date=expected))
                continue
            days = rng.randint(1, 18 * YEAR - 1)
            oldest = max(oldest, days)
            female = rng.random() < 0.49
            people.append(
                PersonSpec(
                    given_name=rng.choice(pools.female if female else pools.male),
                    family_name=surname,
                    role="child",
                    parental_responsibility=False,
                    date_of_birth=today - timedelta(days=days),
                    nhs_number=self._nhs_number(0.97),
                    gender="Female" if female else "Male",
                    ethnicity=ethnicity,
                    language=language,
                    school=self._school(days // YEAR),
                )
            )
        adults = 1 if rng.random() < SINGLE_ADULT else 2
        first_female = rng.random() < 0.85
        genders = [first_female, (not first_female) if rng.random() < 0.96 else first_female][:adults]
        carers = []
        for n, female in enumerate(genders):
            # A parent is at least 16 years older than the eldest child.
            days = oldest + rng.randint(17 * YEAR, 38 * YEAR)
            carers.append(
                PersonSpec(
                    given_name=rng.choice(pools.female if female else pools.male),
                    family_name=surname if n == 0 or rng.random() < 0.65 else rng.choice(pools.surnames),
                    role="parent_carer",
                    parental_responsibility=True,
                    date_of_birth=today - timedelta(days=days),
                    nhs_number=self._nhs_number(0.95),
                    gender="Female" if female else "Male",
                    ethnicity=ethnicity,
                    language=language,
                )
            )
        if rng.random() < OTHER_ADULT:
            female = rng.random() < 0.7
            carers.append(
                PersonSpec(
                    given_name=rng.choice(pools.female if female else pools.male),
                    family_name=surname,
                    role="other_adult",
                    parental_responsibility=False,
                    date_of_birth=today - timedelta(days=oldest + rng.randint(40 * YEAR, 60 * YEAR)),
                    nhs_number=self._nhs_number(0.95),
                    gender="Female" if female else "Male",
                    ethnicity=ethnicity,
                    language=language,
                )
            )
        return HouseholdSpec(self._address(), rng.choice(pools.postcodes), (*carers, *people))
