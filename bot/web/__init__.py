"""The web app, the top layer: the factory, webhooks, officers' inbox, simulator, verification
page, signed file links and the command line. Nothing below it imports it."""
