"""Every change to a case, one module per subject: cases, sightings, takedowns, followups.

Nothing is re-exported here: callers import from the subject module, so that an import line says
which subject it touches. Each action is atomic, checked against the version the writer read, and
audited; nobody calls `.save()` or `.update()` on a case outside this package. Callers fetch the case
through cases/access.py first; each action locks the row again and re-checks what it needs.
"""
