"""The Telegram side: application wiring, handlers, durable polling and delivery."""
