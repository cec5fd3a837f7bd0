from django.apps import AppConfig


class StrictMigrationsConfig(AppConfig):
    name = "strictmigrations"
