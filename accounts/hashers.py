from django.contrib.auth.hashers import PBKDF2PasswordHasher


class InitialPasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 with fewer rounds, for generated initial passwords only.

    A province import creates ~170,000 accounts; at Django's default 1,000,000 rounds that is
    about a day of hashing on one machine; at 1,000 rounds, about a minute. Initial passwords are
    random (8 characters of 31, about 40 bits), printed on a slip, must be changed at first
    login and expire after INITIAL_CREDENTIAL_DAYS; Django re-hashes with the default hasher at
    that first login, because this hasher is not the preferred one.
    """

    algorithm = "pbkdf2_sha256_initial"
    iterations = 1_000
