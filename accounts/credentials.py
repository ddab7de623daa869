"""Initial passwords: generated, hashed cheaply, kept encrypted until the slips are handed out."""

import base64
import hashlib
import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from .models import InitialCredential, User

# No 0/o, 1/l/i: the password is read off paper and typed on a phone.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105 (an alphabet)
PASSWORD_LENGTH = 8


def initial_password_generate() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def initial_password_hash(password: str) -> str:
    return make_password(password, hasher="pbkdf2_sha256_initial")


def initial_password_hashes(passwords: list[str]) -> list[str]:
    """Hash many initial passwords on every core: hashlib's PBKDF2 releases the GIL."""
    if len(passwords) < 64:
        return [initial_password_hash(p) for p in passwords]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return list(pool.map(initial_password_hash, passwords, chunksize=256))


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"hoctiep.initial-credential:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def credential_encrypt(password: str) -> bytes:
    return _fernet().encrypt(password.encode())


def credential_password(credential: InitialCredential) -> str | None:
    """The readable initial password, or None once it has expired or cannot be read."""
    if credential.created_at < timezone.now() - timedelta(days=settings.INITIAL_CREDENTIAL_DAYS):
        return None
    try:
        return _fernet().decrypt(bytes(credential.password_encrypted)).decode()
    except InvalidToken:
        return None


def initial_password_set(*, user: User) -> str:
    """Give the user a new initial password (a reset), to be printed on a new slip."""
    password = initial_password_generate()
    user.password = initial_password_hash(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    # A new row, so that the new password starts a new expiry period.
    InitialCredential.objects.filter(user=user).delete()
    InitialCredential.objects.create(user=user, password_encrypted=credential_encrypt(password))
    return password


def credentials_discard(*, users) -> int:
    """Forget the readable initial passwords of these users (slips handed out)."""
    deleted, _ = InitialCredential.objects.filter(user__in=users).delete()
    return deleted
