"""The webhooks' background task; the heartbeat queues it for each due delivery (alerts/work.py)."""

from django_tasks import task

from .sending import send_webhook_delivery


@task()
def send_webhook_task(delivery_id: int) -> str:
    return send_webhook_delivery(delivery_id)
