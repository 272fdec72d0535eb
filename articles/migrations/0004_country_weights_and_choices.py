"""Countries get weights, and editors' choices become per country.

Every existing tag is kept, with the weight its article's text gives it now. An article
whose countries were set by hand keeps exactly those: each becomes a choice to keep it,
and each other country the text is about a choice to leave it out.
"""

import django.db.models.deletion
from django.db import migrations, models

from articles.ingest.countries import find_countries

BATCH = 500


def tags_with_weights(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    ArticleCountry = apps.get_model("articles", "ArticleCountry")
    CountryChoice = apps.get_model("articles", "CountryChoice")
    tags, choices = [], []
    for article in Article.objects.prefetch_related("countries").iterator(chunk_size=BATCH):
        mentions = {mention.code: mention for mention in find_countries(article.title, article.body)}
        current = [country.code for country in article.countries.all()]
        for code in current:
            weight = mentions[code].weight if code in mentions else 0.0
            tags.append(ArticleCountry(article_id=article.pk, country_id=code, weight=weight))
        if article.countries_set_by_hand:
            choices += [
                CountryChoice(article_id=article.pk, country_id=code, included=True) for code in current
            ]
            choices += [
                CountryChoice(article_id=article.pk, country_id=code, included=False)
                for code, mention in mentions.items()
                if mention.about and code not in current
            ]
        if len(tags) >= BATCH:
            ArticleCountry.objects.bulk_create(tags)
            tags = []
    ArticleCountry.objects.bulk_create(tags)
    CountryChoice.objects.bulk_create(choices, batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [("articles", "0003_import_batches")]

    operations = [
        migrations.CreateModel(
            name="ArticleCountry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "weight",
                    models.FloatField(
                        default=0.0,
                        help_text="Title or dateline 3, opening sentence 2, rest of the opening 1.5, later 1, per "
                        "mention; 0 when the text does not name it and an editor chose it.",
                    ),
                ),
                (
                    "article",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="country_tags",
                        to="articles.article",
                    ),
                ),
                (
                    "country",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="articles.country"
                    ),
                ),
            ],
            options={"ordering": ["-weight", "country"], "verbose_name": "country"},
        ),
        migrations.AddConstraint(
            model_name="articlecountry",
            constraint=models.UniqueConstraint(fields=("article", "country"), name="one_tag_per_country"),
        ),
        migrations.CreateModel(
            name="CountryChoice",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "included",
                    models.BooleanField(
                        "about it",
                        help_text="Ticked: the article is about this country; not ticked: it is not.",
                    ),
                ),
                ("made", models.DateTimeField(auto_now=True)),
                (
                    "article",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="country_choices",
                        to="articles.article",
                    ),
                ),
                (
                    "country",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="articles.country"
                    ),
                ),
            ],
            options={"ordering": ["country"]},
        ),
        migrations.AddConstraint(
            model_name="countrychoice",
            constraint=models.UniqueConstraint(fields=("article", "country"), name="one_choice_per_country"),
        ),
        migrations.RunPython(tags_with_weights, migrations.RunPython.noop, elidable=False),
        migrations.RemoveField(model_name="article", name="countries"),
        migrations.RemoveField(model_name="article", name="countries_set_by_hand"),
        migrations.AddField(
            model_name="article",
            name="countries",
            field=models.ManyToManyField(
                blank=True, related_name="articles", through="articles.ArticleCountry", to="articles.country"
            ),
        ),
    ]
