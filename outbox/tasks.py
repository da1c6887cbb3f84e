"""The delivery task's former address, `outbox.tasks.deliver_message`, kept for
one release: while old and new servers overlap during a deploy, an old server
still queues deliveries under it (the task itself is in `outbox.sending`)."""

from outbox.sending import deliver_message  # noqa: F401
