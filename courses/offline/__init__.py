"""Learning without a network (docs/offline.md): the installable app (manifest, service
worker), what a saved lesson holds (bundles), and the sync of work done offline."""
