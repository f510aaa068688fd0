"""`python -m tests.issue_token [--agreement NAME] [--count N]`: issue API tokens for a demo
agreement through the real token service (sharing.services.token_issue, as the demo Admin),
and print each secret on a line of its own. For the runs that drive a live server from outside
(tests/api_fuzz/, loadtest/), against the database DATABASE_URL names.
"""

from __future__ import annotations

import argparse
import os
import sys

DEFAULT_AGREEMENT = "Youth support services (s507B)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agreement", default=DEFAULT_AGREEMENT, help="the agreement's name")
    parser.add_argument("--count", type=int, default=1, help="how many tokens (default 1)")
    parser.add_argument("--admin", default="admin", help="the Admin who issues them")
    arguments = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "virtualschool.settings.local")
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from sharing.models import SharingAgreement
    from sharing.services import token_issue

    admin = get_user_model().objects.get(username=arguments.admin)
    agreement = SharingAgreement.objects.get(name=arguments.agreement)
    for number in range(1, arguments.count + 1):
        _, secret = token_issue(actor=admin, agreement=agreement, name=f"Live run {number}")
        sys.stdout.write(secret + "\n")


if __name__ == "__main__":
    main()
