"""The blocks a lesson is built from.

Every top-level block keeps the UUID Wagtail gives it in the StreamField; the lesson template
wraps each block in ``<section id="{{ block.id }}">`` so the live room can point students at a
section (``lesson.focus``) and the ids survive edits and new revisions.
"""

import re
from urllib.parse import parse_qs, urlparse

from django.core.exceptions import ValidationError
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.widgets.chooser import BaseChooser
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock


class H5PPackageChooser(BaseChooser):
    """The admin widget that opens the H5P chooser (courses/h5p/chooser.py serves it, scoped to
    the packages the editor manages)."""

    model = "courses.H5PPackage"
    choose_one_text = _("Choose an H5P activity")
    choose_another_text = _("Choose another H5P activity")
    link_to_chosen_text = _("Edit")
    chooser_modal_url_name = "h5p_package_chooser:choose"
    icon = "form"


class H5PPackageChooserBlock(blocks.ChooserBlock):
    target_model = "courses.H5PPackage"
    widget = H5PPackageChooser()

    class Meta:
        icon = "form"


# Math written in LaTeX between these delimiters is typeset by KaTeX in the browser.
MATH_PATTERN = re.compile(r"\$\$.+?\$\$|\\\(.+?\\\)|\\\[.+?\\\]|(?<![\\\w])\$[^$\s][^$]*?\$", re.S)

RICH_TEXT_FEATURES = [
    "bold",
    "italic",
    "superscript",
    "subscript",
    "ol",
    "ul",
    "link",
    "document-link",
    "hr",
]

VIDEO_FILE_EXTENSIONS = ("mp4", "webm", "ogg", "ogv", "m4v")

# When an H5P activity counts as done for the lesson (H5PBlock.completion).
ATTEMPTED, PASSED = "attempted", "passed"


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Heading"), max_length=200)
    level = blocks.ChoiceBlock(
        label=_("Size"),
        choices=[("h2", _("Section")), ("h3", _("Subsection"))],
        default="h2",
    )

    class Meta:
        icon = "title"
        label = _("Heading / section")
        template = "courses/blocks/heading.html"


