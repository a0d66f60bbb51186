"""Connect onboarding and margin payout endpoints for developers (sk)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from llmgateway.api import ApiView, keyset_page, list_response, page_limit
from llmgateway.api_schema import PAGE_PARAMETERS, ErrorSerializer, error_responses, list_of
from payouts import selectors, services
from payouts.serializers import (
    ConnectOnboardingCreateSerializer,
    ConnectOnboardingSerializer,
    ConnectStatusSerializer,
    PayoutCreateSerializer,
    PayoutSerializer,
)

TAG_CONNECT = "connect"
TAG_PAYOUTS = "payouts"


def _errors(codes: dict[int, str], *statuses: int) -> dict:
    """The shared error responses, with this endpoint's own codes named by status."""
    responses = error_responses(*codes, *statuses)
    for status_code, description in codes.items():
        responses[status_code] = OpenApiResponse(ErrorSerializer, description=description)
    return responses


class ConnectOnboardingView(ApiView):
    allowed_auth = ("secret",)

    @extend_schema(
        operation_id="connect_onboarding_create",
        summary="Start (or resume) Stripe Connect onboarding: an Express account link",
        description="In the key's mode. Creates the organization's Express connected account on "
        "first use and returns a single-use onboarding URL on Stripe. In test mode without a "
        "Stripe test key the simulated provider makes an account that is onboarded at once "
        "(`url` is then the return URL). `returnUrl` and "
        "`refreshUrl` default to the operator's CONNECT_RETURN_URL and CONNECT_REFRESH_URL; "
        "given, they must be on one of the project's allowed origins or those URLs' origins.",
        request=ConnectOnboardingCreateSerializer,
        responses={
            200: ConnectOnboardingSerializer,
            **_errors({502: "upstream_error"}, 403),
        },
        tags=[TAG_CONNECT],
    )
    def post(self, request):
        body = ConnectOnboardingCreateSerializer(
            data=request.data, context={"project": request.auth.project}
        )
        body.is_valid(raise_exception=True)
        link = services.connect_onboarding_start(
            organization_id=request.auth.project.organization_id,
            livemode=request.auth.livemode,
            return_url=body.validated_data.get("returnUrl", ""),
            refresh_url=body.validated_data.get("refreshUrl", ""),
        )
        return Response(ConnectOnboardingSerializer(link).data)


class ConnectStatusView(ApiView):
    allowed_auth = ("secret",)

    @extend_schema(
        operation_id="connect_status_retrieve",
        summary="The organization's connected account in the key's mode",
        description="`onboarded`: the developer finished Stripe's onboarding form; "
        "`payoutsEnabled`: Stripe lets the account receive payouts. Kept current by Stripe's "
        "`account.updated` webhooks.",
        responses={200: ConnectStatusSerializer, **error_responses(403)},
        tags=[TAG_CONNECT],
    )
    def get(self, request):
        connect_status = selectors.connect_status(
            organization_id=request.auth.project.organization_id, livemode=request.auth.livemode
        )
        return Response(ConnectStatusSerializer(connect_status).data)


class PayoutCollectionView(ApiView):
    allowed_auth = ("secret",)

    @extend_schema(
        operation_id="payouts_list",
        summary="The organization's payouts, newest first",
        parameters=PAGE_PARAMETERS,
        responses={200: list_of(PayoutSerializer, "PayoutList"), **error_responses(403)},
        tags=[TAG_PAYOUTS],
    )
    def get(self, request):
        rows, next_cursor = keyset_page(
            selectors.payouts_for_organization(
                organization_id=request.auth.project.organization_id,
                livemode=request.auth.livemode,
            ),
            fields=("created_at", "id"),
            cursor=request.query_params.get("cursor"),
            limit=page_limit(request.query_params.get("limit")),
        )
        return Response(list_response(PayoutSerializer(rows, many=True).data, next_cursor))

    @extend_schema(
        operation_id="payouts_create",
        summary="Pay out the organization's margin to its connected account",
        description="In the key's mode (test payouts move test margin). Reserves `amount` "
        "(default: everything available) in "
        "whole cents, at least 1.00 USD, and answers with the pending payout; the Stripe "
        "transfer follows (`payout.paid` or `payout.failed` webhook). Idempotent with "
        "`idempotencyKey` (or the Idempotency-Key header): a replay returns 200 with the "
        "first payout.",
        request=PayoutCreateSerializer,
        responses={
            201: PayoutSerializer,
            200: PayoutSerializer,
            **_errors(
                {
                    402: "insufficient_balance (more than the available margin)",
                    409: "payouts_not_enabled, idempotency_conflict",
                }
            ),
        },
        tags=[TAG_PAYOUTS],
    )
    def post(self, request):
        body = PayoutCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        key = data.get("idempotencyKey") or request.headers.get("Idempotency-Key")
        payout, created = services.payout_request(
            organization_id=request.auth.project.organization_id,
            livemode=request.auth.livemode,
            amount_nanos=data.get("amount"),
            project_id=request.auth.project.pk,
            idempotency_key=key or None,
        )
        return Response(
            PayoutSerializer(payout).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class PayoutDetailView(ApiView):
    allowed_auth = ("secret",)

    @extend_schema(
        operation_id="payouts_retrieve",
        responses={200: PayoutSerializer, **error_responses(403, 404)},
        tags=[TAG_PAYOUTS],
    )
    def get(self, request, payout_id: str):
        payout = selectors.payout_for_organization(
            organization_id=request.auth.project.organization_id,
            livemode=request.auth.livemode,
            payout_id=payout_id,
        )
        return Response(PayoutSerializer(payout).data)
