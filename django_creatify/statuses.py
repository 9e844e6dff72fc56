"""The job statuses every family documents, as plain strings.

Standard library only, so that the sandbox speaks the same vocabulary as the mirror
(:mod:`django_creatify.choices` makes Django choices of them).
"""

PENDING, IN_QUEUE, RUNNING = "pending", "in_queue", "running"
DONE, FAILED, REJECTED = "done", "failed", "rejected"

ACTIVE = (PENDING, IN_QUEUE, RUNNING)
FINISHED = (DONE, FAILED, REJECTED)
KNOWN = ACTIVE + FINISHED
