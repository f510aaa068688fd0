"""Code lists the child record uses, from the DfE's published specifications.

Sources (see ../shared/reference/DOMAIN.md, section (a)):
- SSDA903 legal status codes: the 13 codes the DfE's 903 validation accepts,
  SocialFinanceDigitalLabs/liia-tools liiatools/spec/s903/SSDA903_schema_2024.yml; descriptions
  from data-to-insight/ssd-data-model data/categories__future_release/legal_status.yml.
- PLAC routes: the "post looked after arrangements" categories in DfE statistics
  (explore-education-statistics data set 1934c37c-dad9-431a-b879-14ccf53f0fce).
"""

from django.db import models


class Cohort(models.TextChoices):
    CLA = "CLA", "Looked after"
    CIN = "CIN", "Child in need"
    CPP = "CPP", "Child protection plan"
    PLAC = "PLAC", "Previously looked after"


class Gender(models.TextChoices):
    # DfE census gender codes.
    MALE = "M", "Male"
    FEMALE = "F", "Female"
    UNKNOWN = "U", "Not known"


class LegalStatus(models.TextChoices):
    C1 = "C1", "C1 – Interim care order"
    C2 = "C2", "C2 – Full care order"
    D1 = "D1", "D1 – Freeing order granted"
    E1 = "E1", "E1 – Placement order granted"
    V2 = "V2", "V2 – Single period of accommodation under section 20"
    V3 = "V3", "V3 – Short-term breaks, individual episodes recorded"
    V4 = "V4", "V4 – Short-term breaks, agreements recorded"
    L1 = "L1", "L1 – Police protection, in local authority accommodation"
    L2 = "L2", "L2 – Emergency protection order"
    L3 = "L3", "L3 – Child assessment order, in local authority accommodation"
    J1 = "J1", "J1 – Remanded to local authority or youth detention accommodation"
    J2 = "J2", "J2 – Placed in local authority accommodation under PACE"
    J3 = "J3", "J3 – Youth rehabilitation order with residence or intensive fostering"


class PlacRoute(models.TextChoices):
    ADOPTION = "adoption", "Adoption order (England or Wales)"
    SGO = "sgo", "Special guardianship order"
    CAO = "cao", "Child arrangements order"
    ADOPTED_ABROAD = "adopted_abroad", "Adopted from care outside England and Wales"


class UpnUnknown(models.TextChoices):
    # SSDA903 header UPN field: a code in place of a UPN (DOMAIN.md section (a), from
    # data-to-insight/ssd-data-model data/categories__future_release/upn_unknown.yml).
    UN1 = "UN1", "UN1 – Not of school age, no UPN yet"
    UN2 = "UN2", "UN2 – Never attended a maintained school in England"
    UN3 = "UN3", "UN3 – Educated outside England"
    UN4 = "UN4", "UN4 – Newly looked after, UPN not yet known"
    UN5 = "UN5", "UN5 – Sources disagree, no reliable match"
