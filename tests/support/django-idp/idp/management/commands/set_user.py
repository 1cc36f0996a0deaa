import json

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Change a user as the site's admin would: active, staff, groups (a JSON object of what to change)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("changes")

    def handle(self, *args, username, changes, **options):
        change = json.loads(changes)
        user = get_user_model().objects.get(username=username)
        if "active" in change:
            user.is_active = bool(change["active"])
        if "staff" in change:
            user.is_staff = bool(change["staff"])
        # Saved through the model, as the admin site saves: the post_save receivers run.
        user.save()
        if "groups" in change:
            user.groups.set([Group.objects.get_or_create(name=name)[0] for name in change["groups"]])
        self.stdout.write(json.dumps({"ok": True}))
