import json

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from oauth2_provider.models import Application


class Command(BaseCommand):
    help = "Migrate, then create the users and the OAuth client described in a JSON file; print users' subs."

    def add_arguments(self, parser):
        parser.add_argument("config")

    def handle(self, *args, config, **options):
        with open(config) as f:
            spec = json.load(f)
        call_command("migrate", verbosity=0)
        subs = {}
        for u in spec["users"]:
            # create_user skips the username validator, so names Django's forms reject (an apostrophe) work.
            user = get_user_model().objects.create_user(
                u["username"], u.get("email", ""), u["password"],
                first_name=u.get("firstName", ""), last_name=u.get("lastName", ""),
            )
            subs[user.username] = str(user.pk)
        client = spec["client"]
        Application.objects.create(
            name="portal",
            client_id=client["id"],
            client_secret=client["secret"],  # DOT 1.7 stores it in plain text (hashing came with 2.0)
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            algorithm=Application.RS256_ALGORITHM,
            redirect_uris=" ".join(client["redirectUris"]),
            skip_authorization=True,
        )
        self.stdout.write(json.dumps({"subs": subs}))
