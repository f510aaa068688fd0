"""DfE census code sets for pupil characteristics.

Source: ../shared/reference/DOMAIN.md section (f), from the DfE Common Basic Data Set as used in
the SSDA903, CIN and school censuses (data-to-insight/ssd-data-model
data/categories__future_release/{ethnicity,send_type}.yml; gov.uk/guidance/alternative-provision-ap-census/codes).
"""

from django.db import models


class Ethnicity(models.TextChoices):
    WBRI = "WBRI", "White British"
    WIRI = "WIRI", "White Irish"
    WIRT = "WIRT", "Traveller of Irish heritage"
    WOTH = "WOTH", "Any other White background"
    WROM = "WROM", "Gypsy/Roma"
    MWBC = "MWBC", "White and Black Caribbean"
    MWBA = "MWBA", "White and Black African"
    MWAS = "MWAS", "White and Asian"
    MOTH = "MOTH", "Any other mixed background"
    AIND = "AIND", "Indian"
    APKN = "APKN", "Pakistani"
    ABAN = "ABAN", "Bangladeshi"
    AOTH = "AOTH", "Any other Asian background"
    BCRB = "BCRB", "Black Caribbean"
    BAFR = "BAFR", "Black African"
    BOTH = "BOTH", "Any other Black background"
    CHNE = "CHNE", "Chinese"
    OOTH = "OOTH", "Any other ethnic group"
    REFU = "REFU", "Refused"
    NOBT = "NOBT", "Information not yet obtained"


class FirstLanguage(models.TextChoices):
    ENG = "ENG", "English"
    ENB = "ENB", "Not known but believed to be English"
    OTH = "OTH", "Other than English"
    OTB = "OTB", "Not known but believed to be other than English"
    REF = "REF", "Refused"
    NOT = "NOT", "Information not obtained"


class SenProvision(models.TextChoices):
    EHC_PLAN = "E", "Education, health and care plan"
    SEN_SUPPORT = "K", "SEN support"
    NONE = "N", "No special educational need"


class SenNeed(models.TextChoices):
    SPLD = "SPLD", "Specific learning difficulty"
    MLD = "MLD", "Moderate learning difficulty"
    SLD = "SLD", "Severe learning difficulty"
    PMLD = "PMLD", "Profound and multiple learning difficulty"
    SEMH = "SEMH", "Social, emotional and mental health"
    SLCN = "SLCN", "Speech, language and communication needs"
    HI = "HI", "Hearing impairment"
    VI = "VI", "Vision impairment"
    MSI = "MSI", "Multi-sensory impairment"
    PD = "PD", "Physical disability"
    ASD = "ASD", "Autistic spectrum disorder"
    OTH = "OTH", "Other difficulty or disability"
    NSA = "NSA", "SEN support but no specialist assessment of type of need"


class NcYear(models.TextChoices):
    # National curriculum year groups as the school census records them.
    N1 = "N1", "Nursery 1"
    N2 = "N2", "Nursery 2"
    R = "R", "Reception"
    Y1 = "1", "Year 1"
    Y2 = "2", "Year 2"
    Y3 = "3", "Year 3"
    Y4 = "4", "Year 4"
    Y5 = "5", "Year 5"
    Y6 = "6", "Year 6"
    Y7 = "7", "Year 7"
    Y8 = "8", "Year 8"
    Y9 = "9", "Year 9"
    Y10 = "10", "Year 10"
    Y11 = "11", "Year 11"
    Y12 = "12", "Year 12"
    Y13 = "13", "Year 13"
    Y14 = "14", "Year 14"


class SchoolPhase(models.TextChoices):
    # GIAS "PhaseOfEducation (name)".
    NURSERY = "nursery", "Nursery"
    PRIMARY = "primary", "Primary"
    MIDDLE_DEEMED_PRIMARY = "middle_primary", "Middle deemed primary"
    SECONDARY = "secondary", "Secondary"
    MIDDLE_DEEMED_SECONDARY = "middle_secondary", "Middle deemed secondary"
    SIXTEEN_PLUS = "16_plus", "16 plus"
    ALL_THROUGH = "all_through", "All-through"
    NOT_APPLICABLE = "not_applicable", "Not applicable"
