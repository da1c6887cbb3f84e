"""Content files uploaded in the admin (`progress.content_upload`)."""

from django.db import models

from roadmap.models import Revision


class UploadManager(models.Manager):
    def get_queryset(self):
        # A curator's admin edit records no files; only an upload does.
        return (
            super()
            .get_queryset()
            .filter(origin=Revision.Origin.ADMIN, curator__isnull=False)
            .exclude(digest="")
        )


class ContentUpload(Revision):
    """A revision made by a curator uploading a content file in the admin: its
    admin is the upload form, the preview and the list of what uploads changed.
    Its permissions (add, view) say who may upload."""

    objects = UploadManager()

    class Meta:
        proxy = True
        verbose_name = "content upload"
        verbose_name_plural = "content uploads"
