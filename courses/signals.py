"""Keep the lesson tree and editing groups in step with schools and users."""

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import User
from classrooms.models import School

from . import services


def _site_ready() -> bool:
    # The page tree hangs under the HomePage that a data migration creates; a database emptied
    # by a flush (transactional tests) has none, and then there is nothing to attach to.
    from home.models import HomePage

    return HomePage.objects.exists()


@receiver(post_save, sender=School)
def school_saved(sender, instance, created, raw=False, **kwargs):
    if not raw and _site_ready():
        services.school_index_ensure(instance)


@receiver(post_save, sender=User)
def user_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or (update_fields and not {"role", "school", "is_active"} & set(update_fields)):
        return
    if _site_ready():
        services.user_groups_sync(instance)


@receiver(user_logged_in)
def user_signed_in(sender, request, user, **kwargs):
    # Roster imports create accounts in bulk, without post_save: catch up at first sign-in.
    if _site_ready():
        services.user_groups_sync(user)
