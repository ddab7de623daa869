"""What the lesson page needs to play a package: the player's options and the student's score."""

from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Role

from .selectors import block_requirement, result_for
from .storage import libraries_version


def player_options(package, *, lesson=None, user=None, record: bool = False) -> dict:
    """Options for h5p-standalone (static/js/h5p-block.js reads them from a json_script)."""
    options = {
        "id": str(package.uuid),
        "h5pJsonPath": reverse("courses:h5p_file", args=[package.uuid, "h5p.json"]).removesuffix(
            "/h5p.json"
        ),
        "contentJsonPath": reverse(
            "courses:h5p_file", args=[package.uuid, "content/content.json"]
        ).removesuffix("/content.json"),
        "librariesPath": reverse(
            "courses:h5p_library", args=[libraries_version(package), "x", "x"]
        ).removesuffix("/x/x"),
        "frameJs": static("vendor/h5p/frame.bundle.js"),
        "frameCss": static("vendor/h5p/styles/h5p.css"),
    }
    if user is not None and user.is_authenticated:
        # A real actor for the statements; the server still trusts only the session.
        options["user"] = {"name": user.display_name, "mail": f"user-{user.pk}@hoctiep.invalid"}
        # H5P core fills in the placeholders; the iframe adds the CSRF header (h5p-frame.js).
        options["saveFreq"] = 30
        options["ajax"] = {
            "contentUserDataUrl": reverse(
                "courses:h5p_state", args=[package.uuid, "dataType", "subContentId"]
            ).replace("/dataType/subContentId/", "/:dataType/:subContentId/")
        }
        options["customJs"] = [static("js/h5p-frame.js")]
        if record and lesson is not None:
            options["xapiUrl"] = reverse("courses:h5p_xapi", args=[package.uuid, lesson.pk])
    return options


def block_context(value, parent_context) -> dict:
    package = value.get("package")
    if package is None:
        return {"package": None}
    request = parent_context.get("request")
    lesson = parent_context.get("page")
    user = getattr(request, "user", None)
    preview = bool(parent_context.get("preview"))
    is_student = bool(user and user.is_authenticated and user.role == Role.STUDENT)
    record = is_student and not preview and lesson is not None
    context = {
        "package": package,
        "options": player_options(package, lesson=lesson, user=user, record=record),
    }
    if record:
        result = result_for(user=user, package=package, lesson=lesson)
        requirement = block_requirement(value)
        context["result"] = result
        context["score_template"] = score_template()
        context["score_text"] = score_text(result)
        context["status_text"] = status_text(result, requirement)
        context["done"] = requirement.met_by(result)
    return context


def score_template() -> str:
    return _("Your score: %(score)s/%(max)s (best %(best)s, attempts: %(attempts)s)")


def _number(value: float) -> str:
    return f"{round(value, 2):g}"


def score_text(result) -> str:
    """The line under the activity; the same template the page's script fills in."""
    if result is None or result.max_score is None:
        return _("Not done yet.")
    return score_template() % {
        "score": _number(result.score),
        "max": _number(result.max_score),
        "best": _number(result.best_score),
        "attempts": result.attempts,
    }


def status_text(result, requirement) -> str:
    """Whether the activity counts for the lesson, apart from the score: a wrong answer is
    done (answered) but not passed."""
    if result is None or result.max_score is None:
        return ""
    if requirement.passing and result.max_score:
        if requirement.passed(result):
            return _("Passed: this activity counts for the lesson.")
        return _("Not passed yet: %(percent)s%% of the points are needed. Try again.") % {
            "percent": requirement.percent
        }
    if result.completed:
        return _("Done: this activity counts for the lesson.")
    return ""
