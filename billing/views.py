"""Top-up endpoints for the browser (es) and webhook-endpoint management for developers (sk)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from billing.models import DeveloperWebhookEndpoint, TopUp
from billing.payment_events.simulated import topup_simulate
from billing.serializers import (
    TopUpCreateSerializer,
    TopUpSerializer,
    TopUpSimulateSerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointCreateSerializer,
    WebhookEndpointDeletedSerializer,
    WebhookEndpointSerializer,
)
from billing.services.topups import topup_create
from billing.webhooks.endpoints import (
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_for_project,
)
from llmgateway.api import ApiView, keyset_page, list_response, page_limit
from llmgateway.api_schema import PAGE_PARAMETERS, error_responses, list_of
from llmgateway.errors import NotFound

TAG_TOPUPS = "wallet (browser)"
TAG_WEBHOOKS = "webhook endpoints"


def _own_topup(request, topup_id: str) -> TopUp:
    session = request.auth.session
    topup = TopUp.objects.filter(pk=topup_id, wallet_id=session.wallet_id).first()
    if topup is None:
        raise NotFound("No such top-up.", param="id")
    return topup


class TopUpCollectionView(ApiView):
    allowed_auth = ("session",)

    @extend_schema(
        operation_id="wallet_topups_create",
        summary="Buy credits: a top-up and its card payment",
        description="The split follows the project's markup: `netCredit` is what the wallet "
        "gets, `margin` the developer's markup, `fee` the platform fee added to the charge. "
        "Confirm the payment with Stripe Elements using `clientSecret` and `publishableKey`; "
        "with the simulated provider (test mode without Stripe keys) call `…/simulate`.",
        request=TopUpCreateSerializer,
        responses={201: TopUpSerializer, **error_responses(402, 403, 502)},
        tags=[TAG_TOPUPS],
    )
    def post(self, request):
        body = TopUpCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        principal = request.auth
        topup = topup_create(
            project=principal.project,
            wallet_id=principal.session.wallet_id,
            livemode=principal.livemode,
            amount_nanos=body.validated_data["amount"],
        )
        return Response(TopUpSerializer(topup).data, status=status.HTTP_201_CREATED)


class TopUpDetailView(ApiView):
    allowed_auth = ("session",)

    @extend_schema(
        operation_id="wallet_topups_retrieve",
        summary="One of the wallet's top-ups",
        responses={200: TopUpSerializer, **error_responses(402, 403, 404)},
        tags=[TAG_TOPUPS],
    )
    def get(self, request, topup_id: str):
        return Response(TopUpSerializer(_own_topup(request, topup_id)).data)


class TopUpSimulateView(ApiView):
    allowed_auth = ("session",)

    @extend_schema(
        operation_id="wallet_topups_simulate",
        summary="Confirm a simulated top-up (test mode, no Stripe keys)",
        description="The simulated provider's confirmation; crediting runs the same task as a "
        "Stripe `payment_intent.succeeded` webhook.",
        request=TopUpSimulateSerializer,
        responses={200: TopUpSerializer, **error_responses(402, 403, 404, 409)},
        tags=[TAG_TOPUPS],
    )
    def post(self, request, topup_id: str):
        topup = _own_topup(request, topup_id)
        body = TopUpSimulateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        topup = topup_simulate(topup=topup, outcome=body.validated_data["outcome"])
        return Response(TopUpSerializer(topup).data)


class WebhookEndpointCollectionView(ApiView):
    allowed_auth = ("secret",)

    @extend_schema(
        operation_id="webhook_endpoints_list",
        parameters=PAGE_PARAMETERS,
        responses={
            200: list_of(WebhookEndpointSerializer, "WebhookEndpointList"),
            **error_responses(403),
        },
        tags=[TAG_WEBHOOKS],
    )
    def get(self, request):
        endpoints = DeveloperWebhookEndpoint.objects.filter(
            project=request.auth.project, livemode=request.auth.livemode, deleted_at__isnull=True
        )
        rows, next_cursor = keyset_page(
            endpoints,
            fields=("created_at", "id"),
            cursor=request.query_params.get("cursor"),
            limit=page_limit(request.query_params.get("limit")),
        )
        return Response(list_response(WebhookEndpointSerializer(rows, many=True).data, next_cursor))

    @extend_schema(
        operation_id="webhook_endpoints_create",
        summary="Register a URL for signed events",
        description="The URL must be https and must not resolve to a private, loopback, "
        "link-local or reserved address. `events` empty or absent: every event type. The "
        "`secret` that signs deliveries is shown only in this answer.",
        request=WebhookEndpointCreateSerializer,
        responses={201: WebhookEndpointCreatedSerializer, **error_responses(403)},
        tags=[TAG_WEBHOOKS],
    )
    def post(self, request):
        body = WebhookEndpointCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        endpoint = webhook_endpoint_create(
            project_id=request.auth.project.pk,
            livemode=request.auth.livemode,
            url=body.validated_data["url"],
            events=body.validated_data.get("events"),
        )
        return Response(
            WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED
        )


class WebhookEndpointDetailView(ApiView):
    allowed_auth = ("secret",)

    def _endpoint(self, request, endpoint_id: str) -> DeveloperWebhookEndpoint:
        return webhook_endpoint_for_project(
            project_id=request.auth.project.pk,
            livemode=request.auth.livemode,
            endpoint_id=endpoint_id,
        )

    @extend_schema(
        operation_id="webhook_endpoints_retrieve",
        responses={200: WebhookEndpointSerializer, **error_responses(403, 404)},
        tags=[TAG_WEBHOOKS],
    )
    def get(self, request, endpoint_id: str):
        return Response(WebhookEndpointSerializer(self._endpoint(request, endpoint_id)).data)

    @extend_schema(
        operation_id="webhook_endpoints_delete",
        responses={200: WebhookEndpointDeletedSerializer, **error_responses(403, 404)},
        tags=[TAG_WEBHOOKS],
    )
    def delete(self, request, endpoint_id: str):
        endpoint = webhook_endpoint_delete(endpoint=self._endpoint(request, endpoint_id))
        return Response({"id": endpoint.pk, "object": "webhook_endpoint", "deleted": True})
