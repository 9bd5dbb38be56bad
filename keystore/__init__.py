"""The key store: each case's data key, wrapped by the master keys, in a database of its own (KEYSTORE_URL).

Kept apart from the case data so that it is backed up on its own, shorter schedule: once a case's key
is destroyed here and the key store's older backups have expired, every copy of the case's rows is
unreadable, whatever backup of the case database survives. Imports only the caseflow floor.
"""
