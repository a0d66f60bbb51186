"""Session endpoints: mint (sk), refresh (es), revoke (sk)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from llmgateway.api import ApiView
from llmgateway.api_schema import error_responses
from sessions_app import services
from sessions_app.serializers import (
    SessionCreateSerializer,
    SessionRefreshSerializer,
    SessionRevokedSerializer,
    SessionSerializer,
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
