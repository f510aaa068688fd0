"""`make load`: locust against the real server under gunicorn, over seeded data (dev-only, like
bench/: not installed, not in the image). `python -m loadtest --help` for the options;
docs/performance.md records what it measured.

- __main__.py: the run (a fresh database, the seeding, gunicorn, locust headless, the figures);
- seed.py: the data (bench.dashboard's cohort seeder) and the accounts the simulated users
  sign in as, run inside the fresh database;
- locustfile.py: the simulated users (caseworkers, managers, designated teachers, API tokens);
- plan.py: what they request and the figures printed at the end, without locust, so the suite
  checks them (tests/test_loadtest.py).
"""
