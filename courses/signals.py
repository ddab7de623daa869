"""Keep the lesson tree and editing groups in step with schools and users: receivers only,
the work is in courses.services. Schools and users live in lower layers (classrooms, accounts),
which announce them through model signals and accounts.events; they never import courses."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.events import users_created
from accounts.models import Role, User
from classrooms.models import School

from . import services


@receiver(post_save, sender=School, dispatch_uid="courses_school_saved")
def school_saved(sender, instance, created, raw=False, **kwargs):
    if not raw and services.site_root() is not None:
        services.school_index_ensure(instance)


@receiver(post_save, sender=User, dispatch_uid="courses_user_saved")
def user_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or (update_fields and not {"role", "school", "is_active"} & set(update_fields)):
        return
    if services.site_root() is not None:
        services.user_groups_sync(instance)


@receiver(users_created, dispatch_uid="courses_users_created")
def users_were_created(sender, users, **kwargs):
    # Roster imports bulk-create accounts (no post_save): their groups are set up here, when
    # they are created, rather than at each sign-in.
    if services.site_root() is not None:
        for user in users:
            if user.role in (Role.TEACHER, Role.PROVINCE_OFFICER):  # new accounts: no groups yet
                services.user_groups_sync(user)
