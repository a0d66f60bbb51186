from django.urls import path

from sessions_app import views

urlpatterns = [
    path("sessions", views.SessionCollectionView.as_view(), name="sessions"),
    path("sessions/refresh", views.SessionRefreshView.as_view(), name="sessions-refresh"),
    path("sessions/<str:session_id>", views.SessionDetailView.as_view(), name="session-detail"),
]
