"""The portal's side of Partner Center: building a client from settings (``client``) and the
App+User connection with its encrypted token cache (``connection``)."""
