from django.urls import path

from proxy.transports import views

urlpatterns = [
    path("models", views.models, name="models"),
    path("models/<path:model_id>", views.model_detail, name="model-detail"),
    path("chat/completions", views.chat_completions, name="chat-completions"),
    path("responses", views.responses, name="responses"),
    path("embeddings", views.embeddings, name="embeddings"),
    path("images/generations", views.image_generations, name="image-generations"),
]
