"""Synthetic characteristics for the demo: census codes in plausible proportions for children
in care, free school meal periods, and for some children another responsible authority. No
real person."""

from __future__ import annotations

import random
from datetime import date, timedelta

from records.calendar import birthday
from records.codes.census import Ethnicity, FirstLanguage, SenNeed, SenProvision
from records.models import Child, School
from records.services import characteristics as services

# Another authority is responsible for a tenth of the demo's children, by LA code (blank is
# this authority): the demo's other authority (records.demo.DEMO_PLACED_ELSEWHERE, sharing's
# `otherla`) or one more.
OTHER_AUTHORITY_CODE = "875"

# Rough weights, for a believable mix only (not statistics).
ETHNICITY_WEIGHTS = {
    Ethnicity.WBRI: 64,
    Ethnicity.WOTH: 5,
    Ethnicity.MWBC: 5,
    Ethnicity.MOTH: 4,
    Ethnicity.BAFR: 4,
    Ethnicity.APKN: 3,
    Ethnicity.AIND: 2,
    Ethnicity.AOTH: 2,
    Ethnicity.BCRB: 2,
    Ethnicity.OOTH: 2,
    Ethnicity.WROM: 1,
    Ethnicity.WIRT: 1,
    Ethnicity.MWBA: 1,
    Ethnicity.MWAS: 1,
    Ethnicity.CHNE: 1,
    Ethnicity.NOBT: 2,
}
# Children in care have special educational needs far more often than their peers, most often
# social, emotional and mental health needs.
NEED_WEIGHTS = {
    SenNeed.SEMH: 40,
    SenNeed.MLD: 14,
    SenNeed.SLCN: 14,
    SenNeed.ASD: 12,
    SenNeed.SPLD: 6,
    SenNeed.SLD: 3,
    SenNeed.PD: 2,
    SenNeed.HI: 1,
    SenNeed.VI: 1,
    SenNeed.OTH: 3,
    SenNeed.NSA: 4,
}
ENGLISH_FIRST = {
    Ethnicity.WBRI,
    Ethnicity.WIRI,
    Ethnicity.WIRT,
    Ethnicity.MWBC,
    Ethnicity.MWBA,
    Ethnicity.MWAS,
    Ethnicity.BCRB,
}


def _pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def fill(*, rng: random.Random, child: Child, staff, schools: list[School], today: date) -> None:
    """Add a characteristics record and, for some children, free school meal periods."""
    from records.demo import DEMO_PLACED_ELSEWHERE  # the package imports this module first

    age = child.age_on(today)
    uasc = age >= 14 and rng.random() < 0.25
    if uasc:
        ethnicity = rng.choice([Ethnicity.OOTH, Ethnicity.BAFR, Ethnicity.AOTH, Ethnicity.WOTH])
    else:
        ethnicity = _pick(rng, ETHNICITY_WEIGHTS)
    if uasc or (ethnicity not in ENGLISH_FIRST and rng.random() < 0.5):
        language = rng.choice([FirstLanguage.OTH, FirstLanguage.OTH, FirstLanguage.OTB])
    else:
        language = FirstLanguage.ENG
    eal = language in (FirstLanguage.OTH, FirstLanguage.OTB)
    provision = rng.choices(
        [SenProvision.EHC_PLAN, SenProvision.SEN_SUPPORT, SenProvision.NONE], weights=[25, 30, 45]
    )[0]
    in_borough = rng.random() < 0.65
    services.characteristics_record(
        actor=staff.manager,
        child=child,
        ethnicity=ethnicity,
        first_language=language,
        english_additional_language=eal,
        arrived_from_overseas=uasc or (eal and rng.random() < 0.3),
        unaccompanied_asylum_seeking=uasc,
        sen_provision=provision,
        sen_primary_need=_pick(rng, NEED_WEIGHTS) if provision != SenProvision.NONE else "",
        responsible_la_code=""
        if rng.random() < 0.9
        else rng.choice((DEMO_PLACED_ELSEWHERE, OTHER_AUTHORITY_CODE)),
        placed_in_borough=in_borough,
    )
    _fsm_periods(rng=rng, child=child, staff=staff, today=today)


def _fsm_periods(*, rng: random.Random, child: Child, staff, today: date) -> None:
    if rng.random() > 0.4:
        return
    start = max(birthday(child.date_of_birth, 4), today - timedelta(days=rng.randint(200, 2500)))
    if start >= today:
        return
    end: date | None = start + timedelta(days=rng.randint(90, 800))
    if end >= today:
        end = None
    services.fsm_period_record(actor=staff.manager, child=child, start_date=start, end_date=end)
    if end is not None and rng.random() < 0.4:
        again = end + timedelta(days=rng.randint(30, 400))
        if again < today:
            services.fsm_period_record(actor=staff.manager, child=child, start_date=again)
