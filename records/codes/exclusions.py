"""Suspension and permanent exclusion codes.

Source: ../shared/reference/exclusion-reasons.csv: the reason set in use since 2020/21
(egfl.org.uk/node/27198; find-npd-data.education.gov.uk), up to three reasons per exclusion,
"OT Other" retired in autumn 2020 but present in older data. A newer set said to follow the
CBDS of May 2026 was seen in one third-party file only; those codes are accepted (a school's
system may send them) and marked unverified here until a DfE source confirms them.
"""

from django.db import models


class ExclusionCategory(models.TextChoices):
    PERMANENT = "PERM", "Permanent exclusion"
    SUSPENSION = "FIXD", "Suspension"
    LUNCHTIME = "LNCH", "Lunchtime suspension"


CURRENT_REASONS: tuple[tuple[str, str], ...] = (
    ("PP", "Physical assault against a pupil"),
    ("PA", "Physical assault against an adult"),
    ("VP", "Verbal abuse or threatening behaviour against a pupil"),
    ("VA", "Verbal abuse or threatening behaviour against an adult"),
    ("OW", "Use, or threat of use, of an offensive weapon or prohibited item"),
    ("BU", "Bullying"),
    ("RA", "Racist abuse"),
    ("LG", "Abuse against sexual orientation and gender identity"),
    ("DS", "Abuse relating to disability"),
    ("SM", "Sexual misconduct"),
    ("DA", "Drug and alcohol related"),
    ("DM", "Damage to property"),
    ("TH", "Theft"),
    ("DB", "Persistent or general disruptive behaviour"),
    ("MT", "Inappropriate use of social media or online technology"),
    (
        "PH",
        "Wilful and repeated transgression of protective measures in place to protect public health",
    ),
)
RETIRED_REASONS: tuple[tuple[str, str], ...] = (("OT", "Other"),)
UNVERIFIED_REASONS: tuple[tuple[str, str], ...] = (
    ("BW", "Found to have brought a weapon or prohibited item into school"),
    ("TB", "Cyber-bullying or threatening behaviour online"),
    ("SB", "Harmful sexual behaviour"),
    ("MB", "Misogynistic behaviour"),
    ("AB", "Misandry behaviour"),
    ("DR", "Drug related"),
    ("AR", "Alcohol related"),
    ("SR", "Smoking related"),
    ("VR", "Vape related"),
    ("LD", "Persistent disruptive behaviour: low-level disruption"),
    ("CB", "Persistent disruptive behaviour: challenging behaviour"),
    ("MP", "Use of mobile phone"),
    ("OS", "Misbehaviour outside of school"),
)
REASON_CHOICES: list[tuple[str, str]] = [
    (code, f"{code} – {meaning}")
    for code, meaning in CURRENT_REASONS + RETIRED_REASONS + UNVERIFIED_REASONS
]
MAX_REASONS = 3
