"""End users' endpoints: customers (list, create, read, edit and block: sk) and their browser
sessions (mint: sk, refresh: es, revoke: sk).

The customer endpoints live here, not in wallets, because blocking a customer revokes its
sessions (`services.customer_change`); customers and their wallets are still wallets' models.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from llmgateway.api import ApiView, keyset_page, list_response, page_limit
from llmgateway.api_schema import PAGE_PARAMETERS, error_responses, list_of
from sessions_app import services
from sessions_app.serializers import (
    SessionCreateSerializer,
    SessionRefreshSerializer,
    SessionRevokedSerializer,
    SessionSerializer,
)
from wallets import selectors as wallet_selectors
from wallets import services as wallet_services
from wallets.models import Customer
from wallets.serializers import (
    CustomerCreateSerializer,
    CustomerSerializer,
    CustomerUpdateSerializer,
)


class SessionCollectionView(ApiView):
    allowed_auth = ("secret",)

    @extend_schema(
        operation_id="sessions_create",
        summary="Mint a browser session for an end user",
        request=SessionCreateSerializer,
        responses={201: SessionSerializer, **error_responses(403)},
        tags=["sessions"],
    )
    def post(self, request):
        body = SessionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        scope = data.get("scope", {})
        principal = request.auth
        session, token = services.session_mint(
            project=principal.project,
            livemode=principal.livemode,
            external_id=data["customer"]["externalId"],
            email=data["customer"].get("email", ""),
            name=data["customer"].get("name", ""),
            models=scope.get("models"),
            max_spend_nanos=scope.get("maxSpend"),
            ttl_seconds=data.get("ttlSeconds"),
        )
        payload = SessionSerializer(session, context={"token": token}).data
        return Response(payload, status=status.HTTP_201_CREATED)


class SessionRefreshView(ApiView):
    allowed_auth = ("session",)

    @extend_schema(
        operation_id="sessions_refresh",
        summary="Exchange a live session token for a new one (the old one stops working)",
        request=None,
        responses={200: SessionRefreshSerializer, **error_responses(402, 403)},
        tags=["sessions"],
    )
    def post(self, request):
        session, token = services.session_refresh(session=request.auth.session)
        return Response(SessionRefreshSerializer(session, context={"token": token}).data)


class SessionDetailView(ApiView):
    allowed_auth = ("secret",)

    @extend_schema(
        operation_id="sessions_revoke",
        summary="Revoke a session at once",
        responses={200: SessionRevokedSerializer, **error_responses(403, 404)},
        tags=["sessions"],
    )
    def delete(self, request, session_id: str):
        principal = request.auth
        session = services.session_revoke(
            project=principal.project, livemode=principal.livemode, session_id=session_id
        )
        return Response(SessionRevokedSerializer(session).data)


class CustomerCollectionView(ApiView):
    allowed_auth = ("secret",)

    @extend_schema(
        operation_id="customers_list",
        parameters=[
            *PAGE_PARAMETERS,
            OpenApiParameter("email", str, description="only customers with this email"),
        ],
        responses={200: list_of(CustomerSerializer, "CustomerList"), **error_responses(403)},
        tags=["customers"],
    )
    def get(self, request):
        principal = request.auth
        customers = Customer.objects.select_related("wallet").filter(
            project=principal.project, livemode=principal.livemode
        )
        if request.query_params.get("email"):
            customers = customers.filter(email__iexact=request.query_params["email"])
        rows, next_cursor = keyset_page(
            customers,
            fields=("created_at", "id"),
            cursor=request.query_params.get("cursor"),
            limit=page_limit(request.query_params.get("limit")),
        )
        return Response(list_response(CustomerSerializer(rows, many=True).data, next_cursor))

    @extend_schema(
        operation_id="customers_create",
        request=CustomerCreateSerializer,
        responses={201: CustomerSerializer, **error_responses(403, 409)},
        tags=["customers"],
    )
    def post(self, request):
        body = CustomerCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        customer = wallet_services.customer_create(
            project_id=request.auth.project.pk,
            livemode=request.auth.livemode,
            external_id=data["externalId"],
            email=data["email"],
            name=data["name"],
            metadata=data["metadata"],
        )
        return Response(CustomerSerializer(customer).data, status=status.HTTP_201_CREATED)


class CustomerDetailView(ApiView):
    allowed_auth = ("secret",)

    def _customer(self, request, customer_id: str) -> Customer:
        return wallet_selectors.customer_for_project(
            project_id=request.auth.project.pk,
            livemode=request.auth.livemode,
            reference=customer_id,
        )

    @extend_schema(
        operation_id="customers_retrieve",
        description="`id` is the customer id (`cus_…`) or `ext:<externalId>`.",
        responses={200: CustomerSerializer, **error_responses(403, 404)},
        tags=["customers"],
    )
    def get(self, request, customer_id: str):
        return Response(CustomerSerializer(self._customer(request, customer_id)).data)

    @extend_schema(
        operation_id="customers_update",
        description="Block (`status: blocked`, which revokes its sessions) or unblock, or edit.",
        request=CustomerUpdateSerializer,
        responses={200: CustomerSerializer, **error_responses(403, 404)},
        tags=["customers"],
    )
    def patch(self, request, customer_id: str):
        customer = self._customer(request, customer_id)
        body = CustomerUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        customer = services.customer_change(customer=customer, **body.validated_data)
        return Response(CustomerSerializer(customer).data)
