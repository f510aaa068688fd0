"""Who may use each door: the declared table that tests/test_access_matrix.py checks.

Written out by hand, from what the service promises (docs/security.md, DESIGN.md's roles,
issue 11), never computed from records.permissions, virtualschool.roles or the sections'
declarations: if code and table disagree, one of them is wrong and a person decides which.

One line per route and method. A route that is one URL pattern for several things (a tab, a
section, a kind of file) has a line per thing, named `route[variant]`. Columns:

    route  object  method  anonymous  caseworker  sensitive  former  manager  admin  recipient

Roles (the people tests/test_access_matrix.py builds):
    anonymous   not signed in
    caseworker  the Caseworker the "own" child is allocated to, without sensitive access
    sensitive   a Caseworker also allocated the "own" child, given sensitive access by an Admin
    former      a Caseworker who had the "own" child (and sensitive access), then was given the
                Admin role through staff.services.staff_role_set, which ends their allocations
    manager     a Manager
    admin       an Admin
    recipient   a person with the Recipient role (issue 13), a member of a recipient
                organisation; the column holds for every recipient type the demo has (youth
                support, school, DfE, NHS trust, another LA), each checked separately
                (tests/test_access_matrix.py, RECIPIENT_TYPES). To a recipient every route is
                a 404 but signing in and out, setting a password and the home page
                (virtualschool.middleware.RECIPIENT_ROUTES) and routes marked recipient_route
                (the sharing API's, whose lines come with them)

Object, and the relations each role column then holds one letter for, in this order:
    -       no object: one letter
    child   own (allocated to caseworker and sensitive), other (allocated to another
            caseworker only), missing (an id no child has): three letters
    run     an import run started by the caseworker, one started by another caseworker, an
            id no run has: three letters
    person  a staff member (a Caseworker none of the roles is), an id no one has: two letters
    organisation  a recipient organisation, an id no organisation has: two letters
    agreement     a draft sharing agreement (drafted by an Admin none of the roles is), an id
                  no agreement has: two letters
    certificate   a destruction certificate (a child destroyed through a list), an id no
                  certificate has: two letters
    pupil   roll (a looked-after child on the roll of the "school" recipient's school, under
            its active agreement), other (one on the roll of another school, whose designated
            teacher is the "other_school" recipient, under its own), missing: three letters

The portal's lines (portal:...) are one per variant, and on each the recipient column is
checked for the recipients the variant names (tests/test_access_matrix.py,
RECIPIENT_VARIANTS): [teacher] the school's designated teacher, [other-school] the
designated teacher of another school, [not-a-school] every recipient that is not a school.
    token         an API token of that agreement, an id no token has: two letters
    extract       an extract file of another, approved agreement of the same organisation
                  (none of the recipients' organisations: theirs are tested in
                  tests/sharing/test_extracts.py), an id no extract has: two letters

Letters (what the response must be):
    O  200
    E  200 showing an error summary, and nothing stored changed
    C  201
    R  302 somewhere other than the sign-in page (after a write: it was done)
    S  302 to the sign-in page itself
    B  400
    F  403
    N  404
    X  409
For a write (POST, PUT) every letter but O, C and R also means nothing stored changed.
"""

from __future__ import annotations

ROLES = ("anonymous", "caseworker", "sensitive", "former", "manager", "admin", "recipient")
RELATIONS = {
    "-": ("-",),
    "child": ("own", "other", "missing"),
    "run": ("own", "other", "missing"),
    "person": ("person", "missing"),
    "organisation": ("organisation", "missing"),
    "agreement": ("agreement", "missing"),
    "certificate": ("certificate", "missing"),
    "pupil": ("roll", "other", "missing"),
    "token": ("token", "missing"),
    "extract": ("extract", "missing"),
}
LETTERS = {
    "O": 200,
    "E": 200,
    "C": 201,
    "R": 302,
    "S": 302,
    "B": 400,
    "F": 403,
    "N": 404,
    "X": 409,
}

