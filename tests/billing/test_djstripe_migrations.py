"""Our one-step dj-stripe migration builds exactly the schema of dj-stripe's shipped migrations.

`billing/djstripe_migrations/` replaces dj-stripe's migrations (settings.MIGRATION_MODULES) to
spare every fresh database ~100 s of migration-state rendering. These tests hold it to three
promises: it replaces every migration dj-stripe ships (an upgrade that adds one fails here), its
end state is the shipped end state (Django's autodetector, which writes migrations from such
differences, finds none), and a database that applied the shipped migrations sees it as applied.
"""

from __future__ import annotations

from pathlib import Path

import djstripe
import pytest
from django.db import connection
from django.db.migrations.autodetector import MigrationAutodetector
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.questioner import NonInteractiveMigrationQuestioner
from django.test import override_settings

SQUASHED = ("djstripe", "0001_squashed_2_11")


def _shipped_migration_names() -> list[str]:
    folder = Path(djstripe.__file__).parent / "migrations"
    return sorted(path.stem for path in folder.glob("[0-9]*.py"))


def _end_state(loader: MigrationLoader):
    leaves = [node for node in loader.graph.leaf_nodes() if node[0] == "djstripe"]
    assert len(leaves) == 1, leaves
    return loader.graph.make_state(nodes=leaves, at_end=True)


def _squashed_migration():
    return MigrationLoader(None, ignore_no_migrations=True).get_migration(*SQUASHED)


def test_replaces_every_migration_dj_stripe_ships():
    replaced = sorted(name for app, name in _squashed_migration().replaces if app == "djstripe")
    assert replaced == _shipped_migration_names()


def test_end_state_equals_the_shipped_migrations():
    ours = _end_state(MigrationLoader(None, ignore_no_migrations=True))
    with override_settings(MIGRATION_MODULES={}):
        shipped = _end_state(MigrationLoader(None, ignore_no_migrations=True))
    djstripe_models = {key for key in shipped.models if key[0] == "djstripe"}
    assert djstripe_models == {key for key in ours.models if key[0] == "djstripe"}
    assert len(djstripe_models) > 40

    changes = MigrationAutodetector(
        shipped, ours, NonInteractiveMigrationQuestioner(specified_apps={"djstripe"})
    ).changes(graph=MigrationLoader(None, ignore_no_migrations=True).graph)
    assert changes.get("djstripe", []) == []


@pytest.mark.django_db
def test_a_database_migrated_the_shipped_way_sees_it_applied():
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = %s AND name = %s", list(SQUASHED))
        cursor.execute("SELECT name FROM django_migrations WHERE app = 'djstripe'")
        recorded = sorted(row[0] for row in cursor.fetchall())
    assert recorded == _shipped_migration_names()

    executor = MigrationExecutor(connection)
    assert SQUASHED in executor.loader.applied_migrations
    targets = executor.loader.graph.leaf_nodes()
    assert [m for m, _ in executor.migration_plan(targets) if m.app_label == "djstripe"] == []
