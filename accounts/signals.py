"""Bookkeeping only: once a user sets their own password, the slip's password is void."""

from allauth.account.signals import password_changed, password_reset, password_set
from django.dispatch import receiver

from .models import InitialCredential


@receiver(password_changed)
@receiver(password_set)
@receiver(password_reset)
def forget_initial_password(sender, request, user, **kwargs):
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    InitialCredential.objects.filter(user=user).delete()
