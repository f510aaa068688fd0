"""Assessment and attainment measures a virtual school tracks, EYFS to KS4.

Source: ../shared/reference/DOMAIN.md section (d) (DfE assessment frameworks; CTF result codes
from DFEAGILEDEVOPS/MTC admin/lib/consts/ctf-results.js).
"""

from django.db import models


class Measure(models.TextChoices):
    EYFS_GLD = "EYFS_GLD", "EYFS: good level of development"
    PHONICS_Y1 = "PHONICS_Y1", "Phonics screening check (year 1)"
    PHONICS_Y2 = "PHONICS_Y2", "Phonics screening check retake (year 2)"
    KS1_READING = "KS1_READ", "KS1 reading (teacher assessment)"
    KS1_WRITING = "KS1_WRIT", "KS1 writing (teacher assessment)"
    KS1_MATHS = "KS1_MAT", "KS1 maths (teacher assessment)"
    KS1_SCIENCE = "KS1_SCI", "KS1 science (teacher assessment)"
    MTC = "MTC", "Multiplication tables check"
    KS2_READING = "KS2_READ", "KS2 reading (scaled score)"
    KS2_MATHS = "KS2_MAT", "KS2 maths (scaled score)"
    KS2_GPS = "KS2_GPS", "KS2 grammar, punctuation and spelling (scaled score)"
    KS2_WRITING = "KS2_WRIT", "KS2 writing (teacher assessment)"
    KS2_SCIENCE = "KS2_SCI", "KS2 science (teacher assessment)"
    KS4_GCSE = "KS4_GCSE", "GCSE grade"
    KS4_ATTAINMENT_8 = "KS4_A8", "KS4 Attainment 8"
    KS4_PROGRESS_8 = "KS4_P8", "KS4 Progress 8"
