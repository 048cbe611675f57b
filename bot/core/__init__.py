"""The base every other part stands on: configuration, database, models, migrations, files,
privacy helpers and upload checks. It imports nothing of the dialogue, delivery or the web app."""
