"""Keep the lesson tree and editing groups in step with schools and users, and the H5P
libraries' cached version with the libraries: receivers only, the work is in courses.services
and courses.h5p.storage. Schools and users live in lower layers (classrooms, accounts),
which announce them through model signals and accounts.events; they never import courses."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from accounts.events import users_created
from accounts.models import Role, User
from classrooms.models import School

from . import services
from .h5p.storage import libraries_changed
from .models import H5PLibrary, H5PPackage


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


# The libraries' version token in every player's URLs (courses.h5p.storage.libraries_version).
post_save.connect(libraries_changed, sender=H5PLibrary, dispatch_uid="courses_h5p_library_saved")
post_delete.connect(libraries_changed, sender=H5PLibrary, dispatch_uid="courses_h5p_library_gone")
m2m_changed.connect(
    libraries_changed, sender=H5PPackage.libraries.through, dispatch_uid="courses_h5p_libraries_set"
)
