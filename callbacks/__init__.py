"""WeCom callbacks: the HTTP receiver, the durable inbox, and the event handlers."""
