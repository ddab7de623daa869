from django.contrib.auth.hashers import PBKDF2PasswordHasher


class InitialPasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 with fewer rounds, for generated initial passwords only.

    A province import creates ~170,000 accounts; at Django's default 1,000,000 rounds that is
    hours of hashing. Initial passwords are random (about 40 bits), printed on a slip, must be
    changed at first login and expire; Django re-hashes with the default hasher at that first
    login, because this hasher is not the preferred one.
    """

    algorithm = "pbkdf2_sha256_initial"
    iterations = 2_000
