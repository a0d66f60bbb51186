"""`manage.py bootstrap_project`: find or create an org and project and mint a secret key."""

import json
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError

from llmgateway.services import project_bootstrap


class Command(BaseCommand):
    help = "Create (or reuse) an organization and project and print a new secret key."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="Organization name")
        parser.add_argument("--project", required=True, help="Project name")
        parser.add_argument("--markup", help="Markup percent, e.g. 20")
        parser.add_argument(
            "--origin", action="append", default=[], help="Allowed browser origin (repeatable)"
        )
        parser.add_argument("--live", action="store_true", help="Mint a live key (sk_live_)")
        parser.add_argument("--json", action="store_true", help="Print one JSON object")

    def handle(self, *args, **options):
        markup = None
        if options["markup"] is not None:
            try:
                markup = Decimal(options["markup"])
            except InvalidOperation:
                raise CommandError("--markup must be a number of percent, e.g. 20") from None
            if not markup.is_finite() or markup < 0:
                raise CommandError("--markup must be zero or more")
        organization, project, secret_key = project_bootstrap(
            organization_name=options["org"],
            project_name=options["project"],
            markup_percent=markup,
            allowed_origins=options["origin"],
            livemode=options["live"],
        )
        result = {
            "organizationId": organization.pk,
            "projectId": project.pk,
            "secretKey": secret_key,
        }
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(f"Organization {organization.name}: {organization.pk}")
            self.stdout.write(f"Project {project.name}: {project.pk}")
            self.stdout.write(f"Secret key (shown once): {secret_key}")
