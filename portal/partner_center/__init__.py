"""The portal's side of Partner Center: building a client from settings (``client``), the
App+User connection (``connection``) and its encrypted MSAL token cache (``token_cache``)."""
