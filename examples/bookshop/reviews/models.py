from django.db import models


class Review(models.Model):
    book = models.ForeignKey("catalog.Book", on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField()
    body = models.TextField(blank=True, default="")

    def __str__(self) -> str:
        return f"{self.rating}/5 for {self.book}"
