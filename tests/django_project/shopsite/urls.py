"""The shopsite project serves no pages: it exists for its migrations."""

urlpatterns: list[object] = []
