"""The bookshop example has no views: it exists for its models and migrations."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
