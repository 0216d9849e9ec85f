"""Google push notifications: channels (create, renew, stop), incoming notifications
(validation, de-duplication) and the coalescing of the syncs they ask for."""

from .backoff import Backoff, account_wide
from .channels import ChannelManager
from .coalesce import SyncQueue
from .notifications import Notifications

__all__ = ["Backoff", "ChannelManager", "Notifications", "SyncQueue", "account_wide"]