class LessonRichTextBlock(blocks.RichTextBlock):
    """Text with formulas: write LaTeX between $…$ (inline) or $$…$$ (display)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("features", RICH_TEXT_FEATURES)
        kwargs.setdefault(
            "help_text",
            _("Write formulas in LaTeX between $ … $ (in a line) or $$ … $$ (on their own line)."),
        )
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        label = _("Text")
        template = "courses/blocks/text.html"


class MathBlock(blocks.TextBlock):
    """A displayed formula on its own, in LaTeX."""

    class Meta:
        icon = "code"
        label = _("Formula (LaTeX)")
        template = "courses/blocks/math.html"
        rows = 3


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    alt = blocks.CharBlock(
        label=_("Description for screen readers"),
        max_length=250,
        required=False,
        help_text=_("Leave empty to use the image's title."),
    )
    caption = blocks.CharBlock(label=_("Caption"), max_length=250, required=False)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "courses/blocks/image.html"


def video_embed_src(url: str) -> str | None:
    """The privacy-friendly player address for a YouTube or Vimeo link, else None."""
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    video_id = None
    if host == "youtu.be":
        video_id = parsed.path.strip("/").split("/")[0]
    elif host in ("youtube.com", "youtube-nocookie.com"):
        if parsed.path == "/watch":
            video_id = parse_qs(parsed.query).get("v", [""])[0]
        elif parsed.path.startswith(("/embed/", "/shorts/", "/live/")):
            video_id = parsed.path.split("/")[2]
    if video_id and re.fullmatch(r"[\w-]{6,20}", video_id):
        return f"https://www.youtube-nocookie.com/embed/{video_id}"
    if host in ("vimeo.com", "player.vimeo.com"):
        number = parsed.path.rstrip("/").split("/")[-1]
        if number.isdigit():
            return f"https://player.vimeo.com/video/{number}"
    return None


class VideoBlock(blocks.StructBlock):
    """An uploaded video file (played by the browser) or a link to a hosted video.

    Hosted players are not loaded until the student taps them: a YouTube iframe alone costs
    about 1 MB, which a student on 3G should only spend on purpose.
    """

    title = blocks.CharBlock(label=_("Title"), max_length=200, required=False)
    file = DocumentChooserBlock(
        label=_("Video file"),
        required=False,
        help_text=_("Upload an MP4 or WebM file as a document."),
    )
    url = blocks.URLBlock(
        label=_("Or a video link"),
        required=False,
        help_text=_("YouTube, Vimeo, or any page with the video."),
    )

    class Meta:
        icon = "media"
        label = _("Video")
        template = "courses/blocks/video.html"

    def clean(self, value):
        value = super().clean(value)
        has_file, has_url = bool(value.get("file")), bool(value.get("url"))
        if has_file == has_url:
            message = _("Choose either a video file or a video link.")
            raise StructBlockValidationError(
                block_errors={"file": ValidationError(message), "url": ValidationError(message)}
            )
        if has_file:
            extension = value["file"].file_extension.lower()
            if extension not in VIDEO_FILE_EXTENSIONS:
                raise StructBlockValidationError(
                    block_errors={
                        "file": ValidationError(
                            _("A video file must be one of: %(types)s.")
                            % {"types": ", ".join(VIDEO_FILE_EXTENSIONS)}
                        )
                    }
                )
        return value

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        if value.get("url"):
            context["embed_src"] = video_embed_src(value["url"])
        return context


class AttachmentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("File"))
    title = blocks.CharBlock(
        label=_("Link text"),
        max_length=200,
        required=False,
        help_text=_("Defaults to the file's title."),
    )

    class Meta:
        icon = "doc-full"
        label = _("File to download")
        template = "courses/blocks/attachment.html"


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label=_("Kind"),
        choices=[
            ("exercise", _("Exercise")),
            ("example", _("Example")),
            ("note", _("Remember")),
            ("warning", _("Watch out")),
        ],
        default="exercise",
    )
    title = blocks.CharBlock(label=_("Title"), max_length=200, required=False)
    body = LessonRichTextBlock(label=_("Content"))

    class Meta:
        icon = "help"
        label = _("Exercise / callout")
        template = "courses/blocks/callout.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["kind_label"] = dict(self.child_blocks["kind"].field.choices).get(value["kind"], "")
        return context


class H5PBlock(blocks.StructBlock):
    """An interactive H5P activity, played by h5p-standalone; scores reach the teacher."""

    package = H5PPackageChooserBlock(label=_("H5P activity"))
    completion = blocks.ChoiceBlock(
        label=_("The lesson counts it done"),
        choices=[
            (ATTEMPTED, _("when the student has answered")),
            (PASSED, _("when the student has passed")),
        ],
        default=ATTEMPTED,
    )
    pass_percent = blocks.IntegerBlock(
        label=_("Pass mark (percent of the points)"),
        min_value=1,
        max_value=100,
        default=50,
        required=False,
        help_text=_("Used when the lesson counts the activity done when passed."),
    )

    class Meta:
        icon = "form"
        label = _("H5P activity")
        template = "courses/blocks/h5p.html"

    # The player's options and the student's score are the template's business (the
    # h5p_player tag): the player reads the models that load these blocks.


class LessonStreamBlock(blocks.StreamBlock):
    """A lesson's body."""

    heading = HeadingBlock()
    text = LessonRichTextBlock()
    math = MathBlock()
    image = ImageBlock()
    video = VideoBlock()
    attachment = AttachmentBlock()
    callout = CalloutBlock()
    h5p = H5PBlock()

    class Meta:
        block_counts = {}


def renders_from_content(block) -> bool:
    """Whether a top-level block's markup depends on its value and the language alone, so the
    lesson page may keep it in the cache (LessonPage.body_sections). Images follow the reader's
    connection, files and linked pages can change address, H5P shows the student's score."""
    if block.block_type in ("heading", "math"):
        return True
    if block.block_type == "video":
        return not block.value.get("file")
    if block.block_type == "text":
        source = block.value.source
    elif block.block_type == "callout":
        source = block.value["body"].source
    else:
        return False
    return "linktype=" not in source and "embedtype=" not in source


def block_label(block) -> str:
    """A short human label for a top-level block, for the live room's section picker."""
    value = block.value
    if block.block_type == "heading":
        return value["text"]
    if block.block_type in ("video", "callout") and value.get("title"):
        return f"{block.block.meta.label}: {value['title']}"
    if block.block_type == "attachment":
        return f"{block.block.meta.label}: {value.get('title') or value['document'].title}"
    if block.block_type == "h5p" and value.get("package"):
        return f"{block.block.meta.label}: {value['package'].title}"
    if block.block_type == "image" and value.get("caption"):
        return f"{block.block.meta.label}: {value['caption']}"
    if block.block_type == "text":
        text = " ".join(strip_tags(value.source.replace("<br", " <br")).split())
        return text[:60] + ("…" if len(text) > 60 else "") or str(block.block.meta.label)
    return str(block.block.meta.label)


def has_math(stream) -> bool:
    """Whether a page needs KaTeX: any formula block, or LaTeX delimiters in its text."""
    for block in stream:
        if block.block_type == "math":
            return True
        if block.block_type == "text" and MATH_PATTERN.search(block.value.source):
            return True
        if block.block_type == "callout" and MATH_PATTERN.search(block.value["body"].source):
            return True
    return False
