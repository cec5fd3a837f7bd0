from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    # The app's label is not its folder's name: migrations refer to it as "book_reviews".
    label = "book_reviews"
