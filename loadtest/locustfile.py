"""The simulated users of `make load` (run by loadtest/__main__.py; locust from the api-test
extra). What each requests is in plan.py.

Each simulated user is one account of LOADTEST_ACCOUNTS (loadtest/seed.py's JSON): it signs
in once, with the password and the authenticator code, as a person would, then keeps its
session for the rest of the run. LOADTEST_COUNTS gives how many users of each kind
(caseworkers, managers, designated teachers, API tokens), LOADTEST_PASSWORD and
LOADTEST_TOTP_SECRET the accounts' password and authenticator secret. A token user sends its
agreement's token as a machine client would, slowly enough for the API's throttle (60 a
minute per token). At the end the figures are printed as `name: value` lines (plan.summary).
"""

from __future__ import annotations

import json
import os
import random  # the simulated users' choices: nothing secret
import re
import sys
from collections.abc import Callable
from pathlib import Path

from locust import HttpUser, between, events, task
from locust.exception import StopUser

from loadtest import plan
from virtualschool.totp import code_now

ACCOUNTS = json.loads(Path(os.environ["LOADTEST_ACCOUNTS"]).read_text())
COUNTS = dict(
    zip(
        ("caseworkers", "managers", "teachers", "tokens"),
        (int(n) for n in os.environ["LOADTEST_COUNTS"].split(",")),
        strict=True,
    )
)
PASSWORD = os.environ["LOADTEST_PASSWORD"]
TOTP_SECRET = os.environ["LOADTEST_TOTP_SECRET"]
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class _Person(HttpUser):
    abstract = True
    kind: str
    requests: tuple[plan.Request, ...]
    wait_time = between(1, 3)
    ids: dict[str, list[str]]

    def on_start(self) -> None:
        if not ACCOUNTS[self.kind]:
            raise StopUser
        self.username = ACCOUNTS[self.kind].pop()
        # The password step leads to the code step; the code step out of the sign-in pages.
        self._post_form("/sign-in/", lambda: {"username": self.username, "password": PASSWORD})
        # The code is read once the code page has answered: a slow page outlasts a code.
        self._post_form("/sign-in/code/", lambda: {"code": code_now(TOTP_SECRET)})
        self.ids = self.find_ids()

    def _post_form(self, path: str, fields: Callable[[], dict[str, str]]) -> None:
        name = f"{plan.SIGN_IN_PREFIX}: {path}"
        page = self.client.get(path, name=name)
        token = CSRF_INPUT.search(page.text)
        with self.client.post(
            path,
            data={**fields(), "csrfmiddlewaretoken": token.group(1) if token else ""},
            headers={"Referer": self.host + path},
            allow_redirects=False,
            name=name,
            catch_response=True,
        ) as answer:
            location = answer.headers.get("Location", "")
            onward = (
                location.startswith("/sign-in/code/")
                if path == "/sign-in/"
                else not location.startswith("/sign-in/")
            )
            if answer.status_code != 302 or not onward:
                answer.failure(f"{self.username} refused at {path} ({answer.status_code})")
                raise StopUser

    def find_ids(self) -> dict[str, list[str]]:
        return {}

    @task
    def browse(self) -> None:
        weights = [r.weight for r in self.requests]
        request = random.choices(self.requests, weights=weights)[0]  # noqa: S311
        values = {name: random.choice(ids) for name, ids in self.ids.items() if ids}  # noqa: S311
        if any(f"{{{name}}}" in request.path for name in ("child", "agreement") - values.keys()):
            return  # nothing of that kind to ask for (a teacher whose school has no child)
        with self.client.get(
            request.path.format(**values), name=request.name, catch_response=True
        ) as response:
            if response.status_code != 200 or "/sign-in/" in response.url:
                response.failure(f"{response.status_code} at {response.url}")


class CaseworkerUser(_Person):
    kind = "caseworkers"
    fixed_count = COUNTS["caseworkers"]
    requests = plan.CASEWORKER

    def find_ids(self) -> dict[str, list[str]]:
        with self.client.get(
            plan.CASEWORKER_CHILDREN, name="caseworker: api children", catch_response=True
        ) as listed:
            children = [child["id"] for child in listed.json()["results"]]
            if not children:
                listed.failure(f"{self.username} sees no child: the seeding granted nothing")
        return {"child": children}


class ManagerUser(_Person):
    kind = "managers"
    fixed_count = COUNTS["managers"]
    requests = plan.MANAGER


class TeacherUser(_Person):
    kind = "teachers"
    fixed_count = COUNTS["teachers"]
    requests = plan.TEACHER

    def find_ids(self) -> dict[str, list[str]]:
        page = self.client.get(plan.TEACHER_CHILDREN, name="teacher: portal")
        return {"child": sorted(set(plan.PORTAL_CHILD_LINK.findall(page.text)))}


class TokenUser(_Person):
    kind = "tokens"
    fixed_count = COUNTS["tokens"]
    requests = plan.TOKEN
    wait_time = between(2, 4)

    def on_start(self) -> None:
        if not ACCOUNTS[self.kind]:
            raise StopUser
        self.username = "token"
        self.client.headers["Authorization"] = f"Bearer {ACCOUNTS[self.kind].pop()}"
        listed = self.client.get(plan.AGREEMENTS, name="token: agreements")
        self.ids = {"agreement": [str(item["id"]) for item in listed.json()["results"]]}


@events.quitting.add_listener
def _print_figures(environment, **kwargs) -> None:
    stats = environment.stats
    seconds = max(stats.last_request_timestamp or 0, stats.start_time) - stats.start_time
    entries = [
        plan.Entry(
            name=entry.name,
            requests=entry.num_requests,
            failures=entry.num_failures,
            response_times=dict(entry.response_times),
        )
        for entry in stats.entries.values()
    ]
    exceptions = sum(error["count"] for error in environment.runner.exceptions.values())
    sys.stdout.write("\n".join(plan.summary(entries, seconds, exceptions=exceptions)) + "\n")
    sys.stdout.flush()
