import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('catalog', '0001_initial'),
        ('evidence', '0002_crop'),
        ('tips', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Clue',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('source', models.CharField(choices=[('image', 'image'), ('tip', 'tip'), ('tag', 'tag'), ('note', 'note')], max_length=8)),
                ('kind', models.CharField(max_length=32)),
                ('payload', models.JSONField(default=dict)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('case', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='clues', to='evidence.case')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('crop', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='clues', to='evidence.crop')),
                ('image', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='clues', to='evidence.evidenceimage')),
                ('object', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='clues', to='catalog.tracedobject')),
                ('tip', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='clues', to='tips.tip')),
            ],
            options={
                'ordering': ['created_at', 'id'],
                'constraints': [models.CheckConstraint(condition=models.Q(('object__isnull', False), ('case__isnull', False), ('crop__isnull', False), ('image__isnull', False), ('tip__isnull', False), _connector='OR'), name='clue_has_an_anchor')],
            },
        ),
        migrations.CreateModel(
            name='ClueScan',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('text', models.TextField(blank=True)),
                ('error', models.CharField(blank=True, max_length=200)),
                ('clue_count', models.PositiveIntegerField(default=0)),
                ('scanned_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('crop', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='clue_scan', to='evidence.crop')),
                ('image', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='clue_scan', to='evidence.evidenceimage')),
                ('tip', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='clue_scan', to='tips.tip')),
            ],
            options={
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('crop__isnull', False), ('image__isnull', True), ('tip__isnull', True)), models.Q(('crop__isnull', True), ('image__isnull', False), ('tip__isnull', True)), models.Q(('crop__isnull', True), ('image__isnull', True), ('tip__isnull', False)), _connector='OR'), name='scan_has_one_subject')],
            },
        ),
        migrations.CreateModel(
            name='CountryEstimate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('probabilities', models.JSONField(default=list)),
                ('reasons', models.JSONField(default=list)),
                ('best', models.CharField(blank=True, max_length=2)),
                ('clue_count', models.PositiveIntegerField(default=0)),
                ('evidence_count', models.PositiveIntegerField(default=0)),
                ('ignored_count', models.PositiveIntegerField(default=0)),
                ('computed_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('case', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='country_estimate', to='evidence.case')),
                ('object', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='country_estimate', to='catalog.tracedobject')),
            ],
            options={
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('case__isnull', True), ('object__isnull', False)), models.Q(('case__isnull', False), ('object__isnull', True)), _connector='OR'), name='estimate_of_object_or_case')],
            },
        ),
    ]
