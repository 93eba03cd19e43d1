from django.urls import path

from . import views
from .models import ResponseLevel, TaskTemplate

app_name = "plans"

urlpatterns = [
    path("plans/", views.PlanListView.as_view(), name="plan_list"),
    path("plans/add/", views.PlanFormView.as_view(), name="plan_add"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path("plans/<int:pk>/edit/", views.PlanFormView.as_view(), name="plan_edit"),
    path("plans/<int:pk>/delete/", views.PlanDeleteView.as_view(), name="plan_delete"),
    path("plans/<int:pk>/document/", views.PlanDocumentView.as_view(), name="plan_document"),
    path("plans/<int:plan_pk>/levels/add/", views.LevelFormView.as_view(), name="level_add"),
    path("plans/levels/<int:pk>/", views.ToPlanView.as_view(model=ResponseLevel), name="level_detail"),
    path("plans/levels/<int:pk>/edit/", views.LevelFormView.as_view(), name="level_edit"),
    path("plans/levels/<int:pk>/delete/", views.LevelDeleteView.as_view(), name="level_delete"),
    path("plans/levels/<int:level_pk>/tasks/add/", views.TemplateFormView.as_view(), name="template_add"),
    path("plans/task-templates/<int:pk>/", views.ToPlanView.as_view(model=TaskTemplate), name="template_detail"),
    path("plans/task-templates/<int:pk>/edit/", views.TemplateFormView.as_view(), name="template_edit"),
    path("plans/task-templates/<int:pk>/delete/", views.TemplateDeleteView.as_view(), name="template_delete"),
    path("plans/tasks/", views.TaskBoardView.as_view(), name="task_board"),
    path("plans/tasks/<int:pk>/status/", views.TaskStatusView.as_view(), name="task_status"),
    path("plans/activations/", views.ActivationListView.as_view(), name="activation_list"),
    path("plans/activations/<int:pk>/level/", views.ChangeLevelView.as_view(), name="change_level"),
    path("plans/activations/<int:pk>/end/", views.EndActivationView.as_view(), name="end_activation"),
    path("plans/activations/<int:pk>/tasks/", views.AddTaskView.as_view(), name="add_task"),
    path("plans/incidents/<int:pk>/", views.IncidentResponseView.as_view(), name="incident_response"),
    path("plans/incidents/<int:pk>/activate/", views.ActivateView.as_view(), name="activate"),
]
