"""The default retention rules, from the authority's privacy notice (issue 14, DESIGN.md
"Retention"): seeded by migration 0002; Admins change them afterwards through
retention.services.retention_rule_change. Plain data, so the migration can read it."""

PRIVACY_NOTICE = "The authority's privacy notice"
REG_50 = (
    "Care Planning, Placement and Case Review (England) Regulations 2010, reg. 50: a looked-"
    "after child's case record is kept until the 75th anniversary of the child's birth"
)

RULES = [
    {
        "cohort": "CLA",
        "years": 75,
        "counts_from": "18th_birthday",
        # The 75th anniversary of birth is 57 years after the 18th birthday.
        "minimum_years": 57,
        "basis": "Looked-after children's records are kept for 75 years after their 18th birthday",
        "source": PRIVACY_NOTICE,
        "legal_minimum": REG_50,
    },
    {
        "cohort": "CIN",
        "years": 10,
        "counts_from": "closure",
        "minimum_years": None,
        "basis": "Children in need's records are kept for 10 years after the case closes",
        "source": PRIVACY_NOTICE,
        "legal_minimum": "",
    },
    {
        "cohort": "CPP",
        "years": 10,
        "counts_from": "episode_end",
        "minimum_years": None,
        "basis": "Children with a social worker (on a child protection plan) are kept as "
        "children in need: 10 years after the plan ends",
        "source": PRIVACY_NOTICE,
        "legal_minimum": "",
    },
    {
        "cohort": "PLAC",
        "years": 7,
        "counts_from": "18th_birthday",
        "minimum_years": None,
        "basis": "Previously looked-after children: as the authority configures (the default "
        "keeps them to age 25, as a pupil's educational record); review before use",
        "source": "The authority's configuration",
        "legal_minimum": "",
    },
]
