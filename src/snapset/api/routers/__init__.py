"""One router module per concept; `snapset.api.app.ROUTERS` lists them."""
