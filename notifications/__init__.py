"""Delivery of messages: the outbox, its channels and the Celery tasks that send. Knows no case."""
