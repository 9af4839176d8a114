# The models Clue and CountryEstimate are renamed ClueRecord and EstimateRecord (geo.Clue and
# geo.CountryEstimate are the domain's); their tables keep their names, so nothing is copied.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("clues", "0002_brand_links"),
    ]

    operations = [
        # First pin the tables to their current names (no change in the database), so the
        # renames below change the models' names only.
        migrations.AlterModelTable(name="clue", table="clues_clue"),
        migrations.AlterModelTable(name="countryestimate", table="clues_countryestimate"),
        migrations.RenameModel(old_name="Clue", new_name="ClueRecord"),
        migrations.RenameModel(old_name="CountryEstimate", new_name="EstimateRecord"),
    ]