# fmt: off
TABLE = """
# route                                    object method anon cw  sens former mgr admin recip
home                                       -      GET    S    O   O   O   O   O  O
healthz                                    -      GET    O    O   O   O   O   O  O
# The privacy notice is public: anyone, signed in or not, a recipient too (issue 14).
privacy:notice                             -      GET    O    O   O   O   O   O  O
# The footer's other pages are public too, and /favicon.ico goes on to GOV.UK's icon (issue 16).
accessibility                              -      GET    O    O   O   O   O   O  O
help                                       -      GET    O    O   O   O   O   O  O
favicon                                    -      GET    R    R   R   R   R   R  R
sign-in                                    -      GET    O    R   R   R   R   R  R
sign-in                                    -      POST   R    R   R   R   R   R  R
sign-in-code                               -      GET    S    R   R   R   R   R  R
sign-in-code                               -      POST   S    R   R   R   R   R  R
sign-in-set-up                             -      GET    S    R   R   R   R   R  R
sign-in-set-up                             -      POST   S    R   R   R   R   R  R
sign-in-backup-codes                       -      GET    S    R   R   R   R   R  R
# Signing out ends at the sign-in page, for everyone.
sign-out                                   -      POST   S    S   S   S   S   S  S

records:caseload                           -      GET    S    O   O   O   O   O  N
records:caseload                           -      POST   S    O   O   O   O   O  N
records:child-add                          -      GET    S    N   N   N   O   N  N
records:child-add                          -      POST   S    N   N   N   R   N  N
# The list behind the home page's "new suspensions and exclusions": caseworkers and managers.
records:new-exclusions                     -      GET    S    O   O   N   O   N  N
records:child-detail                       child  GET    SSS  ONN ONN NNN OON NNN  NNN
records:child-edit                         child  GET    SSS  ONN ONN NNN OON NNN  NNN
records:child-edit                         child  POST   SSS  RNN RNN NNN RRN NNN  NNN
records:child-history                      child  GET    SSS  ONN ONN NNN OON NNN  NNN
records:episode-add                        child  GET    SSS  ONN ONN NNN OON NNN  NNN
records:episode-add                        child  POST   SSS  RNN RNN NNN RRN NNN  NNN
records:allocation-add                     child  GET    SSS  NNN NNN NNN OON NNN  NNN
records:allocation-add                     child  POST   SSS  NNN NNN NNN RRN NNN  NNN
records:allocation-end                     child  POST   SSS  NNN NNN NNN RRN NNN  NNN
records:attendance-record                  child  GET    SSS  ONN ONN NNN OON NNN  NNN
records:attendance-record                  child  POST   SSS  RNN RNN NNN RRN NNN  NNN
# Personal education plans (issue 15): starting the next, and a plan's page and its forms.
records:pep-start                          child  POST   SSS  RNN RNN NNN RRN NNN  NNN
records:pep-plan                           child  GET    SSS  ONN ONN NNN OON NNN  NNN
records:pep-plan                           child  POST   SSS  RNN RNN NNN RRN NNN  NNN

records:tab[characteristics]               child  GET    SSS  ONN ONN NNN OON NNN  NNN
records:tab[schools]                       child  GET    SSS  ONN ONN NNN OON NNN  NNN
records:tab[attendance]                    child  GET    SSS  ONN ONN NNN OON NNN  NNN
records:tab[attainment]                    child  GET    SSS  ONN ONN NNN OON NNN  NNN
records:tab[behaviour]                     child  GET    SSS  ONN ONN NNN OON NNN  NNN
records:tab[pep]                           child  GET    SSS  ONN ONN NNN OON NNN  NNN
records:tab[safeguarding]                  child  GET    SSS  NNN ONN NNN OON NNN  NNN
records:tab[health]                        child  GET    SSS  NNN ONN NNN OON NNN  NNN
records:tab[notes]                         child  GET    SSS  ONN ONN NNN OON NNN  NNN
records:tab[contacts]                      child  GET    SSS  ONN ONN NNN OON NNN  NNN
records:tab[no-such-tab]                   child  GET    SSS  NNN NNN NNN NNN NNN  NNN

# One row per child: its add page leads to the row the child has.
records:section-add[characteristics/characteristics]     child  GET   SSS RNN RNN NNN RRN NNN  NNN
records:section-add[characteristics/characteristics]     child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-add[characteristics/free-school-meals]   child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-add[characteristics/free-school-meals]   child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-add[schools/enrolments]                  child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-add[schools/enrolments]                  child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-add[attainment/results]                  child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-add[attainment/results]                  child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-add[attainment/post-16-courses]          child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-add[attainment/post-16-courses]          child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-add[behaviour/exclusions]                child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-add[behaviour/exclusions]                child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-add[behaviour/alternative-provision]     child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-add[behaviour/alternative-provision]     child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-add[safeguarding/court-orders]           child  GET   SSS NNN ONN NNN OON NNN  NNN
records:section-add[safeguarding/court-orders]           child  POST  SSS NNN RNN NNN RRN NNN  NNN
records:section-add[safeguarding/professionals]          child  GET   SSS NNN ONN NNN OON NNN  NNN
records:section-add[safeguarding/professionals]          child  POST  SSS NNN RNN NNN RRN NNN  NNN
records:section-add[health/conditions]                   child  GET   SSS NNN ONN NNN OON NNN  NNN
records:section-add[health/conditions]                   child  POST  SSS NNN RNN NNN RRN NNN  NNN
records:section-add[health/professionals]                child  GET   SSS NNN ONN NNN OON NNN  NNN
records:section-add[health/professionals]                child  POST  SSS NNN RNN NNN RRN NNN  NNN
records:section-add[notes/notes]                         child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-add[notes/notes]                         child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-add[contacts/contacts]                   child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-add[contacts/contacts]                   child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-add[contacts/previous-addresses]         child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-add[contacts/previous-addresses]         child  POST  SSS RNN RNN NNN RRN NNN  NNN

records:section-edit[characteristics/characteristics]    child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-edit[characteristics/characteristics]    child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-edit[characteristics/free-school-meals]  child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-edit[characteristics/free-school-meals]  child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-edit[schools/enrolments]                 child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-edit[schools/enrolments]                 child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-edit[attainment/results]                 child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-edit[attainment/results]                 child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-edit[attainment/post-16-courses]         child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-edit[attainment/post-16-courses]         child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-edit[behaviour/exclusions]               child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-edit[behaviour/exclusions]               child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-edit[behaviour/alternative-provision]    child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-edit[behaviour/alternative-provision]    child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-edit[safeguarding/court-orders]          child  GET   SSS NNN ONN NNN OON NNN  NNN
records:section-edit[safeguarding/court-orders]          child  POST  SSS NNN RNN NNN RRN NNN  NNN
records:section-edit[safeguarding/professionals]         child  GET   SSS NNN ONN NNN OON NNN  NNN
records:section-edit[safeguarding/professionals]         child  POST  SSS NNN RNN NNN RRN NNN  NNN
records:section-edit[health/conditions]                  child  GET   SSS NNN ONN NNN OON NNN  NNN
records:section-edit[health/conditions]                  child  POST  SSS NNN RNN NNN RRN NNN  NNN
records:section-edit[health/professionals]               child  GET   SSS NNN ONN NNN OON NNN  NNN
records:section-edit[health/professionals]               child  POST  SSS NNN RNN NNN RRN NNN  NNN
records:section-edit[notes/notes]                        child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-edit[notes/notes]                        child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-edit[contacts/contacts]                  child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-edit[contacts/contacts]                  child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-edit[contacts/previous-addresses]        child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-edit[contacts/previous-addresses]        child  POST  SSS RNN RNN NNN RRN NNN  NNN

# Removing a mistaken entry: the same access as changing it, with a reason (issue 15).
records:section-remove[characteristics/characteristics]  child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-remove[characteristics/characteristics]  child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-remove[characteristics/free-school-meals] child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-remove[characteristics/free-school-meals] child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-remove[schools/enrolments]               child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-remove[schools/enrolments]               child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-remove[attainment/results]               child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-remove[attainment/results]               child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-remove[attainment/post-16-courses]       child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-remove[attainment/post-16-courses]       child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-remove[behaviour/exclusions]             child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-remove[behaviour/exclusions]             child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-remove[behaviour/alternative-provision]  child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-remove[behaviour/alternative-provision]  child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-remove[safeguarding/court-orders]        child  GET   SSS NNN ONN NNN OON NNN  NNN
records:section-remove[safeguarding/court-orders]        child  POST  SSS NNN RNN NNN RRN NNN  NNN
records:section-remove[safeguarding/professionals]       child  GET   SSS NNN ONN NNN OON NNN  NNN
records:section-remove[safeguarding/professionals]       child  POST  SSS NNN RNN NNN RRN NNN  NNN
records:section-remove[health/conditions]                child  GET   SSS NNN ONN NNN OON NNN  NNN
records:section-remove[health/conditions]                child  POST  SSS NNN RNN NNN RRN NNN  NNN
records:section-remove[health/professionals]             child  GET   SSS NNN ONN NNN OON NNN  NNN
records:section-remove[health/professionals]             child  POST  SSS NNN RNN NNN RRN NNN  NNN
records:section-remove[notes/notes]                      child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-remove[notes/notes]                      child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-remove[contacts/contacts]                child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-remove[contacts/contacts]                child  POST  SSS RNN RNN NNN RRN NNN  NNN
records:section-remove[contacts/previous-addresses]      child  GET   SSS ONN ONN NNN OON NNN  NNN
records:section-remove[contacts/previous-addresses]      child  POST  SSS RNN RNN NNN RRN NNN  NNN

# Imports: caseworkers and managers import files about children, managers and admins the
# schools register; a run is seen by whoever started it, and by managers.
records:imports                            -      GET    S    O   O   O   O   O  N
records:import-new                         -      GET    S    O   O   O   O   O  N
records:import-new[schools]                -      POST   S    E   E   R   R   R  N
records:import-new[cin]                    -      POST   S    R   R   E   R   E  N
records:import-detail                      run    GET    SSS  ONN NNN NNN OON NNN  NNN
records:import-progress                    run    GET    SSS  ONN NNN NNN OON NNN  NNN
records:import-rejections-csv              run    GET    SSS  ONN NNN NNN OON NNN  NNN
records:import-again                       run    POST   SSS  RNN NNN NNN RRN NNN  NNN
# A kind's CSV template and format page (issue 16): whoever may import that kind.
records:import-template[attendance]        -      GET    S    O   O   N   O   N  N
records:import-template[schools]           -      GET    S    N   N   O   O   O  N
records:import-format[attendance]          -      GET    S    O   O   N   O   N  N
records:import-format[schools]             -      GET    S    N   N   O   O   O  N

# Dashboards: managers over everyone, caseworkers over their own caseload, admins not.
# Without ?figure= there is no list of children behind a figure to show.
dashboards:attendance                      -      GET    S    O   O   N   O   N  N
dashboards:attendance-children             -      GET    S    O   O   N   O   N  N
dashboards:exclusions                      -      GET    S    O   O   N   O   N  N
dashboards:exclusions-children             -      GET    S    O   O   N   O   N  N
dashboards:attainment                      -      GET    S    O   O   N   O   N  N
dashboards:attainment-children             -      GET    S    N   N   N   N   N  N
dashboards:pep                             -      GET    S    O   O   N   O   N  N
dashboards:pep-children                    -      GET    S    O   O   N   O   N  N

# Pupil Premium Plus (issue 15): Admins and Managers see the position (an Admin by school only,
# so the former caseworker, now an Admin, too); deciding requests and recording spend on the
# page is the Managers', who see the children.
ppplus:position                            -      GET    S    N   N   O   O   O  N
ppplus:position                            -      POST   S    N   N   N   R   N  N
# The queue of requests waiting for a decision: Admins and Managers decide there (an Admin sees
# a request by number and school, not the child, so the former caseworker, now an Admin, too).
ppplus:queue                               -      GET    S    N   N   O   O   O  N
ppplus:queue                               -      POST   S    N   N   R   R   R  N

# The record of processing is information governance's: the Admins'.
datamap:what-we-hold                       -      GET    S    N   N   O   N   O  N

# A subject-access export (issue 14): an Admin or a Manager, for any child (the one door where an
# Admin reaches a child's record), logged either way. A GET of either shows the confirm page;
# the export is its button's POST (it writes an entry in the child's audit history).
subject_access:warning                     child  GET    SSS  NNN NNN OON OON OON NNN
subject_access:download                    child  GET    SSS  NNN NNN OON OON OON NNN
subject_access:download                    child  POST   SSS  NNN NNN OON OON OON NNN

# Retention is information governance's: the Admins' (the former caseworker is now one). A
# write with no body is refused with the error summary and changes nothing (issue 14).
retention:index                            -      GET    S    N   N   R   N   R  N
retention:rules                            -      GET    S    N   N   O   N   O  N
retention:rules                            -      POST   S    N   N   E   N   E  N
retention:queue                            -      GET    S    N   N   O   N   O  N
retention:queue                            -      POST   S    N   N   E   N   E  N
retention:holds                            -      GET    S    N   N   O   N   O  N
retention:holds                            -      POST   S    N   N   E   N   E  N
retention:hold-lift                        -      POST   S    N   N   E   N   E  N
retention:lists                            -      GET    S    N   N   O   N   O  N
retention:lists                            -      POST   S    N   N   E   N   E  N
retention:certificates                     -      GET    S    N   N   O   N   O  N
retention:certificates-csv                 -      GET    S    N   N   O   N   O  N
retention:certificate-pdf                  certificate GET SS NN NN ON NN ON  NN
retention:certificate-csv                  certificate GET SS NN NN ON NN ON  NN

# The API answers 403 to anyone not signed in; its docs are a page for people.
api:schema                                 -      GET    F    O   O   O   O   O  N
api:docs                                   -      GET    S    O   O   O   O   O  N
api:child-list                             -      GET    F    O   O   O   O   O  N
api:school-list                            -      GET    F    O   O   O   O   O  N
api:child-detail                           child  GET    FFF  ONN ONN NNN OON NNN  NNN
# Anything else under a child is a 404, whatever the method.
api:no-such-route                          child  GET    FFF  NNN NNN NNN NNN NNN  NNN
api:no-such-route                          child  POST   FFF  NNN NNN NNN NNN NNN  NNN
api:no-such-route                          child  PUT    FFF  NNN NNN NNN NNN NNN  NNN
api:no-such-route                          child  PATCH  FFF  NNN NNN NNN NNN NNN  NNN
api:no-such-route                          child  DELETE FFF  NNN NNN NNN NNN NNN  NNN
api:characteristics-characteristics-list   child  GET    FFF  ONN ONN NNN OON NNN  NNN
api:characteristics-characteristics-list   child  POST   FFF  CNN CNN NNN CCN NNN  NNN
api:characteristics-characteristics-item   child  GET    FFF  ONN ONN NNN OON NNN  NNN
api:characteristics-characteristics-item   child  PUT    FFF  ONN ONN NNN OON NNN  NNN
api:characteristics-free-school-meals-list child  GET    FFF  ONN ONN NNN OON NNN  NNN
api:characteristics-free-school-meals-list child  POST   FFF  CNN CNN NNN CCN NNN  NNN
api:characteristics-free-school-meals-item child  GET    FFF  ONN ONN NNN OON NNN  NNN
api:characteristics-free-school-meals-item child  PUT    FFF  ONN ONN NNN OON NNN  NNN
api:schools-enrolments-list                child  GET    FFF  ONN ONN NNN OON NNN  NNN
api:schools-enrolments-list                child  POST   FFF  CNN CNN NNN CCN NNN  NNN
api:schools-enrolments-item                child  GET    FFF  ONN ONN NNN OON NNN  NNN
api:schools-enrolments-item                child  PUT    FFF  ONN ONN NNN OON NNN  NNN
api:attainment-results-list                child  GET    FFF  ONN ONN NNN OON NNN  NNN
api:attainment-results-list                child  POST   FFF  CNN CNN NNN CCN NNN  NNN
api:attainment-results-item                child  GET    FFF  ONN ONN NNN OON NNN  NNN
api:attainment-results-item                child  PUT    FFF  ONN ONN NNN OON NNN  NNN
api:attainment-post-16-courses-list        child  GET    FFF  ONN ONN NNN OON NNN  NNN
api:attainment-post-16-courses-list        child  POST   FFF  CNN CNN NNN CCN NNN  NNN
api:attainment-post-16-courses-item        child  GET    FFF  ONN ONN NNN OON NNN  NNN
api:attainment-post-16-courses-item        child  PUT    FFF  ONN ONN NNN OON NNN  NNN
api:behaviour-exclusions-list              child  GET    FFF  ONN ONN NNN OON NNN  NNN
api:behaviour-exclusions-list              child  POST   FFF  CNN CNN NNN CCN NNN  NNN
api:behaviour-exclusions-item              child  GET    FFF  ONN ONN NNN OON NNN  NNN
api:behaviour-exclusions-item              child  PUT    FFF  ONN ONN NNN OON NNN  NNN
api:behaviour-alternative-provision-list   child  GET    FFF  ONN ONN NNN OON NNN  NNN
api:behaviour-alternative-provision-list   child  POST   FFF  CNN CNN NNN CCN NNN  NNN
api:behaviour-alternative-provision-item   child  GET    FFF  ONN ONN NNN OON NNN  NNN
api:behaviour-alternative-provision-item   child  PUT    FFF  ONN ONN NNN OON NNN  NNN
api:safeguarding-court-orders-list         child  GET    FFF  NNN ONN NNN OON NNN  NNN
api:safeguarding-court-orders-list         child  POST   FFF  NNN CNN NNN CCN NNN  NNN
api:safeguarding-court-orders-item         child  GET    FFF  NNN ONN NNN OON NNN  NNN
api:safeguarding-court-orders-item         child  PUT    FFF  NNN ONN NNN OON NNN  NNN
api:safeguarding-professionals-list        child  GET    FFF  NNN ONN NNN OON NNN  NNN
api:safeguarding-professionals-list        child  POST   FFF  NNN CNN NNN CCN NNN  NNN
api:safeguarding-professionals-item        child  GET    FFF  NNN ONN NNN OON NNN  NNN
api:safeguarding-professionals-item        child  PUT    FFF  NNN ONN NNN OON NNN  NNN
api:health-conditions-list                 child  GET    FFF  NNN ONN NNN OON NNN  NNN
api:health-conditions-list                 child  POST   FFF  NNN CNN NNN CCN NNN  NNN
api:health-conditions-item                 child  GET    FFF  NNN ONN NNN OON NNN  NNN
api:health-conditions-item                 child  PUT    FFF  NNN ONN NNN OON NNN  NNN
api:health-professionals-list              child  GET    FFF  NNN ONN NNN OON NNN  NNN
api:health-professionals-list              child  POST   FFF  NNN CNN NNN CCN NNN  NNN
api:health-professionals-item              child  GET    FFF  NNN ONN NNN OON NNN  NNN
api:health-professionals-item              child  PUT    FFF  NNN ONN NNN OON NNN  NNN
api:notes-notes-list                       child  GET    FFF  ONN ONN NNN OON NNN  NNN
api:notes-notes-list                       child  POST   FFF  CNN CNN NNN CCN NNN  NNN
api:notes-notes-item                       child  GET    FFF  ONN ONN NNN OON NNN  NNN
api:notes-notes-item                       child  PUT    FFF  ONN ONN NNN OON NNN  NNN
api:contacts-contacts-list                 child  GET    FFF  ONN ONN NNN OON NNN  NNN
api:contacts-contacts-list                 child  POST   FFF  CNN CNN NNN CCN NNN  NNN
api:contacts-contacts-item                 child  GET    FFF  ONN ONN NNN OON NNN  NNN
api:contacts-contacts-item                 child  PUT    FFF  ONN ONN NNN OON NNN  NNN
api:contacts-previous-addresses-list       child  GET    FFF  ONN ONN NNN OON NNN  NNN
api:contacts-previous-addresses-list       child  POST   FFF  CNN CNN NNN CCN NNN  NNN
api:contacts-previous-addresses-item       child  GET    FFF  ONN ONN NNN OON NNN  NNN
api:contacts-previous-addresses-item       child  PUT    FFF  ONN ONN NNN OON NNN  NNN
# A child's personal education plans, read-only (issue 15): as the PEP tab.
api:pep-plan-list                          child  GET    FFF  ONN ONN NNN OON NNN  NNN
api:pep-plan-item                          child  GET    FFF  ONN ONN NNN OON NNN  NNN

# Staff accounts are the Admins' alone (the former caseworker is now an Admin).
staff:list                                 -      GET    S    N   N   O   N   O  N
staff:add                                  -      GET    S    N   N   O   N   O  N
staff:add                                  -      POST   S    N   N   O   N   O  N
staff:detail                               person GET    SS   NN  NN  ON  NN  ON  NN
staff:role                                 person GET    SS   NN  NN  ON  NN  ON  NN
staff:role                                 person POST   SS   NN  NN  RN  NN  RN  NN
staff:deactivate                           person POST   SS   NN  NN  RN  NN  RN  NN
staff:reactivate                           person POST   SS   NN  NN  RN  NN  RN  NN
staff:reset-password                       person POST   SS   NN  NN  ON  NN  ON  NN
staff:reset-two-factor                     person POST   SS   NN  NN  RN  NN  RN  NN
staff:unlock                               person POST   SS   NN  NN  RN  NN  RN  NN

# Sharing is information governance's: the Admins' (the former caseworker is now one). A
# recipient gets a 404 on all of it. The agreement's author is not among the roles, so any Admin may
# approve it; suspending needs it approved first (its body does that).
sharing:organisations                      -      GET    S    N   N   O   N   O  N
sharing:organisation-add                   -      GET    S    N   N   O   N   O  N
sharing:organisation-add                   -      POST   S    N   N   R   N   R  N
sharing:organisation-detail                organisation GET SS NN NN ON NN ON  NN
sharing:organisation-edit                  organisation GET SS NN NN ON NN ON  NN
sharing:organisation-edit                  organisation POST SS NN NN RN NN RN  NN
sharing:member-add                         organisation GET SS NN NN ON NN ON  NN
sharing:member-add                         organisation POST SS NN NN ON NN ON  NN
sharing:agreements                         -      GET    S    N   N   O   N   O  N
sharing:agreement-add                      -      GET    S    N   N   O   N   O  N
sharing:agreement-add                      -      POST   S    N   N   R   N   R  N
sharing:agreement-detail                   agreement GET SS  NN  NN  ON  NN  ON  NN
sharing:agreement-edit                     agreement GET SS  NN  NN  ON  NN  ON  NN
sharing:agreement-edit                     agreement POST SS NN  NN  RN  NN  RN  NN
sharing:agreement-approve                  agreement POST SS NN  NN  RN  NN  RN  NN
sharing:agreement-suspend                  agreement GET SS  NN  NN  ON  NN  ON  NN
sharing:agreement-suspend                  agreement POST SS NN  NN  RN  NN  RN  NN
sharing:disclosures                        -      GET    S    N   N   O   N   O  N
# An agreement's API tokens are the Admins': issuing answers with the page showing the secret
# once (200); revoking asks to confirm (GET) and then revokes (POST).
sharing:token-add                          agreement GET SS  NN  NN  ON  NN  ON  NN
sharing:token-add                          agreement POST SS NN  NN  ON  NN  ON  NN
sharing:token-revoke                       token  GET    SS   NN  NN  ON  NN  ON  NN
sharing:token-revoke                       token  POST   SS   NN  NN  RN  NN  RN  NN
# Extract files of an agreement: Admins and Managers generate them (the body approves the
# agreement first: a draft releases nothing). The recipient's own page lists their
# organisation's; a file is downloaded only by its organisation's users.
sharing:extract-agreements                 -      GET    S    N   N   O   O   O  N
sharing:agreement-extracts                 agreement GET SS  NN  NN  ON  ON  ON  NN
sharing:agreement-extracts                 agreement POST SS NN  NN  RN  RN  RN  NN
sharing-extracts:list                      -      GET    S    N   N   N   N   N  O
sharing-extracts:download                  extract GET   SS   NN  NN  NN  NN  NN  NN
# The recipients' API: a recipient user or an agreement's token, none of the staff roles.
sharing-api:agreements                     -      GET    F    F   F   F   F   F  O
sharing-api:dataset-csv                    agreement GET FF FF  FF  FF  FF  FF  NN
sharing-api:dataset-jsonl                  agreement GET FF FF  FF  FF  FF  FF  NN
# The designated teachers' portal (issue 13): a school's recipient users only, read-only; a
# child only while on the school's roll under its active agreement. Staff get 404.
portal:children[teacher]                   -      GET    S    N   N   N   N   N  O
portal:children[other-school]              -      GET    S    N   N   N   N   N  O
portal:children[not-a-school]              -      GET    S    N   N   N   N   N  N
portal:child[teacher]                      pupil  GET    SSS  NNN NNN NNN NNN NNN  ONN
portal:child[other-school]                 pupil  GET    SSS  NNN NNN NNN NNN NNN  NON
portal:child[not-a-school]                 pupil  GET    SSS  NNN NNN NNN NNN NNN  NNN
# The child's current PEP (issue 15): the designated teacher reads it and writes their
# sections (the POST writes the education section); staff write it on the record's pages.
portal:pep[teacher]                        pupil  GET    SSS  NNN NNN NNN NNN NNN  ONN
portal:pep[other-school]                   pupil  GET    SSS  NNN NNN NNN NNN NNN  NON
portal:pep[not-a-school]                   pupil  GET    SSS  NNN NNN NNN NNN NNN  NNN
portal:pep[teacher]                        pupil  POST   SSS  NNN NNN NNN NNN NNN  RNN
portal:pep[other-school]                   pupil  POST   SSS  NNN NNN NNN NNN NNN  NRN
portal:pep[not-a-school]                   pupil  POST   SSS  NNN NNN NNN NNN NNN  NNN
# Sharing restrictions on the child's record: whoever may change the child.
restrictions:list                          child  GET    SSS  ONN ONN NNN OON NNN  NNN
restrictions:list                          child  POST   SSS  RNN RNN NNN RRN NNN  NNN
restrictions:remove                        child  GET    SSS  ONN ONN NNN OON NNN  NNN
restrictions:remove                        child  POST   SSS  RNN RNN NNN RRN NNN  NNN
# The set-password link needs a token made for one person: here with a token that is not
# one (the page says the link does not work); test_set_password_with_a_real_token follows
# a real one.
set-password[bad-token]                    -      GET    O    O   O   O   O   O  O
set-password[bad-token]                    -      POST   O    O   O   O   O   O  O
set-password-done                          -      GET    O    O   O   O   O   O  O
"""
# fmt: on
