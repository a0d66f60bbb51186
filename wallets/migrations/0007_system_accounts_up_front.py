"""Every system account of both modes exists before any money moves (see
wallets.services.accounts.system_accounts_ensure: made on first use inside a money transaction,
two first uses could deadlock)."""

from django.db import migrations

SYSTEM_KINDS = (
    "platform_fees",
    "platform_usage_revenue",
    "payment_clearing",
    "payouts_in_transit",
    "platform_grants",
    "platform_adjustments",
    "platform_losses",
    "uncollected",
)


def create_system_accounts(apps, schema_editor):
    LedgerAccount = apps.get_model("wallets", "LedgerAccount")
    for livemode in (False, True):
        for kind in SYSTEM_KINDS:
            LedgerAccount.objects.get_or_create(
                kind=kind, livemode=livemode, organization=None, wallet=None
            )


class Migration(migrations.Migration):
    dependencies = [("wallets", "0006_hold_uncollected")]

    operations = [migrations.RunPython(create_system_accounts, migrations.RunPython.noop)]
