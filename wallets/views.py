"""Wallet endpoints: developer (sk) views and the end user's own wallet (es).

The customer endpoints are sessions_app's (sessions_app/views.py): blocking one revokes its
sessions, which this app may not import.
"""

from __future__ import annotations

from dataclasses import dataclass

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from llmgateway.api import ApiView, keyset_page, list_response, page_limit
from llmgateway.api_schema import PAGE_PARAMETERS, error_responses, list_of
from wallets import selectors, services
from wallets.models import LedgerTransaction, Wallet
from wallets.serializers import (
    LedgerEntrySerializer,
    OrganizationBalanceSerializer,
    OwnWalletSerializer,
    WalletCreditResultSerializer,
    WalletCreditSerializer,
    WalletSerializer,
)

RECENT_LEDGER_SIZE = 10


def _wallet(request, wallet_id: str) -> Wallet:
    return selectors.wallet_for_project(
        project_id=request.auth.project.pk, livemode=request.auth.livemode, wallet_id=wallet_id
    )


class WalletDetailView(ApiView):
    allowed_auth = ("secret",)

    @extend_schema(
        operation_id="wallets_retrieve",
        responses={200: WalletSerializer, **error_responses(403, 404)},
        tags=["wallets"],
    )
    def get(self, request, wallet_id: str):
        return Response(WalletSerializer(_wallet(request, wallet_id)).data)


@dataclass
class _CreditResult:
    wallet: Wallet
    transaction: LedgerTransaction
    amount_nanos: int


class WalletCreditView(ApiView):
    allowed_auth = ("secret",)

    @extend_schema(
        operation_id="wallets_credit",
        summary="Grant credits from the organization's credits to a wallet",
        description="Idempotent with `idempotencyKey` (or the Idempotency-Key header): a replay "
        "returns 200 with the first grant.",
        request=WalletCreditSerializer,
        responses={
            201: WalletCreditResultSerializer,
            200: WalletCreditResultSerializer,
            **error_responses(402, 403, 404, 409),
        },
        tags=["wallets"],
    )
    def post(self, request, wallet_id: str):
        wallet = _wallet(request, wallet_id)
        body = WalletCreditSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        key = data.get("idempotencyKey") or request.headers.get("Idempotency-Key")
        txn, created = services.wallet_grant_from_organization(
            wallet_id=wallet.pk,
            amount_nanos=data["amount"],
            reason=data["reason"],
            # Keys are scoped to the project so two projects can't collide on "grant-1".
            idempotency_key=f"credit:{request.auth.project.pk}:{key}" if key else None,
            actor=f"api:{request.auth.api_key.display_prefix}",
        )
        wallet.refresh_from_db()
        result = _CreditResult(wallet=wallet, transaction=txn, amount_nanos=data["amount"])
        return Response(
            WalletCreditResultSerializer(result).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class WalletLedgerView(ApiView):
    allowed_auth = ("secret",)

    @extend_schema(
        operation_id="wallets_ledger",
        parameters=PAGE_PARAMETERS,
        responses={200: list_of(LedgerEntrySerializer, "LedgerEntryList"), **error_responses(404)},
        tags=["wallets"],
    )
    def get(self, request, wallet_id: str):
        wallet = _wallet(request, wallet_id)
        rows, next_cursor = keyset_page(
            selectors.wallet_ledger_entries(wallet_id=wallet.pk),
            fields=("id",),
            cursor=request.query_params.get("cursor"),
            limit=page_limit(request.query_params.get("limit")),
        )
        return Response(list_response(LedgerEntrySerializer(rows, many=True).data, next_cursor))


class OwnWalletView(ApiView):
    allowed_auth = ("session",)

    @extend_schema(
        operation_id="wallet_own",
        summary="The session's own wallet, with its recent ledger",
        responses={200: OwnWalletSerializer, **error_responses(402, 403)},
        tags=["wallet (browser)"],
    )
    def get(self, request):
        wallet = Wallet.objects.get(pk=request.auth.session.wallet_id)
        wallet.recent_ledger = list(
            selectors.wallet_ledger_entries(wallet_id=wallet.pk).order_by("-id")[
                :RECENT_LEDGER_SIZE
            ]
        )
        return Response(OwnWalletSerializer(wallet).data)


class OrganizationBalanceView(ApiView):
    allowed_auth = ("secret",)

    @extend_schema(
        operation_id="balance_retrieve",
        summary="The organization's credits and margin in the key's mode",
        responses={200: OrganizationBalanceSerializer, **error_responses(403)},
        tags=["balance"],
    )
    def get(self, request):
        balance = selectors.organization_balance(
            organization_id=request.auth.project.organization_id, livemode=request.auth.livemode
        )
        return Response(
            OrganizationBalanceSerializer(balance, context={"livemode": request.auth.livemode}).data
        )
