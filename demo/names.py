"""Vietnamese names for generated people, drawn from the family-name weights and the given and
middle names in demo/org.py. Used by `seed_demo` and `generate_province`."""

import random
from dataclasses import dataclass

from accounts.usernames import ascii_slug

from . import org as data


@dataclass(frozen=True)
class Person:
    family: str
    middle: str
    given: str

    @property
    def full_name(self) -> str:
        return f"{self.family} {self.middle} {self.given}"

    @property
    def roll_key(self) -> tuple[str, str, str]:
        # Vietnamese class lists are ordered by given name, then family and middle name.
        return (ascii_slug(self.given), ascii_slug(self.family), ascii_slug(self.middle))


class NameGenerator:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.families = [name for name, _ in data.FAMILY_NAMES]
        self.weights = [weight for _, weight in data.FAMILY_NAMES]

    def person(self, *, female: bool) -> Person:
        rng = self.rng
        family = rng.choices(self.families, self.weights)[0]
        middles = data.FEMALE_MIDDLE_NAMES if female else data.MALE_MIDDLE_NAMES
        givens = data.FEMALE_GIVEN_NAMES if female else data.MALE_GIVEN_NAMES
        given = rng.choice(givens)
        middle = rng.choice(middles)
        while middle == given:
            middle = rng.choice(middles)
        return Person(family, middle, given)
