"""Load the ISO 3166-1 countries from pycountry."""

import pycountry
from django.db import migrations
from django.utils.text import slugify


def display_name(country):
    # pycountry's common names ("Iran", "South Korea") read better than ISO's ("Iran, Islamic Republic of").
    return getattr(country, "common_name", None) or country.name


def load_countries(apps, schema_editor):
    Country = apps.get_model("articles", "Country")
    Country.objects.bulk_create(
        [
            Country(code=country.alpha_2, name=display_name(country), slug=slugify(display_name(country)))
            for country in pycountry.countries
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]

    operations = [migrations.RunPython(load_countries, migrations.RunPython.noop)]
