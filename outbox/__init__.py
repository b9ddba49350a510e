"""Effects that must follow a committed change (Outlook writes, mails), carried out at least once.

An effect is a row written in the same transaction as the change it follows; Celery carries it
out after the commit, and a periodic repair pass queues whatever is due but not done (the
broker was down, a worker died, a send failed). Handlers are idempotent, so "at least once"
never means twice in a mailbox.
"""
